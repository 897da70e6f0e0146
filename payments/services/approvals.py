"""Confirming attendance, approving claims, refusing a line and changing an amount: the separation of duties.

- A **facilitator of the session** confirms the attendance behind its claims, but never for a claim that pays
  them or that they prepared (they closed the register): the session's other facilitator confirms those.
- A **finance officer of the organisation** approves a submitted claim whose attendance is confirmed, refuses a
  line with a reason the person sees, and changes an amount (after approval only with a reason, kept as an
  `AmountChange`). Never for a claim that pays them, that they prepared, or whose attendance they confirmed.
- A claim that would take a person who receives benefits past the policy's benefits amount, before they have
  chosen, is put on hold instead of approved, and they are asked to choose.

Each service locks the claim (`select_for_update`), so two people acting at once are served one after the other:
the second finds the claim already decided. The database's check constraints hold the same separation.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.models import AuditEvent
from core.validators import text_check
from groups.permissions import has_perm
from notifications.services import message_send, topic_key

from ..messaging import CLAIM_ON_HOLD, CLAIM_RETURNED
from ..models import AmountChange, Claim, ClaimLine, ClaimState, LineStatus
from .amounts import claim_amounts, needs_benefits_choice

# States whose claim waits for its attendance to be confirmed (the person may not have checked it yet).
CONFIRMABLE_STATES = (ClaimState.MADE, ClaimState.SUBMITTED, ClaimState.ON_HOLD)
# States after which nothing on the claim changes here.
DECIDED_STATES = (ClaimState.APPROVED, ClaimState.PAID, ClaimState.REVERSED, ClaimState.DECLINED)
# States in which a line's amount may still be changed (after approval only with a reason).
CHANGEABLE_STATES = (ClaimState.MADE, ClaimState.SUBMITTED, ClaimState.ON_HOLD, ClaimState.APPROVED)

REASON_MAX = 2000


@dataclass(frozen=True)
class Refusal:
    """Why a person may not act on a claim (for pages that hide the button and say why)."""

    code: str
    message: str


def _lock(claim_id: int) -> Claim:
    return (
        Claim.objects.select_for_update(of=("self",))
        .select_related("session", "claimant", "policy", "organisation")
        .get(pk=claim_id)
    )


# --- who may act -------------------------------------------------------------------------------------------


def attendance_refusal(*, claim: Claim, user) -> Refusal | None:
    """Why `user` (a facilitator of the session) may not confirm this claim's attendance, or None."""
    if claim.claimant_id == user.pk:
        return Refusal("own_claim", "Your co-facilitator confirms these: this claim pays you.")
    if claim.prepared_by_id is not None and claim.prepared_by_id == user.pk:
        return Refusal("prepared_it", "Your co-facilitator confirms these: you closed the register.")
    return None


def finance_refusal(*, claim: Claim, user) -> Refusal | None:
    """Why `user` (a finance officer) may not approve or change this claim, or None."""
    if claim.claimant_id == user.pk:
        return Refusal("own_claim", "Another finance officer deals with this claim: it pays you.")
    if claim.prepared_by_id is not None and claim.prepared_by_id == user.pk:
        return Refusal("prepared_it", "Another finance officer deals with this claim: you closed the register.")
    if claim.attendance_confirmed_by_id is not None and claim.attendance_confirmed_by_id == user.pk:
        return Refusal(
            "confirmed_attendance", "Another finance officer deals with this claim: you confirmed the attendance."
        )
    return None


def _require_finance(*, claim: Claim, user) -> None:
    if not has_perm(user, "payments.claim.finance", claim):
        raise ValidationError("Only the organisation's finance officers can do this.", code="not_allowed")
    refusal = finance_refusal(claim=claim, user=user)
    if refusal is not None:
        raise ValidationError(refusal.message, code=refusal.code)


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Give the reason.", code="reason_needed")
    text_check(reason, noun="the reason", limit=REASON_MAX, multi_line=True)
    return reason


def _times(*, action: str, object_type: str, object_id: int) -> int:
    """How many times `action` happened to the object (counting the one just recorded): numbers the messages,
    so a second refusal of the same line sends a new message while a repeated task sends none."""
    return AuditEvent.objects.filter(action=action, object_type=object_type, object_id=str(object_id)).count()


# --- attendance ----------------------------------------------------------------------------------------------


