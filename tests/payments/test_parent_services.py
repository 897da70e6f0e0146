"""The services of the person a claim pays (payments/services/parent.py): confirming with each way to be paid,
"I'd rather not be paid", taking less, the benefits choice, bank details, declining, travel costs and answers."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.models import AuditEvent
from payments.forms.parent import HowToBePaidForm, TravelLineForm
from payments.models import (
    BankDetails,
    Claim,
    ClaimLine,
    ClaimState,
    LineKind,
    LineStatus,
    Payment,
    PaymentPolicy,
    PaymentPreference,
    PaymentRun,
    Reversal,
)
from payments.services import parent as services
from payments.services.amounts import claim_amounts
from tests.payments.factories import claim_at, held_session, make_claim, policy_for

ALL_METHODS = ["bank", "voucher", "cash", "charity", "none"]


# --- helpers shared by the parent tests (imported by test_parent_pages.py and test_receipts.py) ---------------


def give_bank_details(person) -> BankDetails:
    return BankDetails.objects.create(
        person=person, account_name="P Parent", sort_code="112233", account_number="12345678", account_number_last2="78"
    )


def pay(claim, *, by, attendance_by, paid_at=None, method=None) -> Payment:
    """Moves a claim to paid and writes its Payment (as a paid run would), with the claim's amounts."""
    claim = claim_at(claim, ClaimState.PAID, attendance_by=attendance_by, approved_by=by)
    amounts = claim_amounts(claim)
    run = PaymentRun.objects.create(organisation=claim.organisation, created_by=by)
    return Payment.objects.create(
        claim=claim,
        run=run,
        method=method or claim.method,
        participation_pence=amounts.participation_pence,
        expenses_pence=amounts.expenses_pence,
        paid_at=paid_at or timezone.now(),
        paid_by=by,
    )


def reverse_payment(payment, *, by) -> Reversal:
    Claim.objects.filter(pk=payment.claim_id).update(state=ClaimState.REVERSED)
    return Reversal.objects.create(payment=payment, reason="Paid twice by mistake.", reversed_by=by)


def fetch(claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


def code_of(excinfo) -> str:
    return excinfo.value.error_list[0].code


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, parent):
    return held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 120)})


@pytest.fixture
def policy(organisation):
    return policy_for(organisation, methods=ALL_METHODS, charity_name="Home-Start Bayside")


# --- confirming ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["bank", "voucher", "cash", "charity"])
def test_confirming_with_each_method_sends_the_claim_and_remembers_the_choice(
    session, parent, policy, organisation, method
):
    if method == "bank":
        give_bank_details(parent)
    claim = make_claim(session, parent, policy=policy, childcare_pence=1200)
    # when
    services.claim_confirm(claim=claim, acting_user=parent, method=method)
    # then
    claim = fetch(claim)
    assert claim.state == ClaimState.SUBMITTED
    assert claim.submitted_at is not None
    assert claim.method == method
    assert claim_amounts(claim).total_pence == 6200
    assert PaymentPreference.objects.get(person=parent, organisation=organisation).method == method
    event = AuditEvent.objects.get(action="claim.confirmed", object_id=str(claim.pk))
    assert event.actor == parent and event.data["method"] == method


def test_a_method_the_policy_does_not_offer_is_refused(session, parent, organisation, facilitator, facilitator2):
    claim = make_claim(session, parent, policy=policy_for(organisation, methods=["cash", "none"]))
    with pytest.raises(ValidationError) as excinfo:
        services.claim_confirm(claim=claim, acting_user=parent, method="voucher")
    assert code_of(excinfo) == "method_not_offered"
    # a charity needs the charity's name in the policy
    claim2 = make_claim(
        held_session(claim.session.group, facilitator, facilitator2, attendees={parent: (0, 60)}, title="Two"),
        parent,
        policy=policy_for(organisation, methods=["charity", "cash"]),
    )
    with pytest.raises(ValidationError) as excinfo:
        services.claim_confirm(claim=claim2, acting_user=parent, method="charity")
    assert code_of(excinfo) == "method_not_offered"
    assert fetch(claim).state == ClaimState.MADE


