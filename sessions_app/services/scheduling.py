"""Scheduling: venues, the glossary, creating, changing, publishing and cancelling sessions, the facilitators
of a session and its preparation material."""

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.events import send_on_commit
from core.validators import MULTI_LINE_MAX, date_range_check, text_check, texts_check
from groups.models import Group, User

from .. import events, notify
from ..models import (
    AgendaItem,
    Break,
    FacilitatorRole,
    GlossaryTerm,
    PreparationMaterial,
    Series,
    Session,
    SessionFacilitator,
    SupportRequest,
    Venue,
)
from ._common import audit, group_facilitator_ids, lock

MAX_SERIES_WEEKS = 52


# --- venues and glossary ---------------------------------------------------------------------------------


@transaction.atomic
def venue_create(*, organisation, acting_user: User, **fields) -> Venue:
    """A venue belongs to one organisation; its sessions can only be of that organisation's groups. One venue
    of a name per organisation (without regard to capitals): a second one, even sent at the same moment, is
    refused naming the one there is."""

    def refuse_if_taken():
        name = (fields.get("name") or "").strip()
        existing = Venue.objects.filter(organisation=organisation, name__iexact=name).first() if name else None
        if existing is not None:
            raise ValidationError(
                {
                    "name": ValidationError(
                        f"Your organisation already has a venue called {existing.name}. Choose another name.",
                        code="venue_exists",
                    )
                }
            )

    refuse_if_taken()
    venue = Venue(organisation=organisation, **fields)
    venue.full_clean()
    try:
        with transaction.atomic():  # a savepoint: the same venue added a moment ago by another request
            venue.save()
    except IntegrityError:
        refuse_if_taken()
        raise
    audit_record(action="venue.created", actor=acting_user, obj=venue, organisation_id=organisation.pk)
    return venue


@transaction.atomic
def glossary_term_save(*, group: Group, abbreviation: str, meaning: str, acting_user: User) -> GlossaryTerm:
    """One meaning per short form per group; saving an existing short form updates its meaning."""
    abbreviation = abbreviation.strip()
    meaning = meaning.strip()
    if not abbreviation or not meaning:
        raise ValidationError("Give both the short form and what it means.", code="glossary_term_incomplete")
    term, created = GlossaryTerm.objects.update_or_create(
        group=group, abbreviation=abbreviation, defaults={"meaning": meaning}
    )
    audit_record(
        action="glossary_term.saved",
        actor=acting_user,
        obj=term,
        organisation_id=group.organisation_id,
        data={"group_id": group.pk, "created": created},
    )
    return term


@transaction.atomic
def glossary_term_delete(*, term: GlossaryTerm, acting_user: User) -> None:
    """Those who manage a group take a short form out of its glossary."""
    group, term_id, abbreviation = term.group, term.pk, term.abbreviation
    term.delete()
    # The term is gone, so the event names the group it was taken from.
    audit_record(
        action="glossary_term.deleted",
        actor=acting_user,
        obj=group,
        data={"term_id": term_id, "abbreviation": abbreviation},
    )


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


# Bounds on what a session can hold. The session builder (forms/scheduling.py) says the same in its messages.
SESSION_MAX_DAYS_AHEAD = 730  # the default; settings.SESSION_MAX_DAYS_AHEAD changes it
HISTORY_EARLIEST = date(2000, 1, 1)  # a session of the past is recorded on or after this day
MAX_AGENDA_ITEMS = 50
AGENDA_ITEM_MAX = 200
MAX_BREAKS = 10
BREAK_MAX_MINUTES = 240
SESSION_TEXT_MAX = MULTI_LINE_MAX
PREPARATION_MAX_MINUTES = 600  # the preparation time a session may ask people to spend (payments may pay it)


def session_date_window(*, recording_history: bool = False) -> tuple[date, date]:
    """The first and last day a session can be put on: from today (or, recording one that has happened, from
    HISTORY_EARLIEST) up to SESSION_MAX_DAYS_AHEAD days ahead."""
    today = timezone.localdate()
    ahead = getattr(settings, "SESSION_MAX_DAYS_AHEAD", SESSION_MAX_DAYS_AHEAD)
    return (HISTORY_EARLIEST if recording_history else today), today + timedelta(days=ahead)


def _local_day(moment: datetime) -> date:
    """The day of `moment` in the site's time zone; a moment at the very edge of the calendar (1 January of year
    1 in UTC is still year 0 in London) counts as the first day there is, which no window includes."""
    try:
        return timezone.localdate(moment)
    except (OverflowError, ValueError):
        return date.min


