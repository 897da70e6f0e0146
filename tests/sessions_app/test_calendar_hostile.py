"""A line break or control character already stored in a title, a venue or a name (from before the forms refused
them, or typed in the admin site) breaks neither the calendar downloads nor the emails about the session."""

import pytest
from django.urls import reverse
from icalendar import Calendar

from groups.models import User
from notifications.models import Message as LoggedMessage
from notifications.services import message_deliver, message_send
from sessions_app import services
from sessions_app.models import Answer, Session, Venue

HOSTILE_TITLE = "Planning\r\nday\nBEGIN:VEVENT\x1b\u2028end"  # PostgreSQL stores no NUL


@pytest.fixture
def hostile(make_session, parent):
    session = make_session()
    # stored around the forms, as old rows or the admin site could have them
    Session.objects.filter(pk=session.pk).update(title=HOSTILE_TITLE, purpose="Line one\r\nLine two\x07")
    Venue.objects.filter(pk=session.venue_id).update(name="Main\nHall", address="1 High St\r\nTown\x07")
    User.objects.filter(pk=parent.pk).update(preferred_name="Pat\nBCC: x@example.test", full_name="Pat\rParent")
    session.refresh_from_db()
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    return session


def events_of(content: bytes):
    calendar = Calendar.from_ical(content)
    return [c for c in calendar.walk() if c.name == "VEVENT"]


def test_the_session_download_survives_a_stored_line_break(client, hostile, parent):
    client.force_login(parent)

    response = client.get(reverse("sessions_app:session_ics", args=[hostile.pk]))

    assert response.status_code == 200
    content = response.content
    assert b"\x00" not in content and b"\x1b" not in content
    # every content line is whole: no bare CR or LF inside one
    assert all(b"\r" not in line and b"\n" not in line for line in content.split(b"\r\n"))
    (event,) = events_of(content)
    assert str(event["summary"]).startswith("Planning day BEGIN:VEVENT end")
    assert "\n" not in str(event["summary"]) and "\n" not in str(event["location"])
    assert str(event["location"]) == "Main Hall, 1 High St, Town"
    assert "Line one\nLine two" in str(event["description"])


def test_the_private_feed_survives_a_stored_line_break(client, hostile, parent):
    feed = services.calendar_feed_get_or_create(user=parent)

    response = client.get(reverse("sessions_app:calendar_feed", args=[feed.token]))

    assert response.status_code == 200
    assert len(events_of(b"".join(response) if response.streaming else response.content)) == 1


def test_an_email_whose_subject_holds_a_line_break_is_sent_not_stuck(
    hostile, parent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        (message,) = message_send(
            kind="groups.invitation",
            key="hostile-subject",
            person=parent,
            subject=f"A place is free for you: {hostile.title}",
            body="Hello",
        )

    message.refresh_from_db()
    assert message.status == LoggedMessage.Status.SENT, message.error
    assert "\n" not in mailoutbox[-1].subject and "\r" not in mailoutbox[-1].subject


def test_a_logged_subject_with_a_line_break_still_goes(hostile, parent, mailoutbox):
    """A row logged before subjects were made one line is sent, not failed with a header error."""
    (message,) = message_send(kind="groups.invitation", key="old-row", person=parent, subject="ok", body="Hello")
    LoggedMessage.objects.filter(pk=message.pk).update(subject="Old\r\nsubject")

    assert message_deliver(message_id=message.pk) == "sent"
    assert mailoutbox[-1].subject == "Old subject"
