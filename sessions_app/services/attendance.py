"""On the day: check-in and check-out (by a facilitator's tap or on the person's own phone), follow-ups for
people who want to talk or leave feeling low, and closing the register."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.events import send_on_commit
from core.working_days import add_working_days
from groups.models import Membership, User
from groups.permissions import has_perm

from .. import events
from ..models import CheckIn, FollowUp, Session
from ._common import audit, group_facilitator_ids, lock
from .quorum import count_quorum

# The window itself lives on the model (Session.checkin_state); these names are kept for callers.
CHECKIN_OPENS_BEFORE = Session.CHECKIN_OPENS_BEFORE
CHECKOUT_CLOSES_AFTER = Session.CHECKOUT_CLOSES_AFTER
# A check-in tapped by mistake at a busy door can be undone for this long; after that it is part of the register.
CHECKIN_UNDO_WITHIN = timedelta(minutes=10)

_WINDOW_REFUSALS = {
    "not_published": ("Check-in is only open for published sessions.", "checkin_not_published"),
    "not_yet": ("Check-in opens an hour before the session starts.", "checkin_not_open_yet"),
    "closed": ("Check-in and check-out closed two hours after the session ended.", "checkin_closed"),
}


def check_window(session: Session) -> None:
    """Refuses a check-in or check-out outside the window, or once the register is closed."""
    state = session.checkin_state()
    if state in _WINDOW_REFUSALS:
        message, code = _WINDOW_REFUSALS[state]
        raise ValidationError(message, code=code)
    if session.attendance_is_closed:
        raise ValidationError(
            "The register for this session is closed. Please speak to the lead facilitator.", code="attendance_closed"
        )


def _feeling_error() -> ValidationError:
    return ValidationError(
        {"feeling": ValidationError("Choose how you feel from the five faces.", code="unknown_feeling")}
    )


@transaction.atomic
def checkin_record(*, session: Session, person: User, acting_user: User, feeling: int | None = None) -> CheckIn:
    """A person is checked in by a facilitator's tap or checks in on their own phone, once (database). Only
    members of the group are checked in, from an hour before the start. Checking in again changes nothing,
    except adding a feeling not given the first time."""
    check_window(session)
    if acting_user.pk != person.pk and not has_perm(acting_user, "session.run", session):
        raise ValidationError("Only the session's facilitators can check other people in.", code="not_allowed")
    if not Membership.objects.active().filter(group=session.group, user=person).exists():
        raise ValidationError("Only members of this group can be checked in.", code="not_a_member")
    if feeling is not None and feeling not in range(1, 6):
        raise _feeling_error()
    checkin, created = CheckIn.objects.select_for_update().get_or_create(
        session=session,
        user=person,
        defaults={"checked_in_by": acting_user, "checkin_feeling": feeling},
    )
    feeling_added = not created and feeling is not None and checkin.checkin_feeling is None
    if feeling_added:
        checkin.checkin_feeling = feeling
        checkin.save(update_fields=["checkin_feeling"])
    if created and session.group.has_quorum_rule:
        count_quorum(session)
    if created or feeling_added:
        audit(
            action="checkin.recorded",
            actor=acting_user,
            session=session,
            obj=checkin,
            data={"session_id": session.pk, "person_id": person.pk, "first_time": created},
        )
        send_on_commit(
            events.attendance_recorded,
            sender=CheckIn,
            checkin=checkin,
            session_id=session.pk,
            person_id=person.pk,
            kind="checkin",
            acting_user_id=acting_user.pk,
        )
    return checkin


def checkin_undo_until(checkin: CheckIn):
    """Until when a check-in can be undone: a short while after it was tapped, and never once checked out."""
    if checkin.checked_out_at is not None:
        return None
    return checkin.checked_in_at + CHECKIN_UNDO_WITHIN


@transaction.atomic
def checkin_undo(*, session: Session, person: User, acting_user: User) -> bool:
    """A facilitator takes back a check-in tapped by mistake, within CHECKIN_UNDO_WITHIN of the tap and before the
    person is checked out: the check-in is removed as if it never happened (it is not a check-out), and the
    quorum is counted again. Undoing when nobody is checked in changes nothing (a second tap on "Undo").
    Returns whether a check-in was removed."""
    check_window(session)
    if not has_perm(acting_user, "session.run", session):
        raise ValidationError("Only the session's facilitators can undo a check-in.", code="not_allowed")
    checkin = CheckIn.objects.select_for_update().filter(session=session, user=person).first()
    if checkin is None:
        return False
    until = checkin_undo_until(checkin)
    if until is None:
        raise ValidationError(
            f"{person.display_name} has already checked out, so their check-in cannot be undone.",
            code="undo_after_checkout",
        )
    if timezone.now() > until:
        minutes = int(CHECKIN_UNDO_WITHIN.total_seconds() // 60)
        raise ValidationError(
            f"A check-in can only be undone in the {minutes} minutes after it was made. "
            "Please speak to the lead facilitator.",
            code="undo_too_late",
        )
    audit(
        action="checkin.undone",
        actor=acting_user,
        session=session,
        obj=checkin,
        data={
            "session_id": session.pk,
            "person_id": person.pk,
            "checked_in_at": checkin.checked_in_at.isoformat(),
            "checked_in_by_id": checkin.checked_in_by_id,
        },
    )
    checkin.delete()
    if session.group.has_quorum_rule:
        count_quorum(session)
    return True


@transaction.atomic
def checkout_record(
    *, session: Session, person: User, acting_user: User, feeling: int | None = None, wants_to_talk: bool = False
) -> CheckIn:
    """Checking out records the leaving time and feeling. "I'd like to talk afterwards", or a low feeling
    (2 or less of 5), makes one follow-up for a facilitator, due within two working days."""
    check_window(session)
    if acting_user.pk != person.pk and not has_perm(acting_user, "session.run", session):
        raise ValidationError("Only the session's facilitators can check other people out.", code="not_allowed")
    if feeling is not None and feeling not in range(1, 6):
        raise _feeling_error()
    checkin = CheckIn.objects.select_for_update().filter(session=session, user=person).first()
    if checkin is None:
        raise ValidationError("Check in first, then check out at the end.", code="not_checked_in")
    checkin.checked_out_at = checkin.checked_out_at or timezone.now()
    if feeling is not None:
        checkin.checkout_feeling = feeling
    checkin.wants_to_talk = checkin.wants_to_talk or wants_to_talk
    checkin.full_clean()
    checkin.save()
    low = checkin.checkout_feeling is not None and checkin.checkout_feeling <= CheckIn.LOW_FEELING
    follow_up = None
    if checkin.wants_to_talk or low:
        reason = FollowUp.Reason.TALK if checkin.wants_to_talk else FollowUp.Reason.LOW_FEELING
        follow_up = _follow_up_open(session, person, reason)
    audit(
        action="checkout.recorded",
        actor=acting_user,
        session=session,
        obj=checkin,
        data={
            "session_id": session.pk,
            "person_id": person.pk,
            "follow_up_id": follow_up.pk if follow_up else None,
        },
    )
    send_on_commit(
        events.attendance_recorded,
        sender=CheckIn,
        checkin=checkin,
        session_id=session.pk,
        person_id=person.pk,
        kind="checkout",
        acting_user_id=acting_user.pk,
    )
    return checkin


def _follow_up_open(session: Session, person: User, reason: str) -> FollowUp:
    lead = (
        session.facilitators.filter(withdrawn_at__isnull=True)
        .order_by("role", "assigned_at")  # the lead first, then supports in the order they joined
        .values_list("user_id", flat=True)
        .first()
    )
    if lead is None:
        lead = min(group_facilitator_ids(session.group_id), default=None)
    if lead is None:
        raise ValidationError(
            "This group has no facilitator to follow up with you. Please tell a member of staff.",
            code="no_facilitator_to_follow_up",
        )
    follow_up, _ = FollowUp.objects.get_or_create(
        session=session,
        person=person,
        defaults={
            "reason": reason,
            "assigned_to_id": lead,
            "due_on": add_working_days(timezone.localdate(session.ends_at), 2),
        },
    )
    return follow_up


@transaction.atomic
def follow_up_close(*, follow_up: FollowUp, note: str, acting_user: User) -> FollowUp:
    """A follow-up is closed with a short note of what happened (database)."""
    follow_up = (
        FollowUp.objects.select_for_update(of=("self",))
        .select_related("session", "session__group")
        .get(pk=follow_up.pk)
    )
    if follow_up.closed_at is not None:
        raise ValidationError("This follow-up is already closed.", code="follow_up_already_closed")
    note = note.strip()
    if not note:
        raise ValidationError(
            {"note": ValidationError("Write a short note about how the follow-up went.", code="note_required")}
        )
    follow_up.note = note
    follow_up.closed_at = timezone.now()
    follow_up.closed_by = acting_user
    follow_up.save(update_fields=["note", "closed_at", "closed_by"])
    audit(
        action="follow_up.closed",
        actor=acting_user,
        session=follow_up.session,
        obj=follow_up,
        data={"session_id": follow_up.session_id, "person_id": follow_up.person_id},
    )
    return follow_up


@transaction.atomic
def session_attendance_close(*, session: Session, acting_user: User) -> Session:
    """A facilitator running the session says the register is final, once the session has started. After that
    nobody is checked in or out, and higher apps (payments) count attendance from it. Closing twice changes
    nothing."""
    session = lock(session)
    if session.attendance_is_closed:
        return session
    if not has_perm(acting_user, "session.run", session):
        raise ValidationError("Only the session's facilitators can close the register.", code="not_allowed")
    if not session.is_published:
        raise ValidationError("Only a published session has a register to close.", code="session_not_published")
    if not session.has_started:
        raise ValidationError("You can close the register once the session has started.", code="session_not_started")
    session.attendance_closed_at = timezone.now()
    session.attendance_closed_by = acting_user
    session.save(update_fields=["attendance_closed_at", "attendance_closed_by"])
    person_ids = sorted(CheckIn.objects.filter(session=session).values_list("user_id", flat=True))
    audit(
        action="attendance.closed",
        actor=acting_user,
        session=session,
        data={"checked_in": len(person_ids)},
    )
    send_on_commit(
        events.attendance_closed,
        sender=Session,
        session=session,
        acting_user_id=acting_user.pk,
        person_ids=person_ids,
    )
    return session
