"""Confirming attendance, approving, refusing a line and changing an amount (payments/services/approvals.py): the
separation of duties for every role, the database's constraints behind it, and the benefits hold."""

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from core.models import AuditEvent
from groups.models import StaffRole
from notifications.models import Message
from payments.forms.approvals import LineAmountForm, LineRejectForm
from payments.messaging import CLAIM_ON_HOLD, CLAIM_RETURNED
from payments.models import AmountChange, Claim, ClaimState, LineKind, LineStatus, PaymentPreference
from payments.services.approvals import (
    claim_approve,
    claim_line_accept,
    claim_line_amount_change,
    claim_line_reject,
    claims_attendance_confirm,
)
from tests.payments.factories import claim_at, held_session, make_claim, policy_for

FINANCE = StaffRole.Role.FINANCE_OFFICER


def code_of(excinfo) -> str:
    return excinfo.value.code


def fetch(claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, parent, professional):
    """Led by `facilitator`, who closed the register (so prepared the claims); `facilitator2` supports."""
    return held_session(
        group_with_members, facilitator, facilitator2, attendees={parent: (0, 120), professional: (10, 120)}
    )


@pytest.fixture
def claim(session, parent):
    return claim_at(make_claim(session, parent, childcare_pence=1200, travel_pence=430), ClaimState.SUBMITTED)


@pytest.fixture
def confirmed(claim, facilitator2):
    claims_attendance_confirm(session=claim.session, acting_user=facilitator2, claim_ids=[claim.pk])
    return fetch(claim)


# --- attendance ----------------------------------------------------------------------------------------------


def test_the_other_facilitator_confirms_attendance_with_an_audit_event(session, claim, facilitator2, professional):
    made = make_claim(session, professional)  # not yet checked by the person: still confirmable
    # when
    count = claims_attendance_confirm(session=session, acting_user=facilitator2, claim_ids=[claim.pk, made.pk])
    # then
    assert count == 2
    assert fetch(claim).attendance_confirmed_by == facilitator2
    assert fetch(made).attendance_confirmed_at is not None
    assert AuditEvent.objects.filter(action="claim.attendance_confirmed", object_id=str(claim.pk)).count() == 1
    # Confirming again confirms nothing more.
    assert claims_attendance_confirm(session=session, acting_user=facilitator2, claim_ids=[claim.pk]) == 0


def test_the_preparer_cannot_confirm_attendance(claim, facilitator):
    with pytest.raises(ValidationError) as e:
        claims_attendance_confirm(session=claim.session, acting_user=facilitator, claim_ids=[claim.pk])
    assert code_of(e) == "prepared_it"
    assert fetch(claim).attendance_confirmed_by is None


def test_a_facilitator_cannot_confirm_a_claim_that_pays_them(session, claim, facilitator2):
    own = make_claim(session, facilitator2)
    with pytest.raises(ValidationError) as e:
        claims_attendance_confirm(session=session, acting_user=facilitator2, claim_ids=[claim.pk, own.pk])
    assert code_of(e) == "own_claim"
    assert fetch(claim).attendance_confirmed_by is None  # all or nothing


def test_someone_not_running_the_session_cannot_confirm(claim, finance_officer, professional):
    for person in (finance_officer, professional):
        with pytest.raises(ValidationError) as e:
            claims_attendance_confirm(session=claim.session, acting_user=person, claim_ids=[claim.pk])
        assert code_of(e) == "not_allowed"


# --- approval: who ---------------------------------------------------------------------------------------------


def test_a_finance_officer_approves_and_open_lines_are_accepted(confirmed, finance_officer):
    confirmed.lines.filter(kind=LineKind.TRAVEL).update(status=LineStatus.REJECTED, rejection_reason="No ticket.")
    # when
    claim = claim_approve(claim=confirmed, acting_user=finance_officer)
    # then
    claim = fetch(claim)
    assert (claim.state, claim.approved_by) == (ClaimState.APPROVED, finance_officer)
    statuses = dict(claim.lines.values_list("kind", "status"))
    assert statuses == {
        LineKind.PARTICIPATION: LineStatus.ACCEPTED,
        LineKind.CHILDCARE: LineStatus.ACCEPTED,
        LineKind.TRAVEL: LineStatus.REJECTED,
    }
    event = AuditEvent.objects.get(action="claim.approved", object_id=str(claim.pk))
    assert event.data["participation_pence"] == 5000
    assert event.data["expenses_pence"] == 1200
    assert event.data["total_pence"] == 6200
    # A second approval is refused.
    with pytest.raises(ValidationError) as e:
        claim_approve(claim=claim, acting_user=finance_officer)
    assert code_of(e) == "already_decided"