@transaction.atomic
def claims_attendance_confirm(*, session, acting_user, claim_ids: list[int]) -> int:
    """A facilitator of the session confirms the attendance behind the chosen claims of that session (made,
    submitted or waiting for the person's choice, not yet confirmed). A claim that pays them or that they
    prepared is refused (codes "own_claim", "prepared_it"), and then none is confirmed. Claims already confirmed,
    of another session or in another state are left alone. Returns how many were confirmed."""
    if not has_perm(acting_user, "payments.attendance.confirm", session):
        raise ValidationError("Only the session's facilitators can confirm its attendance.", code="not_allowed")
    claims = list(
        Claim.objects.select_for_update(of=("self",))
        .filter(
            session_id=session.pk,
            pk__in=[int(pk) for pk in claim_ids],
            state__in=CONFIRMABLE_STATES,
            attendance_confirmed_by__isnull=True,
        )
        .order_by("pk")
    )
    for claim in claims:
        refusal = attendance_refusal(claim=claim, user=acting_user)
        if refusal is not None:
            raise ValidationError(refusal.message, code=refusal.code)
    now = timezone.now()
    for claim in claims:
        claim.attendance_confirmed_by = acting_user
        claim.attendance_confirmed_at = now
        claim.save(update_fields=["attendance_confirmed_by", "attendance_confirmed_at"])
        audit_record(
            action="claim.attendance_confirmed",
            actor=acting_user,
            obj=claim,
            data={"session": session.pk},
        )
    return len(claims)


# --- approval ------------------------------------------------------------------------------------------------


def _check_can_decide(claim: Claim) -> None:
    if claim.state in DECIDED_STATES:
        raise ValidationError("This claim has already been decided.", code="already_decided")
    if claim.state == ClaimState.ON_HOLD:
        raise ValidationError("This claim waits for the person to choose how much to take (benefits).", code="on_hold")
    if claim.state != ClaimState.SUBMITTED:
        raise ValidationError("The person has not yet checked and sent this claim.", code="not_submitted")


def claim_approve(*, claim: Claim, acting_user) -> Claim:
    """A finance officer of the organisation approves a submitted claim whose attendance is confirmed; its lines
    still open are accepted by the approval (refused lines stay refused and are not paid). Refused: a claim
    already decided ("already_decided": the second of two finance officers approving at once gets this), not
    sent by the person ("not_submitted"), on hold ("on_hold"), attendance not confirmed
    ("attendance_not_confirmed"), and the separation of duties ("own_claim", "prepared_it",
    "confirmed_attendance").

    When the claim would take a person who receives benefits past the policy's amount and they have not chosen
    yet, the claim is put on hold, they are asked to choose, and this raises ValidationError
    "benefits_choice_needed" AFTER the hold is committed with its own transaction (a caller must not wrap this
    call in a transaction it rolls back on that error)."""
    with transaction.atomic():
        claim = _lock(claim.pk)
        if not has_perm(acting_user, "payments.claim.finance", claim):
            raise ValidationError("Only the organisation's finance officers can approve claims.", code="not_allowed")
        _check_can_decide(claim)
        if claim.attendance_confirmed_by_id is None:
            raise ValidationError(
                "A facilitator of the session must confirm the attendance first.", code="attendance_not_confirmed"
            )
        _require_finance(claim=claim, user=acting_user)
        crosses = needs_benefits_choice(claim=claim)
        if crosses:
            _hold(claim=claim, acting_user=acting_user, crosses=crosses)
        else:
            lines = list(claim.lines.all())
            accepted = [line.pk for line in lines if line.status == LineStatus.OPEN]
            ClaimLine.objects.filter(pk__in=accepted).update(status=LineStatus.ACCEPTED)
            for line in lines:
                if line.pk in accepted:
                    line.status = LineStatus.ACCEPTED
            claim.approve(by=acting_user)
            claim.save(update_fields=["state", "approved_by", "approved_at"])
            amounts = claim_amounts(claim, lines)
            audit_record(
                action="claim.approved",
                actor=acting_user,
                obj=claim,
                data={
                    "participation_pence": amounts.participation_pence,
                    "expenses_pence": amounts.expenses_pence,
                    "total_pence": amounts.total_pence,
                    "lines_accepted": len(accepted),
                    "policy_version": claim.policy.version,
                },
            )
            return claim
    raise ValidationError(
        "This payment would go over the benefits amount the person told us about. We have asked them to choose "
        "what they would like, and the claim waits for their answer.",
        code="benefits_choice_needed",
    )


def _hold(*, claim: Claim, acting_user, crosses: str) -> None:
    claim.hold()
    claim.save(update_fields=["state"])
    audit_record(action="claim.held", actor=acting_user, obj=claim, data={"benefits": crosses})
    n = _times(action="claim.held", object_type="payments.claim", object_id=claim.pk)
    message_send(
        kind=CLAIM_ON_HOLD,
        key=f"claim-on-hold:{claim.pk}:{n}",
        person=claim.claimant,
        subject="A payment waits for your choice",
        context={"claim": claim, "session": claim.session, "crosses": crosses},
        link=claim.get_absolute_url(),
        topic=topic_key("payments.claim", claim.pk),
        organisation_id=claim.organisation_id,
    )


# --- lines ---------------------------------------------------------------------------------------------------


def _lock_line(line: ClaimLine) -> tuple[Claim, ClaimLine]:
    claim = _lock(line.claim_id)
    line = ClaimLine.objects.select_for_update().get(pk=line.pk)
    return claim, line


