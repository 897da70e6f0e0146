"""Builders shared by the payments tests.

Sessions and the closed register are made through sessions_app's services (planned the day before, with
time_machine); check-ins at chosen times are rows. Claims are built here row by row, so tests
of approvals, runs and the parent's pages do not depend on how claims are made from attendance (that has its own
tests in test_claims_make.py); `claim_at` moves a built claim to a state with the fields that state needs.
"""

from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from payments.models import Claim, ClaimLine, ClaimState, LineKind, PaymentPolicy
from sessions_app.models import CheckIn, Session
from tests.sessions_app.factories import plan_session


def policy_for(organisation, *, created_by=None, **fields) -> PaymentPolicy:
    """A new version of the organisation's payment policy (defaults: £25 an hour, £75 half day up to 4 hours,
    £150 full day, attended time, 45p a mile, two working days)."""
    latest = PaymentPolicy.objects.filter(organisation=organisation).order_by("-version").first()
    return PaymentPolicy.objects.create(
        organisation=organisation, version=(latest.version + 1 if latest else 1), created_by=created_by, **fields
    )


def held_session(
    group,
    lead,
    support=None,
    *,
    starts_at: datetime | None = None,
    hours: int = 2,
    attendees: dict | None = None,
    close: bool = True,
    **fields,
) -> Session:
    """A session of `group` that has happened (yesterday at 10:00 by default), led by `lead`, planned and
    published the day before it (time_machine). `attendees` maps
    a person to (minutes after the start they checked in, minutes after the start they checked out or None).
    With `close`, `lead` closes the register (the attendance_closed event goes out on commit)."""
    from sessions_app import services

    if starts_at is None:
        yesterday = timezone.localdate() - timedelta(days=1)
        starts_at = timezone.make_aware(datetime(yesterday.year, yesterday.month, yesterday.day, 10, 0))
    if "venue" not in fields:
        fields.setdefault("format", Session.Format.ONLINE)
        fields.setdefault("joining_link", "https://meet.example.test/coprod")
    with time_machine.travel(starts_at - timedelta(days=1), tick=False):  # planned and published the day before
        session = plan_session(group, lead, support, starts_at=starts_at, hours=hours, **fields)
    for person, (in_after, out_after) in (attendees or {}).items():
        CheckIn.objects.create(
            session=session,
            user=person,
            checked_in_by=lead,
            checked_in_at=starts_at + timedelta(minutes=in_after),
            checked_out_at=None if out_after is None else starts_at + timedelta(minutes=out_after),
        )
    if close:
        session = services.session_attendance_close(session=session, acting_user=lead)
    return session


def make_claim(
    session,
    claimant,
    *,
    policy: PaymentPolicy | None = None,
    prepared_by=None,
    minutes: int = 120,
    participation_pence: int = 5000,
    childcare_pence: int | None = None,
    travel_pence: int | None = None,
    method: str = "bank",
) -> Claim:
    """A claim in state "made" with a participation line (and childcare/travel lines when given)."""
    organisation = session.group.organisation
    policy = policy or PaymentPolicy.objects.filter(organisation=organisation).order_by("-version").first()
    policy = policy or policy_for(organisation)
    claim = Claim.objects.create(
        organisation=organisation,
        session=session,
        claimant=claimant,
        policy=policy,
        prepared_by=prepared_by if prepared_by is not None else session.attendance_closed_by,
        due_on=timezone.localdate(session.starts_at) + timedelta(days=2),
        method=method,
    )
    ClaimLine.objects.create(
        claim=claim,
        kind=LineKind.PARTICIPATION,
        description="Your time",
        minutes=minutes,
        amount_pence=participation_pence,
    )
    if childcare_pence is not None:
        ClaimLine.objects.create(
            claim=claim, kind=LineKind.CHILDCARE, description="Childcare", amount_pence=childcare_pence
        )
    if travel_pence is not None:
        ClaimLine.objects.create(
            claim=claim, kind=LineKind.TRAVEL, description="Travel", travel_basis="receipt", amount_pence=travel_pence
        )
    return claim


def claim_at(claim: Claim, state: str, *, attendance_by=None, approved_by=None) -> Claim:
    """Moves a built claim straight to `state` (test data only: the services walk the transitions), with the
    fields that state needs: submitted, attendance confirmed by `attendance_by`, approved by `approved_by`."""
    now = timezone.now()
    fields = {"state": state}
    if state in (ClaimState.SUBMITTED, ClaimState.ON_HOLD, ClaimState.APPROVED, ClaimState.PAID):
        fields["submitted_at"] = now
    if attendance_by is not None:
        fields.update(attendance_confirmed_by=attendance_by, attendance_confirmed_at=now)
    if state in (ClaimState.APPROVED, ClaimState.PAID):
        assert approved_by is not None and attendance_by is not None, "an approved claim needs both people"
        fields.update(approved_by=approved_by, approved_at=now)
    Claim.objects.filter(pk=claim.pk).update(**fields)
    return Claim.objects.get(pk=claim.pk)
