"""Reads for the facilitators' attendance page and the finance officer's claim page. Each runs a fixed number of
queries, whatever the number of claims or lines."""

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from core.models import AuditEvent
from sessions_app.models import CheckIn

from ..models import Claim, ClaimLine, ClaimState, LineKind, Receipt
from ..services.amounts import ClaimAmounts, claim_amounts
from ..services.approvals import CONFIRMABLE_STATES, Refusal, attendance_refusal, finance_refusal

HISTORY_LIMIT = 50

# A claim's state in the words of the staff who read these pages (the model's labels speak to the person paid).
STAFF_STATE_LABELS = {
    ClaimState.MADE: "The person is checking it",
    ClaimState.SUBMITTED: "Waiting for approval",
    ClaimState.ON_HOLD: "Waiting for the person's choice (benefits)",
    ClaimState.APPROVED: "Approved, to be paid",
    ClaimState.PAID: "Paid",
    ClaimState.DECLINED: "The person chose not to claim",
    ClaimState.REVERSED: "Payment reversed",
}

# What the history says for each event (any other is shown by its name).
ACTION_LABELS = {
    "claim.made": "Claim made",
    "claim.submitted": "Checked and sent by the person",
    "claim.attendance_confirmed": "Attendance confirmed",
    "claim.approved": "Approved",
    "claim.held": "Held: waiting for the person's choice (benefits)",
    "claim.declined": "The person chose not to claim",
    "claim.paid": "Paid",
    "claim.reversed": "Payment reversed",
    "claim_line.rejected": "A line was not accepted",
    "claim_line.accepted": "A line was accepted",
    "claim_line.amount_changed": "An amount was changed",
    "claim_line.answered": "The person answered",
}


def line_label(line: ClaimLine) -> str:
    """What staff call a line: "time at the session", "childcare", "travel", "other costs"."""
    return "time at the session" if line.kind == LineKind.PARTICIPATION else line.get_kind_display().lower()


def state_text(claim: Claim) -> str:
    return STAFF_STATE_LABELS.get(claim.state, claim.get_state_display())


def action_text(action: str) -> str:
    return ACTION_LABELS.get(action, action)


def hours_and_minutes(minutes: int | None) -> str:
    """135 -> "2 hours 15 minutes"; 60 -> "1 hour"; None -> ""."""
    if minutes is None:
        return ""
    hours, rest = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


@dataclass
class AttendanceRow:
    claim: Claim
    minutes: int | None
    time_text: str
    state_text: str
    checkin: CheckIn | None
    confirmable: bool  # waits for confirmation and the viewer may confirm it
    refusal: Refusal | None  # why the viewer may not (their own claim, they closed the register)


def session_claims_for_attendance(*, session, user) -> list[AttendanceRow]:
    """The session's claims (not declined), each with its time counted, the person's check-in and check-out, and
    whether `user` may confirm it. Three queries."""
    claims = list(
        Claim.objects.filter(session_id=session.pk)
        .select_related("claimant", "attendance_confirmed_by")
        .prefetch_related(
            Prefetch("lines", queryset=ClaimLine.objects.filter(kind=LineKind.PARTICIPATION), to_attr="time_lines")
        )
        .order_by("claimant__full_name", "pk")
    )
    checkins = {c.user_id: c for c in CheckIn.objects.filter(session_id=session.pk)}
    rows = []
    for claim in claims:
        minutes = claim.time_lines[0].minutes if claim.time_lines else None
        waiting = claim.state in CONFIRMABLE_STATES and claim.attendance_confirmed_by_id is None
        refusal = attendance_refusal(claim=claim, user=user) if waiting else None
        rows.append(
            AttendanceRow(
                claim=claim,
                minutes=minutes,
                time_text=hours_and_minutes(minutes),
                state_text=state_text(claim),
                checkin=checkins.get(claim.claimant_id),
                confirmable=waiting and refusal is None,
                refusal=refusal,
            )
        )
    return rows


@dataclass
class ClaimReview:
    claim: Claim
    lines: list[ClaimLine]
    amounts: ClaimAmounts
    history: list[AuditEvent]
    refusal: Refusal | None  # why the viewer may not approve or change it (separation of duties)
    state_text: str = ""
    amount_changes: list = field(default_factory=list)


def claim_review(*, claim: Claim, user) -> ClaimReview:
    """What a finance officer sees of one claim: its lines with their receipts and the person's answers, its
    amounts, the attendance confirmation, and its history (the latest HISTORY_LIMIT events). Five queries."""
    claim = (
        Claim.objects.select_related(
            "session", "session__group", "claimant", "policy", "prepared_by", "attendance_confirmed_by", "approved_by"
        )
        .prefetch_related(
            Prefetch("lines", queryset=ClaimLine.objects.order_by("pk")),
            Prefetch("lines__receipts", queryset=Receipt.objects.order_by("uploaded_at", "pk")),
            "lines__amount_changes",
        )
        .get(pk=claim.pk)
    )
    lines = list(claim.lines.all())
    for line in lines:
        line.time_text = hours_and_minutes(line.minutes)
        line.label = line_label(line)
    changes = sorted((c for line in lines for c in line.amount_changes.all()), key=lambda c: c.changed_at)
    history = list(
        AuditEvent.objects.filter(
            Q(object_type="payments.claim", object_id=str(claim.pk))
            | Q(object_type="payments.claimline", object_id__in=[str(line.pk) for line in lines])
        )
        .select_related("actor")
        .order_by("-at", "-pk")[:HISTORY_LIMIT]
    )
    for event in history:
        event.text = action_text(event.action)
    return ClaimReview(
        claim=claim,
        lines=lines,
        amounts=claim_amounts(claim, lines),
        history=history,
        refusal=finance_refusal(claim=claim, user=user),
        state_text=state_text(claim),
        amount_changes=changes,
    )