def _check_dates(starts_at: datetime, ends_at: datetime, *, weeks: int, recording_history: bool) -> None:
    """Every session of a (series of) session(s) falls in the window, and none lasts more than a day."""
    earliest, latest = session_date_window(recording_history=recording_history)
    today = timezone.localdate()
    first = _local_day(starts_at)
    try:
        date_range_check(first, earliest=earliest, latest=latest, today=today)
    except ValidationError as error:
        raise ValidationError({"starts_at": error}) from None
    last = first + timedelta(weeks=weeks - 1)  # first is in the window, so this cannot overflow
    if last > latest:
        raise ValidationError(
            {
                "repeat_weeks": ValidationError(
                    f"A weekly series can run up to {latest.day} {latest:%B %Y}. Choose fewer weeks.",
                    code="date_out_of_range",
                )
            }
        )
    _check_length(starts_at, ends_at)


def _check_length(starts_at: datetime, ends_at: datetime) -> None:
    """A session lasts at most a day (ending before it starts is the model's own check)."""
    if ends_at - starts_at > timedelta(days=1):
        raise ValidationError(
            {"ends_at": ValidationError("A session must end on the day it starts.", code="session_too_long")}
        )


def _check_texts(fields: dict) -> None:
    """What people typed: no control characters, and no longer than the builder allows (codes
    "control_character" and "text_too_long")."""
    specs = {
        "title": ("the title", Session._meta.get_field("title").max_length, False),
        "purpose": ("the purpose", SESSION_TEXT_MAX, True),
        "content_note": ("the content note", SESSION_TEXT_MAX, True),
        "joining_link": ("the joining link", 200, False),
    }
    texts_check(**{name: (fields[name], *spec) for name, spec in specs.items() if name in fields})


def _check_preparation_minutes(minutes) -> None:
    if minutes is not None and not 0 <= minutes <= PREPARATION_MAX_MINUTES:
        raise ValidationError(
            {
                "preparation_minutes": ValidationError(
                    f"Enter between 0 and {PREPARATION_MAX_MINUTES} minutes of preparation.",
                    code="preparation_minutes_range",
                )
            }
        )


def _check_agenda_and_breaks(agenda: list[str] | None, breaks: list[BreakPlan] | None) -> None:
    """At most MAX_AGENDA_ITEMS agenda items of AGENDA_ITEM_MAX characters, and at most MAX_BREAKS breaks, no
    two starting at the same time."""
    errors = {}
    agenda = [line for line in (agenda or []) if line.strip()]
    if len(agenda) > MAX_AGENDA_ITEMS:
        errors["agenda"] = ValidationError(
            f"An agenda can have at most {MAX_AGENDA_ITEMS} items (you have {len(agenda):,}).",
            code="too_many_agenda_items",
        )
    else:
        for number, line in enumerate(agenda, start=1):
            try:
                text_check(line.strip(), noun=f"agenda item {number}", limit=AGENDA_ITEM_MAX)
            except ValidationError as error:
                code = "agenda_item_too_long" if error.code == "text_too_long" else error.code
                errors["agenda"] = ValidationError(error.message, code=code)
                break
    breaks = list(breaks or [])
    if len(breaks) > MAX_BREAKS:
        errors["breaks"] = ValidationError(
            f"A session can have at most {MAX_BREAKS} breaks (you have {len(breaks):,}).", code="too_many_breaks"
        )
    elif len({b.starts_at for b in breaks}) < len(breaks):
        errors["breaks"] = ValidationError(
            "Two breaks start at the same time. Give each break once.", code="break_twice"
        )
    elif any(not 1 <= b.minutes <= BREAK_MAX_MINUTES for b in breaks):
        errors["breaks"] = ValidationError(
            f"A break lasts between 1 and {BREAK_MAX_MINUTES} minutes.", code="break_length"
        )
    if errors:
        raise ValidationError(errors)


def _validate_facilitators(group: Group, lead: User | None, supports: list[User]) -> None:
    ids = group_facilitator_ids(group)
    people = ([lead] if lead else []) + list(supports)
    strangers = [p.display_name for p in people if p.pk not in ids]
    if strangers:
        raise ValidationError(
            {
                "lead": ValidationError(
                    f"Only facilitators of this group can facilitate its sessions: {', '.join(strangers)}.",
                    code="not_group_facilitator",
                )
            }
        )
    if lead and lead in supports:
        raise ValidationError(
            {
                "supports": ValidationError(
                    "The lead and the support facilitator must be different people.", code="lead_is_support"
                )
            }
        )


