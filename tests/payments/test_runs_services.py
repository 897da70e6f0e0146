"""Payment runs (payments/services/runs.py, payments/selectors/runs.py): gathering approved claims, the totals,
marking a run paid, reversing a payment, and the database refusing to change what was paid (migration 0002)."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, transaction
from django.template.loader import render_to_string

from core.models import AuditEvent
from groups.models import StaffRole
from notifications.models import Message
from payments.messaging import PAID
from payments.models import (
    BankDetails,
    Claim,
    ClaimLine,
    ClaimState,
    LineKind,
    LineStatus,
    Method,
    Payment,
    PaymentRun,
    Reversal,
)
from payments.selectors.runs import run_totals, with_amounts
from payments.services.amounts import claim_amounts
from payments.services.runs import (
    paid_notice_context,
    payment_reverse,
    run_create,
    run_mark_paid,
    run_remove_claim,
)
from tests.payments.factories import claim_at, held_session, make_claim

# --- helpers the other run test files import ---------------------------------------------------------------


def approved(session, claimant, *, approver, confirmer, **fields) -> Claim:
    """A claim of `claimant` for `session`, approved by `approver`, attendance confirmed by `confirmer`."""
    claim = make_claim(session, claimant, **fields)
    return claim_at(claim, ClaimState.APPROVED, attendance_by=confirmer, approved_by=approver)


def bank_details_for(person, *, name=None, sort_code="12-34-56", number="01234567") -> BankDetails:
    return BankDetails.objects.create(
        person=person,
        account_name=name or person.full_name,
        sort_code=sort_code,
        account_number=number,
        account_number_last2=number[-2:],
    )


def fetch(claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


@pytest.fixture
def session(group_with_members, facilitator, facilitator2):
    return held_session(group_with_members, facilitator, facilitator2)


@pytest.fixture
def people(make_user):
    return [make_user(full_name=f"Parent {n}") for n in range(3)]


@pytest.fixture
def claims(session, people, facilitator2, finance_officer):
    """Three approved claims: bank (£50 + £12 childcare), voucher (£50, took £30), cash with £4.30 travel."""
    bank_details_for(people[0])
    return [
        approved(
            session, people[0], approver=finance_officer, confirmer=facilitator2, childcare_pence=1200, method="bank"
        ),
        approved(session, people[1], approver=finance_officer, confirmer=facilitator2, method="voucher"),
        approved(session, people[2], approver=finance_officer, confirmer=facilitator2, travel_pence=430, method="cash"),
    ]


@pytest.fixture
def second_officer(make_user, organisation, grant):
    return grant(make_user(full_name="Frank Finance"), organisation, StaffRole.Role.FINANCE_OFFICER)


# --- gathering -----------------------------------------------------------------------------------------------


def test_gathering_puts_every_approved_claim_in_no_run_into_one_new_run(
    organisation, claims, session, make_user, finance_officer, facilitator2
):
    waiting = make_claim(session, make_user())  # not approved: stays out
    run = run_create(organisation=organisation, acting_user=finance_officer)
    assert run.state == PaymentRun.State.OPEN
    assert set(run.claims.values_list("pk", flat=True)) == {c.pk for c in claims}
    assert fetch(waiting).run_id is None
    event = AuditEvent.objects.get(action="payment_run.created")
    assert event.data == {"claims": 3, "total_pence": 5000 + 1200 + 5000 + 5000 + 430}
    # nothing left to gather
    with pytest.raises(ValidationError) as error:
        run_create(organisation=organisation, acting_user=finance_officer)
    assert error.value.code == "nothing_to_pay"
    assert PaymentRun.objects.count() == 1


def test_only_a_finance_officer_gathers_and_their_own_claims_stay_out(
    organisation, claims, session, facilitator, facilitator2, second_officer, finance_officer
):
    with pytest.raises(ValidationError) as error:
        run_create(organisation=organisation, acting_user=facilitator)
    assert error.value.code == "not_finance_officer"
    own = approved(session, finance_officer, approver=second_officer, confirmer=facilitator2)
    run = run_create(organisation=organisation, acting_user=finance_officer)
    assert own.pk not in set(run.claims.values_list("pk", flat=True))
    other = run_create(organisation=organisation, acting_user=second_officer)
    assert list(other.claims.values_list("pk", flat=True)) == [own.pk]


def test_a_claim_taken_out_of_an_open_run_waits_again(organisation, claims, finance_officer):
    run = run_create(organisation=organisation, acting_user=finance_officer)
    run_remove_claim(run=run, claim=claims[1], acting_user=finance_officer)
    assert fetch(claims[1]).run_id is None
    with pytest.raises(ValidationError) as error:
        run_remove_claim(run=run, claim=claims[1], acting_user=finance_officer)
    assert error.value.code == "not_in_run"


# --- totals --------------------------------------------------------------------------------------------------


def test_the_database_works_out_each_claim_as_claim_amounts_does(session, make_user, finance_officer, facilitator2):
    # given claims with a refused line, a smaller amount asked for, no payment for time, and a charity gift
    cases = [
        {"childcare_pence": 1200, "travel_pence": 430},
        {"travel_pence": 999},
        {"method": "none", "childcare_pence": 700},
        {"method": "charity"},
        {"participation_pence": 0},
    ]
    made = [approved(session, make_user(), approver=finance_officer, confirmer=facilitator2, **c) for c in cases]
    made[1].lines.filter(kind=LineKind.TRAVEL).update(status=LineStatus.REJECTED, rejection_reason="No ticket.")
    Claim.objects.filter(pk=made[0].pk).update(participation_requested_pence=2000)
    Claim.objects.filter(pk=made[4].pk).update(participation_requested_pence=9000)
    # when
    sql = {c.pk: (c.participation_amount, c.expenses_amount) for c in with_amounts(Claim.objects.all())}
    # then
    for claim in Claim.objects.all():
        amounts = claim_amounts(claim)
        assert sql[claim.pk] == (amounts.participation_pence, amounts.expenses_pence), claim.method
    assert sql[made[0].pk] == (2000, 1630)
    assert sql[made[2].pk] == (0, 700)


def test_run_totals_per_method_in_one_query_whatever_the_size(
    organisation, claims, session, make_user, finance_officer, facilitator2, django_assert_num_queries
):
    run = run_create(organisation=organisation, acting_user=finance_officer)
    with django_assert_num_queries(1):
        totals = run_totals(run)
    assert totals["by_method"]["bank"] == {
        "count": 1,
        "participation_pence": 5000,
        "expenses_pence": 1200,
        "total_pence": 6200,
    }
    assert totals["by_method"]["cash"]["total_pence"] == 5430
    assert totals["grand"] == {"count": 3, "participation_pence": 15000, "expenses_pence": 1630, "total_pence": 16630}
    assert [m["method"] for m in totals["methods"]] == ["bank", "voucher", "cash", "charity"]
    for _ in range(5):
        approved(session, make_user(), approver=finance_officer, confirmer=facilitator2, method="charity")
    bigger = run_create(organisation=organisation, acting_user=finance_officer)
    with django_assert_num_queries(1):
        assert run_totals(bigger)["by_method"]["charity"]["count"] == 5


# --- paying --------------------------------------------------------------------------------------------------


def test_marking_a_run_paid_pays_each_claim_once_and_tells_each_person_without_the_amount(
    organisation, claims, finance_officer, django_capture_on_commit_callbacks
):
    run = run_create(organisation=organisation, acting_user=finance_officer)
    Claim.objects.filter(pk=claims[1].pk).update(participation_requested_pence=3000)
    with django_capture_on_commit_callbacks(execute=True):
        run = run_mark_paid(run=run, acting_user=finance_officer, reference="  BACS 2026-11-30  ")
    run = PaymentRun.objects.get(pk=run.pk)
    assert (run.state, run.reference, run.paid_by) == (PaymentRun.State.PAID, "BACS 2026-11-30", finance_officer)
    payments = {p.claim_id: p for p in Payment.objects.all()}
    assert set(payments) == {c.pk for c in claims}
    assert (payments[claims[0].pk].participation_pence, payments[claims[0].pk].expenses_pence) == (5000, 1200)
    assert payments[claims[1].pk].total_pence == 3000  # what they asked to take
    assert {fetch(c).state for c in claims} == {ClaimState.PAID}
    event = AuditEvent.objects.get(action="payment_run.paid")
    assert event.data["payments"] == 3 and event.data["total_pence"] == 6200 + 3000 + 5430
    assert event.data["bank_pence"] == 6200
    # the notices: one per person, sensitive (no body kept), and the email says how and for which session only
    logged = Message.objects.filter(kind=PAID)
    assert {m.key for m in logged} == {f"paid:{p.pk}" for p in payments.values()}
    assert all(m.body == "" for m in logged)
    assert len(mail.outbox) == 3
    for email in mail.outbox:
        assert "£" not in email.body and "50" not in email.body
        assert "Planning the summer fun day" in email.body
    voucher_email = next(e for e in mail.outbox if e.to == [claims[1].claimant.email])
    assert "as a shopping voucher" in voucher_email.body


def test_the_paid_notice_context_names_how_and_the_session_and_never_an_amount(organisation, claims, finance_officer):
    run = run_create(organisation=organisation, acting_user=finance_officer)
    run_mark_paid(run=run, acting_user=finance_officer, reference="REF1")
    payment = Payment.objects.get(claim=claims[0])
    context = paid_notice_context(person=claims[0].claimant, key=f"paid:{payment.pk}")
    assert context["method_label"] == "Bank transfer"
    assert context["session_title"] == "Planning the summer fun day"
    assert not any("pence" in k or "amount" in k for k in context)
    assert "5000" not in str(context) and "50.00" not in str(context)
    # both templates, as they go out: how and which session, never how much
    for template in ("payments/messages/paid.txt", "payments/messages/paid_text.txt"):
        text = render_to_string(template, {**context, "person": claims[0].claimant, "link": "https://x.test/p/"})
        assert "by bank transfer" in text and "Planning the summer fun day" in text and "https://x.test/p/" in text
        assert "£" not in text and "50" not in text
    # someone else's payment is not theirs to be told about
    with pytest.raises(Payment.DoesNotExist):
        paid_notice_context(person=claims[1].claimant, key=f"paid:{payment.pk}")


def test_the_reference_is_needed_and_a_run_is_paid_only_once(organisation, claims, finance_officer, second_officer):
    run = run_create(organisation=organisation, acting_user=finance_officer)
    for reference in ("", "   ", "x" * 61):
        with pytest.raises(ValidationError) as error:
            run_mark_paid(run=run, acting_user=finance_officer, reference=reference)
        assert error.value.code == "reference_needed"
    assert not Payment.objects.exists()
    run_mark_paid(run=run, acting_user=finance_officer, reference="x" * 60)
    with pytest.raises(ValidationError) as error:
        run_mark_paid(run=run, acting_user=second_officer, reference="again")
    assert error.value.code == "already_paid"
    assert Payment.objects.count() == 3


def test_nobody_pays_a_run_holding_their_own_claim_or_one_they_prepared(
    organisation, claims, session, facilitator, facilitator2, finance_officer, second_officer, grant
):
    own = approved(session, second_officer, approver=finance_officer, confirmer=facilitator2)
    run = run_create(organisation=organisation, acting_user=finance_officer)
    assert own.pk in set(run.claims.values_list("pk", flat=True))
    with pytest.raises(ValidationError) as error:
        run_mark_paid(run=run, acting_user=second_officer, reference="REF")
    assert error.value.code == "own_claim"
    # the session's lead closed its register, so prepared its claims
    grant(facilitator, organisation, StaffRole.Role.FINANCE_OFFICER)
    with pytest.raises(ValidationError) as error:
        run_mark_paid(run=run, acting_user=facilitator, reference="REF")
    assert error.value.code == "prepared_claim"
    with pytest.raises(ValidationError) as error:
        run_mark_paid(run=run, acting_user=facilitator2, reference="REF")
    assert error.value.code == "not_finance_officer"
    assert not Payment.objects.exists()
    # approving and paying by the same finance officer is allowed
    run_mark_paid(run=run, acting_user=finance_officer, reference="REF")
    assert Payment.objects.count() == 4


# --- reversing -----------------------------------------------------------------------------------------------


@pytest.fixture
def paid_run(organisation, claims, finance_officer):
    run = run_create(organisation=organisation, acting_user=finance_officer)
    return run_mark_paid(run=run, acting_user=finance_officer, reference="REF")


def test_a_reversal_needs_a_reason_and_is_made_once(paid_run, claims, finance_officer, second_officer, facilitator):
    payment = Payment.objects.get(claim=claims[0])
    for reason in ("", "   "):
        with pytest.raises(ValidationError) as error:
            payment_reverse(payment=payment, acting_user=finance_officer, reason=reason)
        assert error.value.code == "reason_needed"
    with pytest.raises(ValidationError) as error:
        payment_reverse(payment=payment, acting_user=facilitator, reason="Wrong account")
    assert error.value.code == "not_finance_officer"
    reversal = payment_reverse(payment=payment, acting_user=second_officer, reason="  Wrong account  ")
    assert (reversal.reason, reversal.reversed_by) == ("Wrong account", second_officer)
    assert fetch(claims[0]).state == ClaimState.REVERSED
    with pytest.raises(ValidationError) as error:
        payment_reverse(payment=payment, acting_user=finance_officer, reason="Again")
    assert error.value.code == "already_reversed"
    assert Reversal.objects.count() == 1
    unchanged = Payment.objects.get(pk=payment.pk)
    assert (unchanged.participation_pence, unchanged.expenses_pence) == (5000, 1200)
    assert AuditEvent.objects.filter(action="payment.reversed").count() == 1


def test_nobody_reverses_a_payment_to_themselves(organisation, session, facilitator2, finance_officer, second_officer):
    approved(session, second_officer, approver=finance_officer, confirmer=facilitator2)
    run = run_create(organisation=organisation, acting_user=finance_officer)
    run_mark_paid(run=run, acting_user=finance_officer, reference="REF")
    with pytest.raises(ValidationError) as error:
        payment_reverse(payment=Payment.objects.get(), acting_user=second_officer, reason="Mine")
    assert error.value.code == "own_claim"


# --- the database keeps what was paid ------------------------------------------------------------------------


def _refused(operation) -> None:
    with pytest.raises((IntegrityError, InternalError)), transaction.atomic():
        operation()


def test_the_database_refuses_to_change_or_delete_a_payment_a_reversal_or_a_paid_run(paid_run, claims, finance_officer):
    payment = Payment.objects.get(claim=claims[0])
    reversal = payment_reverse(payment=payment, acting_user=finance_officer, reason="Bounced")
    _refused(lambda: Payment.objects.filter(pk=payment.pk).update(participation_pence=1))
    _refused(lambda: Payment.objects.filter(pk=payment.pk).delete())
    _refused(lambda: Reversal.objects.filter(pk=reversal.pk).update(reason="Something else"))
    _refused(lambda: Reversal.objects.filter(pk=reversal.pk).delete())
    _refused(lambda: PaymentRun.objects.filter(pk=paid_run.pk).update(reference="changed"))
    _refused(lambda: PaymentRun.objects.filter(pk=paid_run.pk).delete())
    assert Payment.objects.get(pk=payment.pk).participation_pence == 5000
    assert PaymentRun.objects.get(pk=paid_run.pk).reference == "REF"


def test_an_open_run_may_change_but_is_never_deleted(organisation, claims, finance_officer):
    run = run_create(organisation=organisation, acting_user=finance_officer)
    Claim.objects.filter(run=run).update(run=None)
    _refused(lambda: PaymentRun.objects.filter(pk=run.pk).delete())
    assert PaymentRun.objects.filter(pk=run.pk).exists()


def test_a_claim_worth_nothing_is_paid_without_a_message(
    organisation, session, make_user, facilitator2, finance_officer, django_capture_on_commit_callbacks
):
    claim = approved(session, make_user(), approver=finance_officer, confirmer=facilitator2, method=Method.NONE)
    run = run_create(organisation=organisation, acting_user=finance_officer)
    with django_capture_on_commit_callbacks(execute=True):
        run_mark_paid(run=run, acting_user=finance_officer, reference="REF")
    assert Payment.objects.get(claim=claim).total_pence == 0
    assert fetch(claim).state == ClaimState.PAID
    assert not Message.objects.filter(kind=PAID).exists()
    assert ClaimLine.objects.filter(claim=claim).count() == 1
