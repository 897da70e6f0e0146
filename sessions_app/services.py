"""Writes for sessions. Each function runs in a transaction and states the rule it keeps.

Anything two people can race for (the last place, the facilitator rule) is decided with the session row locked
(``select_for_update``), so PostgreSQL serialises the competitors.
"""

import re
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups.models import Group, Membership, User
from groups.permissions import has_perm

from . import notify
from .models import (
    Action,
    AgendaItem,
    Answer,
    Break,
    CalendarFeed,
    CheckIn,
    Debrief,
    Decision,
    FacilitatorRole,
    FollowUp,
    GlossaryTerm,
    PreparationMaterial,
    QuorumRecord,
    Rsvp,
    Series,
    Session,
    SessionFacilitator,
    SupportRequest,
    Venue,
    Win,
)

MAX_SERIES_WEEKS = 52


def _lock(session: Session) -> Session:
    return Session.objects.select_for_update().get(pk=session.pk)


def _group_facilitator_ids(group: Group) -> set[int]:
    return set(
        Membership.objects.active()
        .filter(group=group, role=Membership.Role.FACILITATOR)
        .values_list("user_id", flat=True)
    )


# --- venues and glossary ---------------------------------------------------------------------------------


@transaction.atomic
def venue_create(*, organisation, acting_user: User, **fields) -> Venue:
    venue = Venue(organisation=organisation, **fields)
    venue.full_clean()
    venue.save()
    return venue


@transaction.atomic
def glossary_term_save(*, group: Group, abbreviation: str, meaning: str, acting_user: User) -> GlossaryTerm:
    """One meaning per short form per group; saving an existing short form updates its meaning."""
    abbreviation = abbreviation.strip()
    meaning = meaning.strip()
    if not abbreviation or not meaning:
        raise ValidationError("Give both the short form and what it means.")
    term, _ = GlossaryTerm.objects.update_or_create(
        group=group, abbreviation=abbreviation, defaults={"meaning": meaning}
    )
    return term


@transaction.atomic
def glossary_term_delete(*, term: GlossaryTerm, acting_user: User) -> None:
    term.delete()


ABBREVIATION_RE = re.compile(r"\b[A-Z][A-Z0-9&]*[A-Z0-9]\b")


def unexplained_abbreviations(*, session: Session) -> list[str]:
    """Every capitalised abbreviation (two or more capitals, e.g. "SEND", "CAMHS") in the title, purpose and
    agenda that the group's glossary does not explain, in order of first appearance."""
    texts = [session.title, session.purpose, *session.agenda_items.values_list("text", flat=True)]
    known = set(session.group.glossary.values_list("abbreviation", flat=True))
    found: list[str] = []
    for text in texts:
        for match in ABBREVIATION_RE.findall(text or ""):
            if match not in known and match not in found:
                found.append(match)
    return found


# --- scheduling ------------------------------------------------------------------------------------------


@dataclass
class BreakPlan:
    starts_at: datetime
    minutes: int


def _validate_facilitators(group: Group, lead: User | None, supports: list[User]) -> None:
    ids = _group_facilitator_ids(group)
    people = ([lead] if lead else []) + list(supports)
    strangers = [p.display_name for p in people if p.pk not in ids]
    if strangers:
        raise ValidationError(
            {"lead": f"Only facilitators of this group can facilitate its sessions: {', '.join(strangers)}."}
        )
    if lead and lead in supports:
        raise ValidationError({"supports": "The lead and the support facilitator must be different people."})


def _set_agenda(session: Session, lines: list[str]) -> None:
    session.agenda_items.all().delete()
    AgendaItem.objects.bulk_create(
        [AgendaItem(session=session, position=i, text=line.strip()[:300]) for i, line in enumerate(lines, start=1)]
    )