def test_rather_not_be_paid_still_repays_the_expenses(session, parent, policy):
    claim = make_claim(session, parent, policy=policy, childcare_pence=1200, travel_pence=430)
    services.claim_confirm(claim=claim, acting_user=parent, method="none", participation_requested_pence=100)
    claim = fetch(claim)
    assert claim.state == ClaimState.SUBMITTED
    assert claim.participation_requested_pence is None  # "take less" means nothing with no payment for time
    amounts = claim_amounts(claim)
    assert (amounts.participation_pence, amounts.expenses_pence) == (0, 1630)


def test_rather_not_be_paid_without_expenses_declines_the_claim(session, parent, policy, organisation):
    claim = make_claim(session, parent, policy=policy)
    services.claim_confirm(claim=claim, acting_user=parent, method="none")
    assert fetch(claim).state == ClaimState.DECLINED
    assert AuditEvent.objects.filter(action="claim.declined", object_id=str(claim.pk)).exists()
    assert PaymentPreference.objects.get(person=parent, organisation=organisation).method == "none"


def test_a_refused_expense_does_not_count_as_one_to_repay(session, parent, policy):
    claim = make_claim(session, parent, policy=policy, travel_pence=430)
    claim.lines.filter(kind=LineKind.TRAVEL).update(status=LineStatus.REJECTED, rejection_reason="No ticket.")
    services.claim_confirm(claim=claim, acting_user=parent, method="none")
    assert fetch(claim).state == ClaimState.DECLINED


def test_taking_less(session, parent, policy):
    claim = make_claim(session, parent, policy=policy, participation_pence=5000)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_confirm(claim=claim, acting_user=parent, method="cash", participation_requested_pence=5001)
    assert code_of(excinfo) == "more_than_due"
    services.claim_confirm(claim=claim, acting_user=parent, method="cash", participation_requested_pence=2000)
    claim = fetch(claim)
    assert claim.participation_requested_pence == 2000
    assert claim_amounts(claim).participation_pence == 2000


def test_bank_transfer_needs_bank_details(session, parent, policy):
    claim = make_claim(session, parent, policy=policy)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_confirm(claim=claim, acting_user=parent, method="bank")
    assert code_of(excinfo) == "bank_details_needed"
    assert fetch(claim).state == ClaimState.MADE
    give_bank_details(parent)
    services.claim_confirm(claim=claim, acting_user=parent, method="bank")
    assert fetch(claim).state == ClaimState.SUBMITTED


def test_only_the_claimant_confirms_or_declines(session, parent, professional, finance_officer, policy):
    claim = make_claim(session, parent, policy=policy)
    for person in (professional, finance_officer):
        with pytest.raises(ValidationError) as excinfo:
            services.claim_confirm(claim=claim, acting_user=person, method="cash")
        assert code_of(excinfo) == "not_yours"
        with pytest.raises(ValidationError) as excinfo:
            services.claim_decline(claim=claim, acting_user=person)
        assert code_of(excinfo) == "not_yours"
    assert fetch(claim).state == ClaimState.MADE


def test_a_claim_already_sent_cannot_be_confirmed_again(session, parent, policy):
    claim = make_claim(session, parent, policy=policy)
    services.claim_confirm(claim=claim, acting_user=parent, method="cash")
    with pytest.raises(ValidationError) as excinfo:
        services.claim_confirm(claim=claim, acting_user=parent, method="voucher")
    assert code_of(excinfo) == "not_open"
    with pytest.raises(ValidationError) as excinfo:
        services.claim_decline(claim=claim, acting_user=parent)
    assert code_of(excinfo) == "not_open"
    assert fetch(claim).method == "cash"


def test_declining(session, parent, policy):
    claim = make_claim(session, parent, policy=policy, childcare_pence=1000)
    services.claim_decline(claim=claim, acting_user=parent)
    assert fetch(claim).state == ClaimState.DECLINED
    assert AuditEvent.objects.filter(action="claim.declined", actor=parent).count() == 1


