"""iCalendar output (the icalendar library): a person's private feed and a one-session download."""

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from .models import Session


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", "-//coprod//sessions//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _event(session: Session, *, show_link: bool) -> Event:
    event = Event()
    event.add("uid", f"session-{session.pk}@coprod")
    event.add("dtstamp", timezone.now())
    event.add("dtstart", session.starts_at)
    event.add("dtend", session.ends_at)
    event.add("summary", f"{'CANCELLED: ' if session.is_cancelled else ''}{session.title} ({session.group.name})")
    description = [session.purpose]
    if session.content_note:
        description.append(f"Content note: {session.content_note}")
    if show_link and session.joining_link:
        description.append(f"Join online: {session.joining_link}")
    description.append(settings.SITE_URL.rstrip("/") + session.get_absolute_url())
    event.add("description", "\n\n".join(description))
    if session.venue_id:
        event["location"] = vText(f"{session.venue.name}, {session.venue.address}".replace("\n", ", "))
    elif show_link and session.joining_link:
        event["location"] = vText(session.joining_link)
    event.add("status", "CANCELLED" if session.is_cancelled else "CONFIRMED")
    event.add("url", settings.SITE_URL.rstrip("/") + session.get_absolute_url())
    return event


def feed(sessions, *, name: str, yes_session_ids: set[int]) -> bytes:
    """The joining link only goes to people who said yes."""
    cal = _calendar(name)
    for session in sessions:
        cal.add_component(_event(session, show_link=session.pk in yes_session_ids))
    return cal.to_ical()


def single(session: Session, *, show_link: bool) -> bytes:
    cal = _calendar(session.title)
    cal.add_component(_event(session, show_link=show_link))
    return cal.to_ical()