def _set_breaks(session: Session, breaks: list[BreakPlan]) -> None:
    session.breaks.all().delete()
    for plan in breaks:
        if not (
            session.starts_at <= plan.starts_at and plan.starts_at + timedelta(minutes=plan.minutes) <= session.ends_at
        ):
            raise ValidationError({"breaks": "Each break must fall between the start and the end of the session."})
    Break.objects.bulk_create([Break(session=session, starts_at=b.starts_at, minutes=b.minutes) for b in breaks])


def _set_facilitators(session: Session, lead: User | None, supports: list[User]) -> None:
    now = timezone.now()
    wanted = {(lead.pk, FacilitatorRole.LEAD)} if lead else set()
    wanted |= {(s.pk, FacilitatorRole.SUPPORT) for s in supports}
    for place in session.facilitators.filter(withdrawn_at__isnull=True):
        if (place.user_id, place.role) not in wanted:
            place.withdrawn_at = now
            place.withdrawal_reason = "Changed by the session builder"
            place.save(update_fields=["withdrawn_at", "withdrawal_reason"])
        else:
            wanted.discard((place.user_id, place.role))
    for user_id, role in sorted(wanted, key=lambda w: w[1]):  # "lead" sorts before "support"
        SessionFacilitator.objects.create(session=session, user_id=user_id, role=role, assigned_at=now)


@transaction.atomic
def session_create(
    *,
    group: Group,
    acting_user: User,
    title: str,
    purpose: str,
    starts_at: datetime,
    ends_at: datetime,
    format: str,
    venue: Venue | None = None,
    joining_link: str = "",
    capacity: int | None = None,
    content_note: str = "",
    preparation_days: int = 3,
    lead: User | None = None,
    supports: list[User] | None = None,
    agenda: list[str] | None = None,
    breaks: list[BreakPlan] | None = None,
    repeat_weeks: int = 1,
) -> list[Session]:
    """Creates a draft session, or a weekly series of drafts in one step (each editable on its own later).
    Facilitators must be facilitators of the group, lead and support different people. The venue must belong
    to the group's organisation."""
    supports = list(supports or [])
    if not 1 <= repeat_weeks <= MAX_SERIES_WEEKS:
        raise ValidationError({"repeat_weeks": f"Choose between 1 and {MAX_SERIES_WEEKS} weeks."})
    if venue is not None and venue.organisation_id != group.organisation_id:
        raise ValidationError({"venue": "Choose one of your organisation's venues."})
    _validate_facilitators(group, lead, supports)
    series = None
    if repeat_weeks > 1:
        series = Series.objects.create(group=group, created_by=acting_user, repeat_weeks=repeat_weeks)
    created = []
    for week in range(repeat_weeks):
        session = Session(
            group=group,
            series=series,
            title=title.strip(),
            purpose=purpose.strip(),
            starts_at=_shift_local(starts_at, week),
            ends_at=_shift_local(ends_at, week),
            format=format,
            venue=venue,
            joining_link=joining_link.strip(),
            capacity=capacity,
            content_note=content_note.strip(),
            preparation_days=preparation_days,
            created_by=acting_user,
        )
        session.full_clean()
        session.save()
        _set_agenda(session, agenda or [])
        _set_breaks(session, [BreakPlan(_shift_local(b.starts_at, week), b.minutes) for b in (breaks or [])])
        _set_facilitators(session, lead, supports)
        created.append(session)
    return created


def _shift_local(moment: datetime, weeks: int) -> datetime:
    """Same wall-clock time N weeks later, so a 10:00 session stays at 10:00 across the clocks changing."""
    if weeks == 0:
        return moment
    local = timezone.localtime(moment)
    naive = local.replace(tzinfo=None) + timedelta(weeks=weeks)
    return timezone.make_aware(naive, timezone.get_current_timezone())


