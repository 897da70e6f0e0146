"""After the session: the debrief, decisions (and their confirmation at a quorate meeting), actions and wins."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.validators import MULTI_LINE_MAX, date_range_check, texts_check
from groups.models import Membership, User

from ..models import Action, Debrief, Decision, Session, Win
from ._common import audit, lock
from .quorum import count_quorum
from .scheduling import SESSION_MAX_DAYS_AHEAD

# An action recorded late may already be due; one "due" more than a year ago is a typing slip.
ACTION_DUE_DAYS_BEHIND = 365


def action_due_window() -> tuple[date, date]:
    """The first and last day an action can be due on: from a year ago up to as far ahead as a session."""
    today = timezone.localdate()
    ahead = getattr(settings, "SESSION_MAX_DAYS_AHEAD", SESSION_MAX_DAYS_AHEAD)
    return today - timedelta(days=ACTION_DUE_DAYS_BEHIND), today + timedelta(days=ahead)


def _texts(**values) -> None:
    """Each a multi-line text of at most MULTI_LINE_MAX characters with no control characters, as the forms say
    (codes "control_character" and "text_too_long"); values are (text, noun)."""
    texts_check(**{name: (text, noun, MULTI_LINE_MAX, True) for name, (text, noun) in values.items()})


@transaction.atomic
def debrief_record(*, session: Session, acting_user: User, went_well: str, was_hard: str, to_change: str) -> Debrief:
    """The lead facilitator records the debrief once the session has started; saving again updates it."""
    session = lock(session)
    if not session.has_started:
        raise ValidationError("You can record the debrief once the session has started.", code="session_not_started")
    _texts(
        went_well=(went_well, "what went well"),
        was_hard=(was_hard, "what was hard"),
        to_change=(to_change, "what to change next time"),
    )
    values = {"went_well": went_well.strip(), "was_hard": was_hard.strip(), "to_change": to_change.strip()}
    debrief = Debrief.objects.filter(session=session).first()
    created = debrief is None
    if created:
        debrief = Debrief(session=session, recorded_by=acting_user, **values)
    else:
        for k, v in values.items():
            setattr(debrief, k, v)
    debrief.full_clean()
    debrief.save()
    audit(
        action="debrief.recorded",
        actor=acting_user,
        session=session,
        obj=debrief,
        data={"session_id": session.pk, "first_time": created},
    )
    return debrief


@transaction.atomic
def decision_record(*, session: Session, proposal: str, outcome: str, acting_user: User) -> Decision:
    """At a meeting of a group with a parent quorum, a decision taken while too few parents are checked in is
    marked as needing confirmation at a quorate meeting."""
    _texts(proposal=(proposal, "what was proposed"), outcome=(outcome, "what the group decided"))
    record = count_quorum(session)
    decision = Decision(
        session=session,
        proposal=proposal.strip(),
        outcome=outcome.strip(),
        recorded_by=acting_user,
        needs_confirmation=record is not None and not record.quorate,
    )
    decision.full_clean()
    decision.save()
    audit(
        action="decision.recorded",
        actor=acting_user,
        session=session,
        obj=decision,
        data={"session_id": session.pk, "needs_confirmation": decision.needs_confirmation},
    )
    return decision


@transaction.atomic
def decision_confirm(*, decision: Decision, at_session: Session, acting_user: User | None = None) -> Decision:
    """A decision from an inquorate meeting counts once a quorate meeting of the same group confirms it."""
    if at_session.group_id != decision.session.group_id:
        raise ValidationError("Only a meeting of the same group can confirm this decision.", code="another_group")
    record = count_quorum(at_session)
    if record is None or not record.quorate:
        raise ValidationError(
            "This meeting does not have enough parents present to confirm decisions.", code="not_quorate"
        )
    decision.needs_confirmation = False
    decision.confirmed_at_session = at_session
    decision.save(update_fields=["needs_confirmation", "confirmed_at_session"])
    audit(
        action="decision.confirmed",
        actor=acting_user,
        session=at_session,
        obj=decision,
        data={"session_id": decision.session_id, "confirmed_at_session_id": at_session.pk},
    )
    return decision


@transaction.atomic
def action_record(*, session: Session, description: str, owner: User, due_on: date | None, acting_user: User) -> Action:
    """An action's owner must be a member of the group; it is due (if it says) within `action_due_window`."""
    _texts(description=(description, "what will be done"))
    if due_on is not None:
        earliest, latest = action_due_window()
        try:
            date_range_check(due_on, earliest=earliest, latest=latest, today=timezone.localdate())
        except ValidationError as error:
            raise ValidationError({"due_on": error}) from None
    if not Membership.objects.active().filter(group=session.group, user=owner).exists():
        raise ValidationError(
            {
                "owner": ValidationError(
                    "The person doing the action must be a member of the group.", code="owner_not_a_member"
                )
            }
        )
    action = Action(
        session=session, description=description.strip(), owner=owner, due_on=due_on, recorded_by=acting_user
    )
    action.full_clean()
    action.save()
    audit(
        action="action.recorded",
        actor=acting_user,
        session=session,
        obj=action,
        data={"session_id": session.pk, "owner_id": owner.pk},
    )
    return action


@transaction.atomic
def action_set_status(*, action: Action, status: str, acting_user: User) -> Action:
    """The action's owner, or whoever manages the group, says how it is going (one of the known states)."""
    if status not in Action.Status.values:
        raise ValidationError("Choose a status.", code="unknown_status")
    action.status = status
    action.save(update_fields=["status"])
    audit(
        action="action.status_changed",
        actor=acting_user,
        session=action.session,
        obj=action,
        data={"session_id": action.session_id, "status": status},
    )
    return action


@transaction.atomic
def win_record(*, session: Session, description: str, acting_user: User) -> Win:
    """A win the group wants remembered ("you said, we did")."""
    _texts(description=(description, "what changed for the better"))
    win = Win(session=session, description=description.strip(), recorded_by=acting_user)
    win.full_clean()
    win.save()
    audit(action="win.recorded", actor=acting_user, session=session, obj=win, data={"session_id": session.pk})
    return win
