"""Permission tests for the pages no other permission test requests (the URL-coverage check in
tests/url_coverage.py names them): each against every kind of person.

Two of them need no sign-in, because a secret in the address is the proof: the private calendar feed (calendar
apps cannot sign in) and the one-tap answer link in an invitation. For those the matrix is about the secret:
whoever holds a good one gets the page; a made-up, tampered or retired one is a 404 to everyone.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from sessions_app import services
from sessions_app.answer_links import answer_token
from sessions_app.models import Answer, Rsvp
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
START = datetime(2031, 3, 20, 10, 0, tzinfo=LONDON)
PLANNED = START - timedelta(days=10)
SHARED = START - timedelta(days=2)  # preparation is shared three days before
LOGIN = "/accounts/login/"

PEOPLE = ["anonymous", "outsider", "dad", "parent", "professional", "facilitator"]


@pytest.fixture
def everyone(group_with_members, other_group, outsider, dad):
    """Everyone in the matrix exists before anyone opens a page."""
    return group_with_members


@pytest.fixture
def session(everyone, facilitator, facilitator2, venue):
    with time_machine.travel(PLANNED, tick=False):
        return plan_session(everyone, facilitator, facilitator2, starts_at=START, venue=venue, preparation_days=3)


def sign_in(client, request, person):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))


# --- a preparation file: the session's members, once it is shared ----------------------------------------


@pytest.fixture
def material(session, facilitator, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(PLANNED, tick=False):
        return services.preparation_add(
            session=session,
            title="Draft plan",
            text="Have a look before we meet.",
            file=SimpleUploadedFile("plan.txt", b"The draft plan."),
            acting_user=facilitator,
        )


PREPARATION_FILE = {
    "anonymous": LOGIN,
    "outsider": 404,
    "dad": 403,
    "parent": 200,
    "professional": 200,
    "facilitator": 200,
}


@pytest.mark.parametrize(("person", "expected"), PREPARATION_FILE.items())
def test_preparation_file(client, request, material, person, expected):
    url = reverse("sessions_app:preparation_file", args=[material.session_id, material.pk])

    with time_machine.travel(SHARED, tick=False):  # signed in then, so the sign-in has not expired
        sign_in(client, request, person)
        response = client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == expected
    if expected == 200:
        assert b"".join(response.streaming_content) == b"The draft plan."


def test_preparation_file_of_another_session_is_not_found(client, material, session, facilitator, facilitator2):
    with time_machine.travel(PLANNED, tick=False):
        other = plan_session(
            session.group, facilitator, facilitator2, starts_at=START + timedelta(days=7), venue=session.venue
        )

    with time_machine.travel(SHARED, tick=False):
        client.force_login(facilitator)
        response = client.get(reverse("sessions_app:preparation_file", args=[other.pk, material.pk]))

    assert response.status_code == 404


# --- the private calendar feed: the token is the proof ------------------------------------------------------


@pytest.fixture
def feed_token(session, parent):
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    return services.calendar_feed_get_or_create(user=parent).token


@pytest.mark.parametrize("person", PEOPLE)
def test_calendar_feed_opens_for_whoever_holds_the_token(client, request, feed_token, session, person):
    sign_in(client, request, person)

    response = client.get(reverse("sessions_app:calendar_feed", args=[feed_token]))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert session.title in response.content.decode()


@pytest.mark.parametrize("person", PEOPLE)
def test_calendar_feed_with_a_made_up_or_retired_token_is_not_found(client, request, feed_token, parent, person):
    services.calendar_feed_renew(user=parent)
    sign_in(client, request, person)

    assert client.get(reverse("sessions_app:calendar_feed", args=["made-up-token"])).status_code == 404
    assert client.get(reverse("sessions_app:calendar_feed", args=[feed_token])).status_code == 404


# --- the one-tap answer link: the signed token is the proof -------------------------------------------------


def one_tap(session, person, answer=Answer.YES):
    return reverse("sessions_app:one_tap_answer", args=[answer_token(session=session, person=person, answer=answer)])


@pytest.mark.parametrize("person", PEOPLE)
def test_one_tap_link_asks_its_holder_to_confirm_unless_someone_else_is_signed_in(
    client, request, session, parent, person
):
    """Signed out, or signed in as the person it is for: a confirm page. Signed in as anyone else: refused
    (issue 9: the link is bound to its person)."""
    sign_in(client, request, person)

    response = client.get(one_tap(session, parent))

    assert response.status_code == (200 if person in ("anonymous", "parent") else 403)
    assert not Rsvp.objects.filter(session=session).exists()


@pytest.mark.parametrize("person", PEOPLE)
def test_one_tap_link_tampered_or_for_an_answer_it_cannot_give_is_not_found(client, request, session, parent, person):
    sign_in(client, request, person)
    token = one_tap(session, parent).rstrip("/").rsplit("/", 1)[1]
    tampered = reverse("sessions_app:one_tap_answer", args=[token[:-1] + ("a" if token[-1] != "a" else "b")])

    assert client.get(tampered).status_code == 404
    assert client.post(tampered).status_code == 404
    assert client.get(one_tap(session, parent, Answer.MAYBE)).status_code == 404
    assert not Rsvp.objects.filter(session=session).exists()
