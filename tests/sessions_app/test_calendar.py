"""iCalendar output: one session and a person's feed, read back with the icalendar library."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from icalendar import Calendar

from sessions_app import calendar, selectors, services
from sessions_app.models import Answer, Session

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
WINTER = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)  # GMT: 10:00 UTC
SUMMER = datetime(2030, 7, 1, 18, 30, tzinfo=LONDON)  # BST: 17:30 UTC
LINK = "https://meet.example.test/bayside-mothers-group-planning-session"


@pytest.fixture(autouse=True)
def pinned_now():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def make(group_with_members, facilitator, facilitator2, venue):
    def build(title, starts_at, *, format=Session.Format.IN_PERSON, link="", with_venue=True, publish=True):
        [session] = services.session_create(
            group=group_with_members,
            acting_user=facilitator,
            title=title,
            purpose="Plan the summer fun day together.",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            format=format,
            venue=venue if with_venue else None,
            joining_link=link,
            lead=facilitator,
            supports=[facilitator2],
        )
        if publish:
            services.session_publish(session=session, acting_user=facilitator)
        # as a view or the feed would load it
        return Session.objects.select_related("group", "venue").get(pk=session.pk)

    return build


def events(ics: bytes) -> dict[str, object]:
    cal = Calendar.from_ical(ics)
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def unfolded(ics: bytes) -> str:
    """The text with long lines joined again, so a link split over two lines can be found."""
    return ics.decode().replace("\r\n ", "")


def test_single_session(make, group_with_members):
    session = make("Planning the fun day", SUMMER)

    ics = calendar.single(session, show_link=False)

    cal = Calendar.from_ical(ics)
    assert str(cal["VERSION"]) == "2.0"
    [event] = cal.walk("VEVENT")
    assert str(event["UID"]) == f"session-{session.pk}@coprod"
    assert str(event["SUMMARY"]) == f"Planning the fun day ({group_with_members.name})"
    # stored in UTC and written in UTC: 18:30 in London in July is 17:30 UTC
    start, end = event.decoded("DTSTART"), event.decoded("DTEND")
    assert start == session.starts_at
    assert end == session.ends_at
    assert start.utcoffset() == timedelta(0)
    assert "DTSTART:20300701T173000Z" in unfolded(ics)
    assert "DTEND:20300701T193000Z" in unfolded(ics)
    assert str(event["LOCATION"]) == "Bayside Family Hub, 12 Harbour Road, Bayside BS1 2AB"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]) == settings.SITE_URL.rstrip("/") + session.get_absolute_url()
    assert "Plan the summer fun day together." in str(event["DESCRIPTION"])


def test_winter_times_are_utc_too(make):
    session = make("Winter meeting", WINTER)

    ics = calendar.single(session, show_link=False)

    assert "DTSTART:20300301T100000Z" in unfolded(ics)
    assert events(ics)[f"session-{session.pk}@coprod"].decoded("DTSTART") == WINTER


def test_the_joining_link_only_with_show_link(make):
    session = make("Online catch-up", WINTER, format=Session.Format.ONLINE, link=LINK, with_venue=False)

    hidden = calendar.single(session, show_link=False)
    shown = calendar.single(session, show_link=True)

    assert LINK not in unfolded(hidden)
    assert "LOCATION" not in events(hidden)[f"session-{session.pk}@coprod"]
    event = events(shown)[f"session-{session.pk}@coprod"]
    assert str(event["LOCATION"]) == LINK
    assert f"Join online: {LINK}" in str(event["DESCRIPTION"])


def test_a_hybrid_session_shows_the_venue_and_the_link_only_to_a_yes(make):
    session = make("Hybrid meeting", WINTER, format=Session.Format.HYBRID, link=LINK)

    hidden = calendar.single(session, show_link=False)
    shown = calendar.single(session, show_link=True)

    assert str(events(hidden)[f"session-{session.pk}@coprod"]["LOCATION"]).startswith("Bayside Family Hub")
    assert LINK not in unfolded(hidden)
    assert str(events(shown)[f"session-{session.pk}@coprod"]["LOCATION"]).startswith("Bayside Family Hub")
    assert f"Join online: {LINK}" in unfolded(shown)


def test_a_cancelled_session(make, facilitator):
    session = make("Cancelled meeting", WINTER)
    services.session_cancel(session=session, reason="The hall is flooded.", acting_user=facilitator)
    session.refresh_from_db()

    event = events(calendar.single(session, show_link=False))[f"session-{session.pk}@coprod"]

    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["SUMMARY"]).startswith("CANCELLED: Cancelled meeting")


def test_feed_links_only_for_sessions_the_person_said_yes_to(make, parent, facilitator):
    # given an in-person session, two online ones (the parent said yes to one) and a cancelled one
    in_person = make("In person", WINTER)
    said_yes = make(
        "Online, said yes", WINTER + timedelta(days=7), format=Session.Format.ONLINE, link=LINK + "-a", with_venue=False
    )
    not_yes = make(
        "Online, no answer",
        WINTER + timedelta(days=14),
        format=Session.Format.ONLINE,
        link=LINK + "-b",
        with_venue=False,
    )
    cancelled = make("Called off", WINTER + timedelta(days=21))
    services.rsvp_answer(session=said_yes, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=not_yes, user=parent, answer=Answer.MAYBE)
    services.session_cancel(session=cancelled, reason="Half term", acting_user=facilitator)
    make("Still a draft", WINTER + timedelta(days=28), publish=False)

    # when, as the feed view would build it
    sessions = selectors.calendar_sessions(user=parent)
    ics = calendar.feed(sessions, name="My coprod sessions", yes_session_ids={said_yes.pk})

    # then
    cal = Calendar.from_ical(ics)
    assert str(cal["X-WR-CALNAME"]) == "My coprod sessions"
    found = events(ics)
    assert set(found) == {f"session-{s.pk}@coprod" for s in (in_person, said_yes, not_yes, cancelled)}
    text = unfolded(ics)
    assert LINK + "-a" in text
    assert LINK + "-b" not in text
    assert str(found[f"session-{said_yes.pk}@coprod"]["LOCATION"]) == LINK + "-a"
    assert "LOCATION" not in found[f"session-{not_yes.pk}@coprod"]
    assert str(found[f"session-{in_person.pk}@coprod"]["LOCATION"]).startswith("Bayside Family Hub")
    assert str(found[f"session-{cancelled.pk}@coprod"]["STATUS"]) == "CANCELLED"
    assert {str(found[f"session-{s.pk}@coprod"]["STATUS"]) for s in (in_person, said_yes, not_yes)} == {"CONFIRMED"}
    for s in (in_person, said_yes, not_yes, cancelled):
        event = found[f"session-{s.pk}@coprod"]
        assert event.decoded("DTSTART") == s.starts_at
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)


def test_an_empty_feed_still_parses():
    ics = calendar.feed([], name="Nothing yet", yes_session_ids=set())

    cal = Calendar.from_ical(ics)
    assert cal.walk("VEVENT") == []
    assert str(cal["X-WR-CALNAME"]) == "Nothing yet"