@transaction.atomic
def session_update(
    *,
    session: Session,
    acting_user: User,
    lead: User | None = None,
    supports: list[User] | None = None,
    agenda: list[str] | None = None,
    breaks: list[BreakPlan] | None = None,
    **fields,
) -> Session:
    """Edits one session (even one of a series). A published session keeps the two-facilitator rule: the
    builder cannot save it without a lead and a support. More places promote people from the waiting list."""
    session = _lock(session)
    if session.is_cancelled:
        raise ValidationError("This session has been cancelled and can no longer be changed.")
    venue = fields.get("venue")
    if venue is not None and venue.organisation_id != session.group.organisation_id:
        raise ValidationError({"venue": "Choose one of your organisation's venues."})
    for name, value in fields.items():
        setattr(session, name, value.strip() if isinstance(value, str) else value)
    session.full_clean()
    session.save()
    if agenda is not None:
        _set_agenda(session, agenda)
    if breaks is not None:
        _set_breaks(session, breaks)
    if lead is not None or supports is not None:
        supports = list(supports or [])
        _validate_facilitators(session.group, lead, supports)
        if session.is_published and not (lead and supports):
            raise ValidationError({"supports": "A published session needs a lead and a support facilitator."})
        _set_facilitators(session, lead, supports)
    _promote_from_waiting_list(session)
    return session


def facilitator_rule_problems(*, session: Session) -> list[str]:
    """What stops the session meeting the two-facilitator rule, in plain words (empty when it holds)."""
    places = list(session.facilitators.filter(withdrawn_at__isnull=True))
    group_facilitators = _group_facilitator_ids(session.group)
    problems = []
    leads = [p for p in places if p.role == FacilitatorRole.LEAD]
    supports = [p for p in places if p.role == FacilitatorRole.SUPPORT]
    if not leads:
        problems.append("There is no lead facilitator.")
    if not supports:
        problems.append("There is no support facilitator.")
    if any(p.user_id not in group_facilitators for p in places):
        problems.append("Someone facilitating is no longer a facilitator of this group.")
    return problems


@transaction.atomic
def session_publish(*, session: Session, acting_user: User) -> Session:
    """A session is published only when it has a lead and a support facilitator, different people, both
    facilitators of the group, and it has not started. The row is locked, so a facilitator withdrawing at the
    same moment is either seen or waits."""
    session = _lock(session)
    if session.is_published:
        return session
    if session.is_cancelled:
        raise ValidationError("A cancelled session cannot be published.")
    if session.has_started:
        raise ValidationError("This session has already started. Change its date before publishing it.")
    problems = facilitator_rule_problems(session=session)
    if problems:
        raise ValidationError(["Every session needs two facilitators: one to lead and one to support.", *problems])
    session.status = Session.Status.PUBLISHED
    session.published_at = timezone.now()
    session.full_clean()
    session.save(update_fields=["status", "published_at"])
    notify.session_published(session=session)
    return session


@transaction.atomic
def session_cancel(*, session: Session, reason: str, acting_user: User) -> Session:
    """Cancelling tells everyone who said yes (including the waiting list), after the transaction commits."""
    session = _lock(session)
    if session.is_cancelled:
        return session
    if session.has_ended:
        raise ValidationError("This session has already happened, so it cannot be cancelled.")
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say briefly why the session is cancelled; members will see it."})
    session.status = Session.Status.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason
    session.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    SupportRequest.objects.filter(session=session, status=SupportRequest.Status.PENDING).update(
        status=SupportRequest.Status.WITHDRAWN
    )
    notify.session_cancelled(session=session)
    return session


@transaction.atomic
def facilitator_withdraw(*, session: Session, user: User, acting_user: User, reason: str = "") -> SessionFacilitator:
    """A facilitator steps back from a session. Allowed at any time (people get ill); a published session that
    then breaks the two-facilitator rule shows as at risk to the group's facilitators and the organisation
    admin. The session row is locked, so two withdrawals at the same moment are applied one after the other."""
    session = _lock(session)
    place = (
        SessionFacilitator.objects.select_for_update()
        .filter(session=session, user=user, withdrawn_at__isnull=True)
        .first()
    )
    if place is None:
        raise ValidationError("You are not facilitating this session.")
    place.withdrawn_at = timezone.now()
    place.withdrawal_reason = reason.strip()[:200]
    place.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    return place