def _set_agenda(session: Session, lines: list[str]) -> None:
    session.agenda_items.all().delete()
    lines = [line.strip() for line in lines if line.strip()]
    AgendaItem.objects.bulk_create(
        [AgendaItem(session=session, position=i, text=line) for i, line in enumerate(lines, start=1)]
    )


def _set_breaks(session: Session, breaks: list[BreakPlan]) -> None:
    session.breaks.all().delete()
    for plan in breaks:
        if not (
            session.starts_at <= plan.starts_at and plan.starts_at + timedelta(minutes=plan.minutes) <= session.ends_at
        ):
            raise ValidationError(
                {
                    "breaks": ValidationError(
                        "Each break must fall between the start and the end of the session.", code="break_outside"
                    )
                }
            )
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


def _venue_error() -> ValidationError:
    return ValidationError(
        {"venue": ValidationError("Choose one of your organisation's venues.", code="venue_of_another_organisation")}
    )


def _venue_retired_error() -> ValidationError:
    return ValidationError(
        {"venue": ValidationError("This venue is no longer used. Choose another venue.", code="venue_retired")}
    )


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
    preparation_minutes: int = 0,
    lead: User | None = None,
    supports: list[User] | None = None,
    agenda: list[str] | None = None,
    breaks: list[BreakPlan] | None = None,
    repeat_weeks: int = 1,
    recording_history: bool = False,
) -> list[Session]:
    """Creates a draft session, or a weekly series of drafts in one step (each editable on its own later).
    Facilitators must be facilitators of the group, lead and support different people. The venue must belong
    to the group's organisation. Every session of it falls from today up to SESSION_MAX_DAYS_AHEAD days ahead
    (`recording_history` lets a session that has happened be recorded, from HISTORY_EARLIEST); texts, agenda
    and breaks are bounded as the builder says. Everything is written in one transaction, or nothing. One
    audit event names the first session and lists the series."""
    supports = list(supports or [])
    if not 1 <= repeat_weeks <= MAX_SERIES_WEEKS:
        raise ValidationError(
            {"repeat_weeks": ValidationError(f"Choose between 1 and {MAX_SERIES_WEEKS} weeks.", code="series_length")}
        )
    _check_dates(starts_at, ends_at, weeks=repeat_weeks, recording_history=recording_history)
    _check_texts({"title": title, "purpose": purpose, "content_note": content_note, "joining_link": joining_link})
    _check_agenda_and_breaks(agenda, breaks)
    _check_preparation_minutes(preparation_minutes)
    if venue is not None and venue.organisation_id != group.organisation_id:
        raise _venue_error()
    if venue is not None and venue.retired_at is not None:
        raise _venue_retired_error()
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
            preparation_minutes=preparation_minutes or 0,
            created_by=acting_user,
        )
        session.full_clean()
        session.save()
        _set_agenda(session, agenda or [])
        _set_breaks(session, [BreakPlan(_shift_local(b.starts_at, week), b.minutes) for b in (breaks or [])])
        _set_facilitators(session, lead, supports)
        created.append(session)
    audit(
        action="session.created",
        actor=acting_user,
        session=created[0],
        data={
            "group_id": group.pk,
            "series_id": series.pk if series else None,
            "session_ids": [s.pk for s in created],
        },
    )
    return created


def _shift_local(moment: datetime, weeks: int) -> datetime:
    """Same wall-clock time N weeks later, so a 10:00 session stays at 10:00 across the clocks changing."""
    if weeks == 0:
        return moment
    local = timezone.localtime(moment)
    naive = local.replace(tzinfo=None) + timedelta(weeks=weeks)
    return timezone.make_aware(naive, timezone.get_current_timezone())


# The fields the session builder offers; nothing else can be changed through session_update.
UPDATABLE_FIELDS = frozenset(
    {
        "title",
        "purpose",
        "starts_at",
        "ends_at",
        "format",
        "venue",
        "joining_link",
        "capacity",
        "content_note",
        "preparation_days",
        "preparation_minutes",
    }
)


