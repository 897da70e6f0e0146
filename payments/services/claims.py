"""Making claims from a session's closed register, and the sums behind them.

How a person's time is paid, in plain words:

1. **What time counts.** With the "scheduled" basis, everyone who came is counted for the session's scheduled
   time. With the "attended" basis, we count from when they arrived to when they left, but only within the
   session's times: arriving early or staying late adds nothing. Someone who arrived no more than the policy's
   "late" minutes after the start counts from the start; someone who left no more than those minutes before the
   end counts to the end; someone who never checked out counts to the end. The time is never below nothing and
   never more than the session's scheduled time.
2. **Preparation.** When the session asked people to prepare (for example 30 minutes of reading) and the policy
   pays preparation, those minutes are added.
3. **By the quarter hour.** The counted time is rounded up to the next quarter of an hour, and paid at the
   hourly rate for each quarter (a quarter of the rate each), to the nearest penny (a half penny rounds up).
4. **The day caps.** If the counted time is no more than a half day (the policy's half-day hours), a person is
   paid at most the half-day amount; if it is more, at most the full-day amount.
5. **Mileage** is miles (in tenths) times the rate per mile, to the nearest penny (a half penny rounds up).

Claims are made once per person per session (a unique constraint): a second try, a retried task or the sweep
finds the claim there and makes nothing new.
"""

import logging
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.audit import audit_record
from core.working_days import add_working_days
from groups.models import Membership, StaffRole, User
from notifications.services import message_send
from sessions_app.models import CheckIn, Session, SupportKind, SupportRequest, SupportStatus, TravelMode

from ..messaging import CLAIM_READY
from ..models import Claim, ClaimLine, LineKind, Method, PaymentPolicy, PaymentPreference, TimeBasis, TravelBasis
from .policy import policy_current

log = logging.getLogger(__name__)

QUARTER = 15
JOB_LABEL = "job:make-claims"
SWEEP_DAYS = 14
SWEEP_BATCH = 200


# --- the sums (pure: no database) ------------------------------------------------------------------------------