@transaction.atomic
def facilitator_join(*, session: Session, user: User, role: str, acting_user: User) -> SessionFacilitator:
    """A group facilitator steps in (for example to fix an at-risk session). One lead per session (database)."""
    session = _lock(session)
    if user.pk not in _group_facilitator_ids(session.group):
        raise ValidationError("Only facilitators of this group can facilitate its sessions.")
    if session.facilitators.filter(user=user, withdrawn_at__isnull=True).exists():
        raise ValidationError("You are already facilitating this session.")
    if (
        role == FacilitatorRole.LEAD
        and session.facilitators.filter(role=FacilitatorRole.LEAD, withdrawn_at__isnull=True).exists()
    ):
        raise ValidationError("This session already has a lead facilitator.")
    return SessionFacilitator.objects.create(session=session, user=user, role=role)


@transaction.atomic
def preparation_add(
    *, session: Session, title: str, text: str = "", file=None, acting_user: User
) -> PreparationMaterial:
    material = PreparationMaterial(session=session, title=title.strip(), text=text.strip(), added_by=acting_user)
    if file:
        material.file = file
    material.full_clean()
    material.save()
    return material


# --- answers, places and the waiting list ----------------------------------------------------------------


@dataclass
class AnswerResult:
    rsvp: Rsvp
    got_place: bool
    waitlisted: bool


def _places_taken(session: Session) -> int:
    return session.rsvps.filter(answer=Answer.YES, waitlisted_at__isnull=True).count()


def _promote_from_waiting_list(session: Session) -> list[Rsvp]:
    """Fill free places from the waiting list in the order people joined it; each person promoted is told.
    Call with the session row locked."""
    if not session.is_published or session.has_started:
        return []
    promoted = []
    while session.capacity is None or _places_taken(session) < session.capacity:
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
def rsvp_answer(*, session: Session, user: User, answer: str) -> AnswerResult:
    """Members answer yes, no or maybe, and can change their answer until the session starts. A yes takes a
    place while there are places, otherwise joins the waiting list; a place given up goes to the first person
    waiting. The session row is locked, so two people taking the last place at once get one place and one
    waiting-list spot. Saying no or maybe withdraws pending support requests."""
    if answer not in Answer.values:
        raise ValidationError("Choose yes, no or maybe.")
    session = _lock(session)
    if not session.is_published:
        raise ValidationError(
            "This session is not open for answers." if not session.is_cancelled else "This session has been cancelled."
        )
    if session.has_started:
        raise ValidationError(
            "This session has already started, so answers can no longer be changed. Please speak to a facilitator."
        )
    if not Membership.objects.active().filter(group=session.group, user=user).exists():
        raise ValidationError("Only members of this group can answer.")
    now = timezone.now()
    rsvp = Rsvp.objects.select_for_update().filter(session=session, user=user).first()
    had_place = bool(rsvp and rsvp.has_place)
    if rsvp is None:
        rsvp = Rsvp(session=session, user=user, answer=answer, answered_at=now)
    elif rsvp.answer == answer:
        return AnswerResult(rsvp=rsvp, got_place=rsvp.has_place, waitlisted=rsvp.is_waitlisted)
    rsvp.answer = answer
    rsvp.updated_at = now
    if answer == Answer.YES:
        full = session.capacity is not None and _places_taken(session) >= session.capacity
        rsvp.waitlisted_at = now if full else None
    else:
        rsvp.waitlisted_at = None
        SupportRequest.objects.filter(session=session, user=user, status=SupportRequest.Status.PENDING).update(
            status=SupportRequest.Status.WITHDRAWN
        )
    rsvp.full_clean()
    rsvp.save()
    if had_place and answer != Answer.YES:
        _promote_from_waiting_list(session)
    return AnswerResult(rsvp=rsvp, got_place=rsvp.has_place, waitlisted=rsvp.is_waitlisted)


# --- support requests ------------------------------------------------------------------------------------