def test_a_claimant_who_is_a_finance_officer_cannot_approve_their_own_claim(confirmed, parent, organisation, grant):
    grant(parent, organisation, FINANCE)
    with pytest.raises(ValidationError) as e:
        claim_approve(claim=confirmed, acting_user=parent)
    assert code_of(e) == "own_claim"
    assert fetch(confirmed).state == ClaimState.SUBMITTED


def test_the_preparer_cannot_approve(confirmed, facilitator, organisation, grant):
    grant(facilitator, organisation, FINANCE)
    with pytest.raises(ValidationError) as e:
        claim_approve(claim=confirmed, acting_user=facilitator)
    assert code_of(e) == "prepared_it"


def test_the_attendance_confirmer_cannot_approve(confirmed, facilitator2, organisation, grant):
    grant(facilitator2, organisation, FINANCE)
    with pytest.raises(ValidationError) as e:
        claim_approve(claim=confirmed, acting_user=facilitator2)
    assert code_of(e) == "confirmed_attendance"


def test_a_facilitator_without_the_finance_role_and_another_organisation_cannot_approve(
    confirmed, facilitator, other_organisation, make_user, grant
):
    elsewhere = grant(make_user(email="money@hillside.test"), other_organisation, FINANCE)
    for person in (facilitator, elsewhere):
        with pytest.raises(ValidationError) as e:
            claim_approve(claim=confirmed, acting_user=person)
        assert code_of(e) == "not_allowed"
    assert fetch(confirmed).state == ClaimState.SUBMITTED


def test_approval_needs_the_attendance_confirmed_and_the_claim_sent(
    session, claim, parent, professional, finance_officer
):
    with pytest.raises(ValidationError) as e:
        claim_approve(claim=claim, acting_user=finance_officer)
    assert code_of(e) == "attendance_not_confirmed"
    made = make_claim(session, professional)
    with pytest.raises(ValidationError) as e:
        claim_approve(claim=made, acting_user=finance_officer)
    assert code_of(e) == "not_submitted"