def _whole_minutes(delta: timedelta) -> int:
    return max(0, int(delta.total_seconds() // 60))


def participation_minutes(
    *,
    policy: PaymentPolicy,
    session_start: datetime,
    session_end: datetime,
    checked_in_at: datetime,
    checked_out_at: datetime | None,
    preparation_minutes: int,
) -> int:
    """The minutes of a person's time the policy counts for one session (see the module's rule 1 and 2)."""
    scheduled = _whole_minutes(session_end - session_start)
    if policy.time_basis == TimeBasis.SCHEDULED:
        counted = scheduled
    else:
        grace = timedelta(minutes=policy.late_grace_minutes)
        start = max(checked_in_at, session_start)
        if start - session_start <= grace:
            start = session_start
        end = session_end if checked_out_at is None else min(checked_out_at, session_end)
        if session_end - end <= grace:
            end = session_end
        counted = min(scheduled, _whole_minutes(end - start))
    if policy.pays_preparation:
        counted += max(0, preparation_minutes or 0)
    return counted


def participation_pence(*, policy: PaymentPolicy, minutes: int) -> int:
    """What `minutes` of time pays under the policy (see the module's rule 3 and 4)."""
    if minutes <= 0:
        return 0
    quarters = -(-minutes // QUARTER)  # rounded up
    amount = (policy.hourly_rate_pence * quarters + 2) // 4  # a quarter of the rate each, half a penny up
    cap = policy.half_day_pence if minutes <= policy.half_day_hours * 60 else policy.full_day_pence
    return min(amount, cap)


def mileage_pence(*, policy: PaymentPolicy, miles_tenths: int) -> int:
    """Miles in tenths times the rate per mile, half a penny up."""
    return (max(0, miles_tenths) * policy.mileage_pence_per_mile + 5) // 10


def minutes_text(minutes: int) -> str:
    """135 -> "2 hours 15 minutes"; 60 -> "1 hour"; 30 -> "30 minutes"."""
    hours, rest = divmod(max(0, minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def participation_description(*, minutes: int, preparation_minutes: int) -> str:
    text = f"Your time: {minutes_text(minutes)}"
    if preparation_minutes:
        text += f", including {minutes_text(preparation_minutes)} preparation"
    return text


# --- making claims ------------------------------------------------------------------------------------------


def _parent_membership_q(session: Session, user_ref) -> Q:
    """A parent (lived experience) membership of the session's group: active, or left after it started."""
    return Q(group_id=session.group_id, role=Membership.Role.PARENT, user_id=user_ref) & (
        Q(left_at__isnull=True) | Q(left_at__gt=session.starts_at)
    )


def _claim_link(claim: Claim) -> str:
    return claim.get_absolute_url()


def _method_for(policy: PaymentPolicy, preferred: str | None) -> str:
    if preferred and policy.offers(preferred):
        return preferred
    return (policy.methods or [Method.BANK])[0]


def _support_lines(requests: list[SupportRequest]) -> list[ClaimLine]:
    lines = []
    for request in requests:
        if request.kind == SupportKind.CHILDCARE:
            lines.append(
                ClaimLine(
                    kind=LineKind.CHILDCARE,
                    description="Childcare",
                    support_request=request,
                    amount_pence=request.approved_amount_pence or 0,
                )
            )
        else:
            by_car = request.travel_mode == TravelMode.CAR
            lines.append(
                ClaimLine(
                    kind=LineKind.TRAVEL,
                    description=f"Travel: {request.get_travel_mode_display().lower()}"
                    if request.travel_mode
                    else "Travel",
                    support_request=request,
                    travel_basis=TravelBasis.MILEAGE if by_car else TravelBasis.RECEIPT,
                    amount_pence=request.approved_amount_pence or 0,
                )
            )
    return lines


def claims_make_for_session(*, session_id: int, acting_user_id: int | None) -> list[Claim]:
    """Makes the claims of a session whose register is closed: one for each person checked in whose membership
    of the session's group is a parent (lived experience) one, active or left after the session started, and
    who holds no staff role in the organisation. Professionals, facilitators, staff and people who did not come
    get nothing. Each claim keeps the policy current now, is prepared by the person who closed the register, is
    due the policy's working days after the session, uses the person's chosen way to be paid if it is still
    offered (else the first offered), and has a line for their time (when it pays anything) and one per
    approved childcare or travel request. A person with nothing to be paid gets no claim. Idempotent: the
    session row is locked and (session, person) is unique, so a second call makes nothing. Each new claim is
    audited (`claim.made`) and its person is asked to check it (no amount in the message). Returns the claims
    made now."""
    with transaction.atomic():
        session = Session.objects.select_for_update(of=("self",)).select_related("group").filter(pk=session_id).first()
        if session is None or session.attendance_closed_at is None:
            return []
        organisation_id = session.group.organisation_id
        checkins = list(
            CheckIn.objects.filter(session=session)
            .filter(Exists(Membership.objects.filter(_parent_membership_q(session, OuterRef("user_id")))))
            .exclude(Exists(StaffRole.objects.filter(organisation_id=organisation_id, user_id=OuterRef("user_id"))))
            .exclude(Exists(Claim.objects.filter(session_id=session.pk, claimant_id=OuterRef("user_id"))))
            .select_related("user")
            .order_by("user_id")
        )
        if not checkins:
            return []
        person_ids = [c.user_id for c in checkins]
        policy = policy_current(organisation=session.group.organisation_id)
        preferences = dict(
            PaymentPreference.objects.filter(organisation_id=organisation_id, person_id__in=person_ids).values_list(
                "person_id", "method"
            )
        )
        support: dict[int, list[SupportRequest]] = {}
        for request in SupportRequest.objects.filter(
            session=session,
            user_id__in=person_ids,
            status=SupportStatus.APPROVED,
            kind__in=[SupportKind.CHILDCARE, SupportKind.TRAVEL],
        ).order_by("kind", "pk"):
            support.setdefault(request.user_id, []).append(request)
        acting_user = User.objects.filter(pk=acting_user_id).first() if acting_user_id else None
        due_on = add_working_days(timezone.localdate(session.starts_at), policy.target_working_days)
        preparation = session.preparation_minutes if policy.pays_preparation else 0
        made = []
        for checkin in checkins:
            minutes = participation_minutes(
                policy=policy,
                session_start=session.starts_at,
                session_end=session.ends_at,
                checked_in_at=checkin.checked_in_at,
                checked_out_at=checkin.checked_out_at,
                preparation_minutes=session.preparation_minutes,
            )
            pence = participation_pence(policy=policy, minutes=minutes)
            lines = []
            if pence > 0:
                lines.append(
                    ClaimLine(
                        kind=LineKind.PARTICIPATION,
                        description=participation_description(minutes=minutes, preparation_minutes=preparation),
                        minutes=minutes,
                        amount_pence=pence,
                    )
                )
            lines += _support_lines(support.get(checkin.user_id, []))
            if not lines:
                continue  # nothing to pay: no time paid and no costs to repay
            claim = _claim_create(
                session=session,
                person=checkin.user,
                policy=policy,
                due_on=due_on,
                method=_method_for(policy, preferences.get(checkin.user_id)),
                lines=lines,
                acting_user=acting_user,
            )
            if claim is not None:
                made.append(claim)
        return made


def _claim_create(*, session, person, policy, due_on, method, lines, acting_user) -> Claim | None:
    """One claim with its lines, or None when the person already has one for the session (made at the same
    moment elsewhere: the unique constraint refuses the second)."""
    claim = Claim(
        organisation_id=session.group.organisation_id,
        session=session,
        claimant=person,
        policy=policy,
        prepared_by_id=session.attendance_closed_by_id,
        due_on=due_on,
        method=method,
    )
    try:
        with transaction.atomic():  # a savepoint: losing the race leaves the other claims of this call intact
            claim.save()
    except IntegrityError:
        if Claim.objects.filter(session=session, claimant=person).exists():
            return None
        raise
    for line in lines:
        line.claim = claim
    ClaimLine.objects.bulk_create(lines)
    audit_record(
        action="claim.made",
        actor=acting_user,
        actor_label="" if acting_user is not None else JOB_LABEL,
        obj=claim,
        organisation_id=claim.organisation_id,
        data={"session_id": session.pk, "policy_version": policy.version, "lines": len(lines)},
    )
    message_send(
        kind=CLAIM_READY,
        key=f"claim-ready:{claim.pk}",
        person=person,
        context={"session": session, "claim": claim},
        subject="Please check your payment claim",
        link=_claim_link(claim),
        organisation_id=claim.organisation_id,
    )
    return claim


def sessions_missing_claims(*, now: datetime | None = None, limit: int = SWEEP_BATCH) -> list[int]:
    """Sessions whose register closed in the last SWEEP_DAYS days with a lived-experience attendee (a parent
    member of the group, not staff) who has no claim: the ones a lost task left behind. Oldest first."""
    now = now or timezone.now()
    parent_member = Membership.objects.filter(
        group_id=OuterRef(OuterRef("group_id")),
        role=Membership.Role.PARENT,
        user_id=OuterRef("user_id"),
    ).filter(Q(left_at__isnull=True) | Q(left_at__gt=OuterRef(OuterRef("starts_at"))))
    staff = StaffRole.objects.filter(
        organisation_id=OuterRef(OuterRef("group__organisation_id")), user_id=OuterRef("user_id")
    )
    claimed = Claim.objects.filter(session_id=OuterRef(OuterRef("pk")), claimant_id=OuterRef("user_id"))
    unclaimed = (
        CheckIn.objects.filter(session_id=OuterRef("pk"))
        .filter(Exists(parent_member))
        .exclude(Exists(staff))
        .exclude(Exists(claimed))
    )
    return list(
        Session.objects.filter(
            attendance_closed_at__gte=now - timedelta(days=SWEEP_DAYS), attendance_closed_at__lte=now
        )
        .filter(Exists(unclaimed))
        .order_by("attendance_closed_at")
        .values_list("pk", flat=True)[:limit]
    )


def claims_sweep(*, now: datetime | None = None) -> int:
    """Makes the claims a lost task left behind (see `sessions_missing_claims`); each session in its own
    transaction, so one failure does not stop the others. Returns how many claims were made."""
    made = 0
    for session_id in sessions_missing_claims(now=now):
        try:
            made += len(claims_make_for_session(session_id=session_id, acting_user_id=None))
        except Exception:  # noqa: BLE001 - logged; the next sweep tries this session again
            log.exception("Could not make the claims of session %s", session_id)
    return made