@transaction.atomic
def support_request_create(*, session: Session, user: User, kind: str, **details) -> SupportRequest:
    """A person who said yes can ask for support: childcare, travel, an interpreter, access needs, or a
    one-to-one instead. One live request of each kind per person per session (database)."""
    session = _lock(session)
    rsvp = Rsvp.objects.filter(session=session, user=user, answer=Answer.YES).first()
    if rsvp is None:
        raise ValidationError("Say yes to the session first, then ask for support.")
    if session.has_started:
        raise ValidationError("This session has already started. Please speak to a facilitator.")
    request = SupportRequest(session=session, user=user, kind=kind, **details)
    # The check constraint lets a NULL children_count through (SQL NULL passes a CHECK), so say it here.
    if kind == SupportRequest.Kind.CHILDCARE and not request.creche_place and not (request.children_count or 0) >= 1:
        raise ValidationError({"children_count": "Tell us how many children, or ask for a crèche place."})
    already = ValidationError(
        "You have already asked for this kind of support for this session. You can see it on the session page."
    )
    # Checked before full_clean, whose own unique-constraint check would give a technical message instead.
    if SupportRequest.objects.filter(
        session=session,
        user=user,
        kind=kind,
        status__in=[SupportRequest.Status.PENDING, SupportRequest.Status.APPROVED],
    ).exists():
        raise already
    request.full_clean()
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise already from None
    notify.support_requested(request=request)
    return request


@transaction.atomic
def support_request_decide(
    *, request: SupportRequest, approve: bool, acting_user: User, reason: str = "", amount_pence: int | None = None
) -> SupportRequest:
    """A facilitator approves or declines a pending request; declining needs a reason (database). The person
    is told the outcome. Approved amounts are kept in pence for payments."""
    request = SupportRequest.objects.select_for_update().select_related("session").get(pk=request.pk)
    if not has_perm(acting_user, "session.manage", request.session):
        raise ValidationError("Only the group's facilitators can decide on support.")
    if request.status != SupportRequest.Status.PENDING:
        raise ValidationError(f"This request has already been decided: {request.get_status_display().lower()}.")
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError({"reason": "Give a reason when you decline a request; the parent will see it."})
    if amount_pence is not None and amount_pence < 0:
        raise ValidationError({"amount_pence": "The amount cannot be negative."})
    request.status = SupportRequest.Status.APPROVED if approve else SupportRequest.Status.DECLINED
    request.decision_reason = reason
    request.approved_amount_pence = (
        (amount_pence if amount_pence is not None else request.expected_cost_pence) if approve else None
    )
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.full_clean()
    request.save()
    notify.support_decided(request=request)
    return request


@transaction.atomic
def support_request_withdraw(*, request: SupportRequest, acting_user: User) -> SupportRequest:
    request = SupportRequest.objects.select_for_update().get(pk=request.pk)
    if request.user_id != acting_user.pk:
        raise ValidationError("Only the person who asked can withdraw a request.")
    if request.status == SupportRequest.Status.PENDING:
        request.status = SupportRequest.Status.WITHDRAWN
        request.save(update_fields=["status"])
    return request


# --- on the day ------------------------------------------------------------------------------------------

CHECKIN_OPENS_BEFORE = timedelta(hours=1)
CHECKOUT_CLOSES_AFTER = timedelta(hours=2)


def _check_window(session: Session) -> None:
    now = timezone.now()
    if not session.is_published:
        raise ValidationError("Check-in is only open for published sessions.")
    if now < session.starts_at - CHECKIN_OPENS_BEFORE:
        raise ValidationError("Check-in opens an hour before the session starts.")
    if now > session.ends_at + CHECKOUT_CLOSES_AFTER:
        raise ValidationError("Check-in and check-out closed two hours after the session ended.")