def test_the_database_refuses_what_the_services_refuse(confirmed, parent, facilitator, facilitator2):
    for field, person in (
        ("approved_by", parent),
        ("approved_by", facilitator),
        ("approved_by", facilitator2),
        ("attendance_confirmed_by", parent),
        ("attendance_confirmed_by", facilitator),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Claim.objects.filter(pk=confirmed.pk).update(**{field: person})


# --- the benefits hold -------------------------------------------------------------------------------------


def test_a_payment_over_the_benefits_amount_is_held_and_the_person_asked(
    session, parent, facilitator2, finance_officer, organisation
):
    policy = policy_for(organisation, benefits_weekly_pence=3000)
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    claim = claim_at(make_claim(session, parent, policy=policy, participation_pence=5000), ClaimState.SUBMITTED)
    claims_attendance_confirm(session=session, acting_user=facilitator2, claim_ids=[claim.pk])
    # when
    with pytest.raises(ValidationError) as e:
        claim_approve(claim=claim, acting_user=finance_officer)
    # then: the hold is kept, the person is asked, nothing is approved
    assert code_of(e) == "benefits_choice_needed"
    held = fetch(claim)
    assert held.state == ClaimState.ON_HOLD and held.approved_by is None
    message = Message.objects.get(person=parent, kind=CLAIM_ON_HOLD)
    assert message.key == f"claim-on-hold:{claim.pk}:1"
    assert message.link == reverse("payments:claim", args=[claim.pk])
    assert "£" not in message.body and "50" not in message.body
    assert not AuditEvent.objects.filter(action="claim.approved").exists()
    assert AuditEvent.objects.filter(action="claim.held", object_id=str(claim.pk)).exists()
    # Once the person has chosen (acknowledged), it is approved.
    Claim.objects.filter(pk=claim.pk).update(state=ClaimState.SUBMITTED, benefits_acknowledged=True)
    assert claim_approve(claim=claim, acting_user=finance_officer).state == ClaimState.APPROVED


# --- refusing a line -------------------------------------------------------------------------------------------


def test_refusing_a_line_needs_a_reason_and_returns_the_claim_to_the_person(claim, parent, finance_officer):
    travel = claim.lines.get(kind=LineKind.TRAVEL)
    with pytest.raises(ValidationError) as e:
        claim_line_reject(line=travel, acting_user=finance_officer, reason="  ")
    assert code_of(e) == "reason_needed"
    # when
    claim_line_reject(line=travel, acting_user=finance_officer, reason="Please send the bus ticket.")
    # then
    travel.refresh_from_db()
    assert (travel.status, travel.rejection_reason) == (LineStatus.REJECTED, "Please send the bus ticket.")
    assert fetch(claim).state == ClaimState.MADE
    message = Message.objects.get(person=parent, kind=CLAIM_RETURNED)
    assert message.key == f"claim-returned:{travel.pk}:1"
    assert "needs your answer" in message.body and "£" not in message.body
    assert AuditEvent.objects.filter(action="claim_line.rejected", object_id=str(travel.pk)).count() == 1
    # Refused again after the person answered: a second message.
    claim_line_reject(line=travel, acting_user=finance_officer, reason="The ticket is for another day.")
    assert Message.objects.filter(person=parent, kind=CLAIM_RETURNED).count() == 2
    claim_line_accept(line=travel, acting_user=finance_officer)
    travel.refresh_from_db()
    assert travel.status == LineStatus.ACCEPTED


def test_a_claimant_finance_officer_cannot_refuse_their_own_line(claim, parent, organisation, grant):
    grant(parent, organisation, FINANCE)
    with pytest.raises(ValidationError) as e:
        claim_line_reject(line=claim.lines.first(), acting_user=parent, reason="No.")
    assert code_of(e) == "own_claim"


# --- changing an amount ----------------------------------------------------------------------------------------


def test_before_approval_the_amount_is_set_and_audited(claim, finance_officer):
    line = claim.lines.get(kind=LineKind.CHILDCARE)
    claim_line_amount_change(line=line, acting_user=finance_officer, new_pence=1000, reason="")
    line.refresh_from_db()
    assert line.amount_pence == 1000
    event = AuditEvent.objects.get(action="claim_line.amount_changed")
    assert (event.data["old_pence"], event.data["new_pence"]) == (1200, 1000)
    assert not AmountChange.objects.exists()


def test_after_approval_a_change_needs_a_reason_and_is_kept(confirmed, finance_officer, make_user, organisation, grant):
    claim = claim_approve(claim=confirmed, acting_user=finance_officer)
    other_officer = grant(make_user(), organisation, FINANCE)
    line = claim.lines.get(kind=LineKind.CHILDCARE)
    with pytest.raises(ValidationError) as e:
        claim_line_amount_change(line=line, acting_user=other_officer, new_pence=900, reason="")
    assert code_of(e) == "reason_needed"
    # when
    claim_line_amount_change(line=line, acting_user=other_officer, new_pence=900, reason="The nursery bill says £9.")
    # then
    change = AmountChange.objects.get(line=line)
    assert (change.old_pence, change.new_pence, change.changed_by) == (1200, 900, other_officer)
    assert change.reason == "The nursery bill says £9."
    line.refresh_from_db()
    assert line.amount_pence == 900


def test_a_paid_claim_is_never_changed(session, parent, facilitator2, finance_officer):
    claim = claim_at(
        make_claim(session, parent), ClaimState.PAID, attendance_by=facilitator2, approved_by=finance_officer
    )
    line = claim.lines.get()
    with pytest.raises(ValidationError) as e:
        claim_line_amount_change(line=line, acting_user=finance_officer, new_pence=1, reason="Mistake.")
    assert code_of(e) == "claim_paid"
    line.refresh_from_db()
    assert line.amount_pence == 5000


def test_amount_changes_keep_the_separation_of_duties(confirmed, facilitator2, organisation, grant):
    grant(facilitator2, organisation, FINANCE)
    with pytest.raises(ValidationError) as e:
        claim_line_amount_change(line=confirmed.lines.first(), acting_user=facilitator2, new_pence=10, reason="x")
    assert code_of(e) == "confirmed_attendance"


# --- the forms -------------------------------------------------------------------------------------------------


@given(amount=st.one_of(st.text(max_size=30), st.sampled_from(["1e26", "-1", "NaN", "1.005", "£12", "1,200.50"])))
def test_the_amount_form_takes_pounds_and_refuses_anything_else_kindly(amount):
    form = LineAmountForm({"amount": amount, "reason": "A reason."}, reason_required=True)
    if form.is_valid():
        assert isinstance(form.cleaned_data["amount"], int)
        assert 0 <= form.cleaned_data["amount"] <= 500000
    else:
        assert form.errors["amount"]


@given(reason=st.text(max_size=60))
def test_the_reason_form_never_fails_on_odd_text(reason):
    form = LineRejectForm({"reason": reason})
    if form.is_valid():
        assert form.cleaned_data["reason"].strip()
        assert "\x00" not in form.cleaned_data["reason"]


def test_the_amount_form_reads_pounds_and_needs_a_reason_after_approval():
    form = LineAmountForm({"amount": "£1,200.50"})
    assert form.is_valid() and form.cleaned_data["amount"] == 120050
    assert not LineAmountForm({"amount": "12"}, reason_required=True).is_valid()
