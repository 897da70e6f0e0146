"""Who may open the check-out page and undo a check-in (issue 11, item 5): the session's facilitators and the
organisation's admins. Anonymous visitors are sent to sign in; another organisation gets 404; members without
the right get 403, and a refused undo changes nothing."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sessions_app import services
from sessions_app.models import Answer, CheckIn, Session

LONDON = ZoneInfo("Europe/London")
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)
DURING = START + timedelta(minutes=2)
LOGIN = "/accounts/login/"

EXPECTED = {
    "anonymous": 302,
    "outsider": 404,
    "dad": 403,
    "parent": 403,
    "professional": 403,
    "facilitator": 200,
    "facilitator2": 200,
    "org_admin": 200,
}


@pytest.fixture(autouse=True)
def pinned_now():
    """Everything is made (and everyone signs in) nine days before the session."""
    with time_machine.travel(START - timedelta(days=9), tick=False):
        yield


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, parent):
    [s] = services.session_create(
        group=group_with_members,
        acting_user=facilitator,
        title="Planning the summer fun day",
        purpose="Decide together what families need on the day.",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/summer",
        lead=facilitator,
        supports=[facilitator2],
    )
    s = services.session_publish(session=s, acting_user=facilitator)
    services.rsvp_answer(session=s, user=parent, answer=Answer.YES)
    return s


def sign_in_as(request, client, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))


def assert_answer(response, expected):
    if expected == 302:
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("role,expected", EXPECTED.items())
def test_the_check_out_page_per_role(request, client, session, role, expected):
    sign_in_as(request, client, role)
    with time_machine.travel(DURING, tick=False):
        response = client.get(reverse("sessions_app:checkout_screen", args=[session.pk]))
    assert_answer(response, expected)


@pytest.mark.parametrize("role,expected", EXPECTED.items())
def test_undo_a_check_in_per_role(request, client, session, facilitator, parent, role, expected):
    with time_machine.travel(DURING, tick=False):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    sign_in_as(request, client, role)
    url = reverse("sessions_app:checkin_undo", args=[session.pk])
    with time_machine.travel(DURING + timedelta(minutes=1), tick=False):
        got = client.get(url)
        posted = client.post(url, {"person": parent.pk})
    if expected == 200:
        assert got.status_code == 405  # only posted to
        assert posted.status_code == 302 and not posted["Location"].startswith(LOGIN)
        assert not CheckIn.objects.filter(session=session, user=parent).exists()
    else:
        assert_answer(got, expected)
        assert_answer(posted, expected)
        assert CheckIn.objects.filter(session=session, user=parent).exists()


@pytest.mark.parametrize("role,expected", EXPECTED.items())
def test_check_out_posts_per_role(request, client, session, facilitator, parent, role, expected):
    with time_machine.travel(DURING, tick=False):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    sign_in_as(request, client, role)
    with time_machine.travel(DURING + timedelta(minutes=30), tick=False):
        posted = client.post(
            reverse("sessions_app:checkout_screen", args=[session.pk]),
            {"action": "checkout", "person": parent.pk, f"out-{parent.pk}-feeling": "4"},
        )
    checked_out = CheckIn.objects.get(session=session, user=parent).checked_out_at is not None
    if expected == 200:
        assert posted.status_code == 302 and checked_out
    else:
        assert_answer(posted, expected)
        assert not checked_out