@transaction.atomic
def checkin_record(*, session: Session, person: User, acting_user: User, feeling: int | None = None) -> CheckIn:
    """A person is checked in by a facilitator's tap or checks in on their own phone, once (database). Only
    members of the group are checked in, from an hour before the start."""
    _check_window(session)
    if acting_user.pk != person.pk and not has_perm(acting_user, "session.run", session):
        raise ValidationError("Only the session's facilitators can check other people in.")
    if not Membership.objects.active().filter(group=session.group, user=person).exists():
        raise ValidationError("Only members of this group can be checked in.")
    if feeling is not None and feeling not in range(1, 6):
        raise ValidationError({"feeling": "Choose how you feel from the five faces."})
    checkin, created = CheckIn.objects.select_for_update().get_or_create(
        session=session,
        user=person,
        defaults={"checked_in_by": acting_user, "checkin_feeling": feeling},
    )
    if not created and feeling is not None and checkin.checkin_feeling is None:
        checkin.checkin_feeling = feeling
        checkin.save(update_fields=["checkin_feeling"])
    if created and session.group.has_quorum_rule:
        quorum_record(session=session)
    return checkin


def add_working_days(start: date, days: int) -> date:
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


@transaction.atomic
def checkout_record(
    *, session: Session, person: User, acting_user: User, feeling: int | None = None, wants_to_talk: bool = False
) -> CheckIn:
    """Checking out records the leaving time and feeling. "I'd like to talk afterwards", or a low feeling
    (2 or less of 5), makes one follow-up for a facilitator, due within two working days."""
    _check_window(session)
    if acting_user.pk != person.pk and not has_perm(acting_user, "session.run", session):
        raise ValidationError("Only the session's facilitators can check other people out.")
    if feeling is not None and feeling not in range(1, 6):
        raise ValidationError({"feeling": "Choose how you feel from the five faces."})
    checkin = CheckIn.objects.select_for_update().filter(session=session, user=person).first()
    if checkin is None:
        raise ValidationError("Check in first, then check out at the end.")
    checkin.checked_out_at = checkin.checked_out_at or timezone.now()
    if feeling is not None:
        checkin.checkout_feeling = feeling
    checkin.wants_to_talk = checkin.wants_to_talk or wants_to_talk
    checkin.full_clean()
    checkin.save()
    low = checkin.checkout_feeling is not None and checkin.checkout_feeling <= CheckIn.LOW_FEELING
    if checkin.wants_to_talk or low:
        _follow_up_open(session, person, FollowUp.Reason.TALK if checkin.wants_to_talk else FollowUp.Reason.LOW_FEELING)
    return checkin


def _follow_up_open(session: Session, person: User, reason: str) -> FollowUp:
    lead = (
        session.facilitators.filter(withdrawn_at__isnull=True)
        .order_by("role", "assigned_at")  # the lead first, then supports in the order they joined
        .values_list("user_id", flat=True)
        .first()
    )
    if lead is None:
        lead = min(_group_facilitator_ids(session.group), default=None)
    if lead is None:
        raise ValidationError("This group has no facilitator to follow up with you. Please tell a member of staff.")
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
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    if follow_up.closed_at is not None:
        raise ValidationError("This follow-up is already closed.")
    note = note.strip()
    if not note:
        raise ValidationError({"note": "Write a short note about how the follow-up went."})
    follow_up.note = note
    follow_up.closed_at = timezone.now()
    follow_up.closed_by = acting_user
    follow_up.save(update_fields=["note", "closed_at", "closed_by"])
    return follow_up


@transaction.atomic
def debrief_record(*, session: Session, acting_user: User, went_well: str, was_hard: str, to_change: str) -> Debrief:
    """The lead facilitator records the debrief once the session has started; saving again updates it."""
    session = _lock(session)
    if not session.has_started:
        raise ValidationError("You can record the debrief once the session has started.")
    values = {"went_well": went_well.strip(), "was_hard": was_hard.strip(), "to_change": to_change.strip()}
    debrief = Debrief.objects.filter(session=session).first()
    if debrief is None:
        debrief = Debrief(session=session, recorded_by=acting_user, **values)
    else:
        for k, v in values.items():
            setattr(debrief, k, v)
    debrief.full_clean()
    debrief.save()
    return debrief


