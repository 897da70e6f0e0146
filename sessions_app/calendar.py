"""iCalendar output (the icalendar library): a person's private feed and a one-session download.

What people typed goes through `_one_line` or `_text` first: a line break or control character already stored in
a title, a venue or a name (from before forms refused them, or from the admin site) must not make a broken
content line, or a server error in place of the file."""

import unicodedata

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vText

from core.validators import is_url_token

from .models import Session


def is_feed_token(token: str) -> bool:
    """Whether `token` could be a private calendar address's token (services.calendar_feeds makes them with
    secrets.token_urlsafe), before anything asks the database about it."""
    return is_url_token(token)


def _text(value: str) -> str:
    """Multi-line text without control characters (line breaks kept; icalendar escapes them)."""
    value = (value or "").replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n").replace("\u2029", "\n")
    return "".join(c for c in value if c == "\n" or unicodedata.category(c) != "Cc")


def _one_line(value: str) -> str:
    """One line: every line break or other control character becomes a space, and runs of spaces one."""
    value = "".join(" " if unicodedata.category(c) == "Cc" or c in "\u2028\u2029" else c for c in value or "")
    return " ".join(value.split())


def _calendar(name: str) -> Calendar:
    name = _one_line(name)
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
    title = _one_line(f"{'CANCELLED: ' if session.is_cancelled else ''}{session.title} ({session.group.name})")
    event.add("summary", title)
    description = [_text(session.purpose)]
    if session.content_note:
        description.append(f"Content note: {_text(session.content_note)}")
    if show_link and session.joining_link:
        description.append(f"Join online: {_one_line(session.joining_link)}")
    description.append(settings.SITE_URL.rstrip("/") + session.get_absolute_url())
    event.add("description", "\n\n".join(description))
    if session.venue_id:
        address = ", ".join(line.strip() for line in _text(session.venue.address).splitlines() if line.strip())
        event["location"] = vText(_one_line(f"{session.venue.name}, {address}"))
    elif show_link and session.joining_link:
        event["location"] = vText(_one_line(session.joining_link))
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