@transaction.atomic
def session_update(
    *,
    session: Session,
    acting_user: User,
    lead: User | None = None,
    supports: list[User] | None = None,
    agenda: list[str] | None = None,
    breaks: list[BreakPlan] | None = None,
    recording_history: bool = False,
    **fields,
) -> Session:
    """Edits one session (even one of a series). A published session keeps the two-facilitator rule: the
    builder cannot save it without a lead and a support. More places promote people from the waiting list.
    Only the builder's fields can be changed (not the status, nor who created it). A session moved to another
    day is bounded as a new one is (`recording_history` for one that has happened); one that keeps its day
    keeps it, even if that day has passed."""
    from .answers import promote_from_waiting_list

    unknown = set(fields) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"session_update cannot change {', '.join(sorted(unknown))}")
    session = lock(session)
    if session.is_cancelled:
        raise ValidationError("This session has been cancelled and can no longer be changed.", code="session_cancelled")
    starts_at, ends_at = fields.get("starts_at", session.starts_at), fields.get("ends_at", session.ends_at)
    if _local_day(starts_at) != _local_day(session.starts_at):
        _check_dates(starts_at, ends_at, weeks=1, recording_history=recording_history)
    else:
        _check_length(starts_at, ends_at)
    _check_texts(fields)
    _check_agenda_and_breaks(agenda, breaks)
    if "preparation_minutes" in fields:
        fields["preparation_minutes"] = fields["preparation_minutes"] or 0
        _check_preparation_minutes(fields["preparation_minutes"])
    venue = fields.get("venue")
    if venue is not None and venue.organisation_id != session.group.organisation_id:
        raise _venue_error()
    if venue is not None and venue.retired_at is not None and venue.pk != session.venue_id:
        raise _venue_retired_error()  # a session already there keeps it; no other moves there
    changed = []
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(session, name) != value:
            changed.append(name)
        setattr(session, name, value)
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
            raise ValidationError(
                {
                    "supports": ValidationError(
                        "A published session needs a lead and a support facilitator.", code="needs_two_facilitators"
                    )
                }
            )
        _set_facilitators(session, lead, supports)
    promoted = promote_from_waiting_list(session)
    audit(
        action="session.updated",
        actor=acting_user,
        session=session,
        data={"fields": sorted(changed), "promoted": len(promoted)},
    )
    return session