@transaction.atomic
def claim_line_reject(*, line: ClaimLine, acting_user, reason: str) -> ClaimLine:
    """A finance officer refuses one line of a claim not yet decided, with a reason the person sees (code
    "reason_needed" without one). A submitted claim goes back to the person, who is asked to answer; the
    refused line pays nothing unless it is accepted later. Separation of duties as for approving."""
    claim, line = _lock_line(line)
    if not has_perm(acting_user, "payments.claim.finance", claim):
        raise ValidationError("Only the organisation's finance officers can refuse a line.", code="not_allowed")
    if claim.state in DECIDED_STATES:
        raise ValidationError("This claim has already been decided.", code="already_decided")
    _require_finance(claim=claim, user=acting_user)
    reason = _reason(reason)
    line.status = LineStatus.REJECTED
    line.rejection_reason = reason
    line.full_clean()
    line.save(update_fields=["status", "rejection_reason"])
    returned = claim.state == ClaimState.SUBMITTED
    if returned:
        claim.return_to_claimant()
        claim.save(update_fields=["state", "submitted_at"])
    audit_record(
        action="claim_line.rejected",
        actor=acting_user,
        obj=line,
        organisation_id=claim.organisation_id,
        data={"claim": claim.pk, "kind": line.kind, "amount_pence": line.amount_pence, "returned": returned},
    )
    n = _times(action="claim_line.rejected", object_type="payments.claimline", object_id=line.pk)
    message_send(
        kind=CLAIM_RETURNED,
        key=f"claim-returned:{line.pk}:{n}",
        person=claim.claimant,
        subject="A payment claim needs your answer",
        context={"claim": claim, "session": claim.session, "line": line},
        link=claim.get_absolute_url(),
        topic=topic_key("payments.claim", claim.pk),
        organisation_id=claim.organisation_id,
    )
    return line


@transaction.atomic
def claim_line_accept(*, line: ClaimLine, acting_user) -> ClaimLine:
    """A finance officer accepts a line (one refused before, say after reading the person's answer) on a claim
    not yet decided. Separation of duties as for approving."""
    claim, line = _lock_line(line)
    if not has_perm(acting_user, "payments.claim.finance", claim):
        raise ValidationError("Only the organisation's finance officers can accept a line.", code="not_allowed")
    if claim.state in DECIDED_STATES:
        raise ValidationError("This claim has already been decided.", code="already_decided")
    _require_finance(claim=claim, user=acting_user)
    if line.status == LineStatus.ACCEPTED:
        return line
    was = line.status
    line.status = LineStatus.ACCEPTED
    line.save(update_fields=["status"])
    audit_record(
        action="claim_line.accepted",
        actor=acting_user,
        obj=line,
        organisation_id=claim.organisation_id,
        data={"claim": claim.pk, "was": was, "amount_pence": line.amount_pence},
    )
    return line


@transaction.atomic
def claim_line_amount_change(*, line: ClaimLine, acting_user, new_pence: int, reason: str = "") -> ClaimLine:
    """A finance officer changes a line's amount. Before approval the amount is set (the reason is optional);
    after approval only with a reason ("reason_needed"), kept with the old and new amounts as an AmountChange.
    A paid or reversed claim is never changed ("claim_paid"), nor one the person declined ("already_decided").
    Separation of duties as for approving."""
    claim, line = _lock_line(line)
    if not has_perm(acting_user, "payments.claim.finance", claim):
        raise ValidationError("Only the organisation's finance officers can change an amount.", code="not_allowed")
    if claim.state in (ClaimState.PAID, ClaimState.REVERSED):
        raise ValidationError("This claim has been paid: its amounts cannot change.", code="claim_paid")
    if claim.state not in CHANGEABLE_STATES:
        raise ValidationError("This claim has already been decided.", code="already_decided")
    _require_finance(claim=claim, user=acting_user)
    if new_pence is None or int(new_pence) < 0:
        raise ValidationError("Enter the new amount.", code="amount_needed")
    new_pence = int(new_pence)
    after_approval = claim.state == ClaimState.APPROVED
    reason = _reason(reason) if after_approval or (reason or "").strip() else ""
    old_pence = line.amount_pence
    if new_pence == old_pence:
        raise ValidationError("The new amount is the same as the amount now.", code="amount_unchanged")
    line.amount_pence = new_pence
    line.full_clean()
    line.save(update_fields=["amount_pence"])
    if after_approval:
        change = AmountChange(
            line=line, old_pence=old_pence, new_pence=new_pence, reason=reason, changed_by=acting_user
        )
        change.full_clean()
        change.save()
    audit_record(
        action="claim_line.amount_changed",
        actor=acting_user,
        obj=line,
        organisation_id=claim.organisation_id,
        data={
            "claim": claim.pk,
            "old_pence": old_pence,
            "new_pence": new_pence,
            "after_approval": after_approval,
        },
    )
    return line
