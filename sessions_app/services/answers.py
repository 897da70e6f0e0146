"""Answers ("Will you come?"), places and the waiting list."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from groups.models import Membership, User

from .. import notify
from ..models import Answer, Rsvp, Session
from ._common import audit, lock
from .support import support_requests_cancel_for_no


@dataclass
class AnswerResult:
    rsvp: Rsvp
    got_place: bool
    waitlisted: bool


def places_taken(session: Session) -> int:
    return session.rsvps.filter(answer=Answer.YES, waitlisted_at__isnull=True).count()


def promote_from_waiting_list(session: Session) -> list[Rsvp]:
    """Fill free places from the waiting list in the order people joined it; each person promoted is told.
    Call with the session row locked, from inside a service (which records the audit event)."""
    if not session.is_published or session.has_started:
        return []
    promoted = []
    while session.capacity is None or places_taken(session) < session.capacity:
        nxt = (
            session.rsvps.select_for_update()
            .filter(answer=Answer.YES, waitlisted_at__isnull=False)
            .order_by("waitlisted_at", "pk")
            .first()
        )
        if nxt is None:
            break
        nxt.waitlisted_at = None
        nxt.promoted_at = timezone.now()
        nxt.save(update_fields=["waitlisted_at", "promoted_at"])
        notify.place_offered(rsvp=nxt)
        promoted.append(nxt)
    return promoted


@transaction.atomic
def rsvp_answer(*, session: Session, user: User, answer: str, cancel_support: bool = False) -> AnswerResult:
    """Members answer yes, no or maybe, and can change their answer until the session starts. A yes takes a
    place while there are places, otherwise joins the waiting list; a place given up goes to the first person
    waiting. The session row is locked, so two people taking the last place at once get one place and one
    waiting-list spot. Saying no keeps the person's support requests unless `cancel_support` says they
    confirmed cancelling them (support_requests_cancel_for_no records why, so saying yes again can restore
    them); maybe always keeps them. The same answer again changes nothing, except that a confirmed no still
    cancels what is left."""
    if answer not in Answer.values:
        raise ValidationError("Choose yes, no or maybe.", code="unknown_answer")
    session = lock(session)
    if not session.is_published:
        if session.is_cancelled:
            raise ValidationError("This session has been cancelled.", code="session_cancelled")
        raise ValidationError("This session is not open for answers.", code="session_not_published")
    if session.has_started:
        raise ValidationError(
            "This session has already started, so answers can no longer be changed. Please speak to a facilitator.",
            code="session_started",
        )
    if not Membership.objects.active().filter(group=session.group, user=user).exists():
        raise ValidationError("Only members of this group can answer.", code="not_a_member")
    now = timezone.now()
    rsvp = Rsvp.objects.select_for_update().filter(session=session, user=user).first()
    had_place = bool(rsvp and rsvp.has_place)
    if rsvp is None:
        rsvp = Rsvp(session=session, user=user, answer=answer, answered_at=now)
    elif rsvp.answer == answer:
        if answer == Answer.NO and cancel_support:
            support_requests_cancel_for_no(session=session, user=user)
        return AnswerResult(rsvp=rsvp, got_place=rsvp.has_place, waitlisted=rsvp.is_waitlisted)
    rsvp.answer = answer
    rsvp.updated_at = now
    if answer == Answer.YES:
        full = session.capacity is not None and places_taken(session) >= session.capacity
        rsvp.waitlisted_at = now if full else None
    else:
        rsvp.waitlisted_at = None
    rsvp.full_clean()
    rsvp.save()
    cancelled = []
    if answer == Answer.NO and cancel_support:
        cancelled = support_requests_cancel_for_no(session=session, user=user)
    promoted = promote_from_waiting_list(session) if had_place and answer != Answer.YES else []
    audit(
        action="rsvp.answered",
        actor=user,
        session=session,
        obj=rsvp,
        data={
            "session_id": session.pk,
            "answer": answer,
            "waitlisted": rsvp.is_waitlisted,
            "promoted": [r.user_id for r in promoted],
            "support_requests_cancelled": len(cancelled),
        },
    )
    return AnswerResult(rsvp=rsvp, got_place=rsvp.has_place, waitlisted=rsvp.is_waitlisted)