def facilitator_rule_problems(*, session: Session) -> list[str]:
    """What stops the session meeting the two-facilitator rule, in plain words (empty when it holds)."""
    places = list(session.facilitators.filter(withdrawn_at__isnull=True))
    group_facilitators = group_facilitator_ids(session.group_id)
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
    same moment is either seen or waits. Publishing twice changes nothing."""
    session = lock(session)
    if session.is_published:
        return session
    if session.is_cancelled:
        raise ValidationError("A cancelled session cannot be published.", code="session_cancelled")
    if session.has_started:
        raise ValidationError(
            "This session has already started. Change its date before publishing it.", code="session_started"
        )
    problems = facilitator_rule_problems(session=session)
    if problems:
        raise ValidationError(
            [
                ValidationError(message, code="needs_two_facilitators")
                for message in ["Every session needs two facilitators: one to lead and one to support.", *problems]
            ]
        )
    session.status = Session.Status.PUBLISHED
    session.published_at = timezone.now()
    session.full_clean()
    session.save(update_fields=["status", "published_at"])
    notify.session_published(session=session)
    audit(action="session.published", actor=acting_user, session=session)
    send_on_commit(events.session_published, sender=Session, session=session, acting_user_id=acting_user.pk)
    return session


@transaction.atomic
def session_cancel(*, session: Session, reason: str, acting_user: User) -> Session:
    """Cancelling tells everyone who said yes (including the waiting list), after the transaction commits, and
    withdraws pending support requests. A session that has happened cannot be cancelled."""
    session = lock(session)
    if session.is_cancelled:
        return session
    if session.has_ended:
        raise ValidationError("This session has already happened, so it cannot be cancelled.", code="session_ended")
    reason = reason.strip()
    if not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    "Say briefly why the session is cancelled; members will see it.", code="reason_required"
                )
            }
        )
    session.status = Session.Status.CANCELLED
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason
    session.save(update_fields=["status", "cancelled_at", "cancel_reason"])
    withdrawn = SupportRequest.objects.filter(session=session, status=SupportRequest.Status.PENDING).update(
        status=SupportRequest.Status.WITHDRAWN
    )
    notify.session_cancelled(session=session)
    audit(
        action="session.cancelled",
        actor=acting_user,
        session=session,
        data={"support_requests_withdrawn": withdrawn},
    )
    send_on_commit(events.session_cancelled, sender=Session, session=session, acting_user_id=acting_user.pk)
    return session


@transaction.atomic
def facilitator_withdraw(*, session: Session, user: User, acting_user: User, reason: str = "") -> SessionFacilitator:
    """A facilitator steps back from a session. Allowed at any time (people get ill); a published session that
    then breaks the two-facilitator rule shows as at risk to the group's facilitators and the organisation
    admin. The session row is locked, so two withdrawals at the same moment are applied one after the other."""
    session = lock(session)
    place = (
        SessionFacilitator.objects.select_for_update()
        .filter(session=session, user=user, withdrawn_at__isnull=True)
        .first()
    )
    if place is None:
        raise ValidationError("You are not facilitating this session.", code="not_facilitating")
    place.withdrawn_at = timezone.now()
    place.withdrawal_reason = reason.strip()[:200]
    place.save(update_fields=["withdrawn_at", "withdrawal_reason"])
    audit(
        action="facilitator.withdrawn",
        actor=acting_user,
        session=session,
        obj=place,
        data={"session_id": session.pk, "person_id": user.pk, "role": place.role},
    )
    return place


@transaction.atomic
def facilitator_join(*, session: Session, user: User, role: str, acting_user: User) -> SessionFacilitator:
    """A group facilitator steps in (for example to fix an at-risk session). One lead per session (database)."""
    session = lock(session)
    if user.pk not in group_facilitator_ids(session.group_id):
        raise ValidationError(
            "Only facilitators of this group can facilitate its sessions.", code="not_group_facilitator"
        )
    if session.facilitators.filter(user=user, withdrawn_at__isnull=True).exists():
        raise ValidationError("You are already facilitating this session.", code="already_facilitating")
    if (
        role == FacilitatorRole.LEAD
        and session.facilitators.filter(role=FacilitatorRole.LEAD, withdrawn_at__isnull=True).exists()
    ):
        raise ValidationError("This session already has a lead facilitator.", code="lead_taken")
    place = SessionFacilitator.objects.create(session=session, user=user, role=role)
    audit(
        action="facilitator.joined",
        actor=acting_user,
        session=session,
        obj=place,
        data={"session_id": session.pk, "person_id": user.pk, "role": role},
    )
    return place


@transaction.atomic
def preparation_add(
    *, session: Session, title: str, text: str = "", file=None, acting_user: User
) -> PreparationMaterial:
    """Preparation material is shared with members `preparation_days` before the session."""
    material = PreparationMaterial(session=session, title=title.strip(), text=text.strip(), added_by=acting_user)
    if file:
        material.file = file
    material.full_clean()
    material.save()
    audit(
        action="preparation.added",
        actor=acting_user,
        session=session,
        obj=material,
        data={"session_id": session.pk, "has_file": bool(material.file)},
    )
    return material


VENUE_FIELDS = frozenset({"name", "address", "step_free", "parking", "baby_changing", "quiet_room", "access_notes"})


@transaction.atomic
def venue_update(*, venue: Venue, acting_user: User, **fields) -> Venue:
    """Changes a venue's details (only these: name, address and what people need to know to get in); the name
    stays unique in the organisation. A retired venue is not changed. The trail records which fields changed."""
    unknown = set(fields) - VENUE_FIELDS
    if unknown:
        raise TypeError(f"venue_update cannot change {', '.join(sorted(unknown))}")
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if venue.retired_at is not None:
        raise ValidationError("This venue is no longer used, so it cannot be changed.", code="venue_retired")
    changed = []
    for name, value in fields.items():
        value = value.strip() if isinstance(value, str) else value
        if getattr(venue, name) != value:
            changed.append(name)
            setattr(venue, name, value)
    venue.full_clean()
    venue.save()
    if changed:
        audit_record(
            action="venue.updated",
            actor=acting_user,
            obj=venue,
            organisation_id=venue.organisation_id,
            data={"fields": sorted(changed)},
        )
    return venue


@transaction.atomic
def venue_retire(*, venue: Venue, acting_user: User) -> Venue:
    """Retires a venue: it is no longer offered for new sessions, and no session moves there, but sessions
    already there keep it (their history stays true). Retiring twice changes nothing the second time."""
    venue = Venue.objects.select_for_update().get(pk=venue.pk)
    if venue.retired_at is None:
        venue.retired_at = timezone.now()
        venue.save(update_fields=["retired_at"])
        upcoming = Session.objects.filter(venue=venue, starts_at__gte=venue.retired_at).count()
        audit_record(
            action="venue.retired",
            actor=acting_user,
            obj=venue,
            organisation_id=venue.organisation_id,
            data={"sessions_to_come_there": upcoming},
        )
    return venue