# --- the benefits choice -------------------------------------------------------------------------------------


@pytest.fixture
def low_limits(organisation):
    return policy_for(organisation, methods=ALL_METHODS, charity_name="Home-Start", benefits_weekly_pence=6000)


def test_benefits_choice_needed_only_when_crossing_for_a_person_receiving_benefits(
    session, parent, organisation, low_limits
):
    claim = make_claim(session, parent, policy=low_limits, participation_pence=7000, childcare_pence=500)
    # not said to receive benefits: no question
    services.confirm_check(claim=fetch(claim), method="cash")
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    with pytest.raises(ValidationError) as excinfo:
        services.claim_confirm(claim=claim, acting_user=parent, method="cash")
    assert code_of(excinfo) == "benefits_choice_needed"
    assert fetch(claim).state == ClaimState.MADE
    # taking less, under the amount, a voucher, not being paid, or a charity gift: no question
    services.confirm_check(claim=fetch(claim), method="cash", participation_requested_pence=5000)
    services.confirm_check(claim=fetch(claim), method="voucher")
    services.confirm_check(claim=fetch(claim), method="none")
    services.confirm_check(claim=fetch(claim), method="charity")
    # going ahead
    services.claim_confirm(claim=claim, acting_user=parent, method="cash", benefits_acknowledged=True)
    claim = fetch(claim)
    assert claim.state == ClaimState.SUBMITTED and claim.benefits_acknowledged


def test_expenses_never_count_towards_the_benefits_amount(session, parent, organisation, low_limits):
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    claim = make_claim(session, parent, policy=low_limits, participation_pence=5000, childcare_pence=9000)
    services.claim_confirm(claim=claim, acting_user=parent, method="cash")
    claim = fetch(claim)
    assert claim.state == ClaimState.SUBMITTED
    assert claim.benefits_acknowledged is False  # there was nothing to acknowledge


def test_a_claim_on_hold_goes_back_after_the_choice(session, parent, organisation, low_limits):
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    claim = claim_at(make_claim(session, parent, policy=low_limits, participation_pence=7000), ClaimState.ON_HOLD)
    services.claim_confirm(claim=claim, acting_user=parent, method="voucher", participation_requested_pence=3000)
    claim = fetch(claim)
    assert claim.state == ClaimState.SUBMITTED
    assert (claim.method, claim.participation_requested_pence) == ("voucher", 3000)


# --- travel and answers --------------------------------------------------------------------------------------


def test_travel_by_mileage_rounds_half_a_penny_up(session, parent, policy):
    claim = make_claim(session, parent, policy=policy, travel_pence=0)
    line = claim.lines.get(kind=LineKind.TRAVEL)
    line = services.travel_line_update(line=line, acting_user=parent, basis="mileage", miles_tenths=125)
    assert (line.travel_basis, line.miles_tenths, line.amount_pence) == ("mileage", 125, 563)  # 12.5 x 45p = 562.5
    for tenths in (0, 5001, None):
        with pytest.raises(ValidationError) as excinfo:
            services.travel_line_update(line=line, acting_user=parent, basis="mileage", miles_tenths=tenths)
        assert code_of(excinfo) == "miles_range"
    assert AuditEvent.objects.filter(action="claim_line.travel_updated").count() == 1


def test_travel_by_receipt_is_capped(session, parent, policy):
    claim = make_claim(session, parent, policy=policy, travel_pence=0)
    line = claim.lines.get(kind=LineKind.TRAVEL)
    with pytest.raises(ValidationError) as excinfo:
        services.travel_line_update(line=line, acting_user=parent, basis="receipt", amount_pence=20001)
    assert code_of(excinfo) == "more_than_approved"
    line = services.travel_line_update(line=line, acting_user=parent, basis="receipt", amount_pence=450)
    assert (line.travel_basis, line.miles_tenths, line.amount_pence) == ("receipt", None, 450)
    # only while the claim waits for the person
    services.claim_confirm(claim=claim, acting_user=parent, method="cash")
    with pytest.raises(ValidationError) as excinfo:
        services.travel_line_update(line=line, acting_user=parent, basis="receipt", amount_pence=400)
    assert code_of(excinfo) == "not_open"
    assert ClaimLine.objects.get(pk=line.pk).amount_pence == 450