# --- decisions, actions, wins ----------------------------------------------------------------------------


@transaction.atomic
def decision_record(*, session: Session, proposal: str, outcome: str, acting_user: User) -> Decision:
    """At a meeting of a group with a parent quorum, a decision taken while too few parents are checked in is
    marked as needing confirmation at a quorate meeting."""
    record = quorum_record(session=session)
    decision = Decision(
        session=session,
        proposal=proposal.strip(),
        outcome=outcome.strip(),
        recorded_by=acting_user,
        needs_confirmation=record is not None and not record.quorate,
    )
    decision.full_clean()
    decision.save()
    return decision


@transaction.atomic
def action_record(*, session: Session, description: str, owner: User, due_on: date | None, acting_user: User) -> Action:
    """An action's owner must be a member of the group."""
    if not Membership.objects.active().filter(group=session.group, user=owner).exists():
        raise ValidationError({"owner": "The person doing the action must be a member of the group."})
    action = Action(
        session=session, description=description.strip(), owner=owner, due_on=due_on, recorded_by=acting_user
    )
    action.full_clean()
    action.save()
    return action


@transaction.atomic
def action_set_status(*, action: Action, status: str, acting_user: User) -> Action:
    if status not in Action.Status.values:
        raise ValidationError("Choose a status.")
    action.status = status
    action.save(update_fields=["status"])
    return action


@transaction.atomic
def win_record(*, session: Session, description: str, acting_user: User) -> Win:
    win = Win(session=session, description=description.strip(), recorded_by=acting_user)
    win.full_clean()
    win.save()
    return win


# --- quorum at the meeting ------------------------------------------------------------------------------


@transaction.atomic
def quorum_record(*, session: Session) -> QuorumRecord | None:
    """At the meeting, quorum is counted from the check-ins of parents and carers. Decisions recorded while the
    meeting is inquorate are marked as needing confirmation at a quorate meeting."""
    if not session.group.has_quorum_rule:
        return None
    Session.objects.select_for_update().get(pk=session.pk)
    parent_ids = Membership.objects.filter(group_id=session.group_id, role=Membership.Role.PARENT).values("user_id")
    present = CheckIn.objects.filter(session=session, user_id__in=parent_ids).count()
    required = session.group.parent_quorum
    record, _ = QuorumRecord.objects.update_or_create(
        session=session,
        defaults={
            "required": required,
            "parents_present": present,
            "quorate": present >= required,
            "recorded_at": timezone.now(),
        },
    )
    return record


@transaction.atomic
def decision_confirm(*, decision: Decision, at_session: Session) -> Decision:
    """A decision from an inquorate meeting counts once a quorate meeting of the same group confirms it."""
    if at_session.group_id != decision.session.group_id:
        raise ValidationError("Only a meeting of the same group can confirm this decision.")
    record = quorum_record(session=at_session)
    if record is None or not record.quorate:
        raise ValidationError("This meeting does not have enough parents present to confirm decisions.")
    decision.needs_confirmation = False
    decision.confirmed_at_session = at_session
    decision.save(update_fields=["needs_confirmation", "confirmed_at_session"])
    return decision


# --- calendar --------------------------------------------------------------------------------------------


@transaction.atomic
def calendar_feed_get_or_create(*, user: User) -> CalendarFeed:
    feed, _ = CalendarFeed.objects.get_or_create(user=user, defaults={"token": secrets.token_urlsafe(32)})
    return feed


@transaction.atomic
def calendar_feed_renew(*, user: User) -> CalendarFeed:
    """Revokes the old private address by replacing its token."""
    feed = CalendarFeed.objects.select_for_update().filter(user=user).first()
    if feed is None:
        return calendar_feed_get_or_create(user=user)
    feed.token = secrets.token_urlsafe(32)
    feed.created_at = timezone.now()
    feed.save(update_fields=["token", "created_at"])
    return feed