def test_answering_a_refused_line(session, parent, professional, policy):
    claim = make_claim(session, parent, policy=policy, travel_pence=900)
    line = claim.lines.get(kind=LineKind.TRAVEL)
    with pytest.raises(ValidationError) as excinfo:
        services.line_reply(line=line, acting_user=parent, text="Here is why.")
    assert code_of(excinfo) == "not_rejected"
    ClaimLine.objects.filter(pk=line.pk).update(status=LineStatus.REJECTED, rejection_reason="No ticket.")
    with pytest.raises(ValidationError) as excinfo:
        services.line_reply(line=line, acting_user=professional, text="Not mine.")
    assert code_of(excinfo) == "not_yours"
    with pytest.raises(ValidationError) as excinfo:
        services.line_reply(line=line, acting_user=parent, text="x" * 1001)
    assert code_of(excinfo) == "text_too_long"
    services.line_reply(line=line, acting_user=parent, text="  I lost the ticket; the bus was £9.  ")
    assert ClaimLine.objects.get(pk=line.pk).claimant_reply == "I lost the ticket; the bus was £9."
    assert AuditEvent.objects.filter(action="claim_line.replied", actor=parent).count() == 1


def test_preference_set_keeps_the_benefits_answer_out_of_the_trail(parent, organisation):
    services.preference_set(person=parent, organisation=organisation, method="voucher", receives_benefits=True)
    pref = PaymentPreference.objects.get(person=parent, organisation=organisation)
    assert (pref.method, pref.receives_benefits) == ("voucher", True)
    event = AuditEvent.objects.get(action="payment_preference.set")
    assert event.data == {"method": "voucher"}
    with pytest.raises(ValidationError) as excinfo:
        services.preference_set(person=parent, organisation=organisation, method="gold", receives_benefits=False)
    assert code_of(excinfo) == "method_unknown"


def test_mileage_pence_is_pure():
    assert services.mileage_pence(miles_tenths=1, pence_per_mile=45) == 5  # 4.5p -> 5p
    assert services.mileage_pence(miles_tenths=5000, pence_per_mile=45) == 22500


# --- hostile input: the forms never fail, and what they pass on is in range ----------------------------------

text = st.text(alphabet=st.characters(codec="utf-8"), max_size=30)


@given(method=text, take_less=text, ack=st.sampled_from(["", "on", "\x00"]))
@hypothesis_settings(max_examples=150, deadline=None)
def test_the_how_to_be_paid_form_takes_any_input(method, take_less, ack):
    policy = PaymentPolicy(methods=ALL_METHODS, charity_name="Home-Start")
    form = HowToBePaidForm({"method": method, "take_less": take_less, "benefits_acknowledged": ack}, policy=policy,
                           due_pence=5000)  # fmt: skip
    if form.is_valid():
        assert form.cleaned_data["method"] in ALL_METHODS
        assert form.cleaned_data["take_less"] is None or 0 <= form.cleaned_data["take_less"] <= 5000


@given(basis=st.sampled_from(["receipt", "mileage", "", "taxi"]), amount=text, miles=text)
@hypothesis_settings(max_examples=150, deadline=None)
def test_the_travel_form_takes_any_input(basis, amount, miles):
    form = TravelLineForm({"basis": basis, "amount": amount, "miles": miles}, maximum_pence=20000)
    if form.is_valid():
        args = form.service_arguments()
        if basis == "receipt":
            assert 0 <= args["amount_pence"] <= 20000
        else:
            assert services.MILES_TENTHS_MIN <= args["miles_tenths"] <= services.MILES_TENTHS_MAX
