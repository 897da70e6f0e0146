"""Every URL of the help-to-come pages (views/help.py) for each kind of person: signed out -> sign in;
another organisation -> 404; inside it without a place to answer -> 403; a member -> the page (or, where the
page needs an earlier step, a redirect to it; a page only posted to -> 405). A one-tap grant opens them for its
own session only."""

from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from groups.models import Membership
from sessions_app import services
from sessions_app.answer_links import answer_links
from sessions_app.models import Answer

LOGIN = "/accounts/login/"
HELP_URLS = [
    ("help_start", ()),
    ("help_check", ()),
    ("help_done", ()),
    ("help_restore", ()),
    ("help_question", ("childcare",)),
    ("cant_come", ()),
]
# What a member gets on GET: the page, a redirect to the journey's start (nothing ticked yet), or 405 (post only).
MEMBER_GETS = {
    "help_start": 200,
    "help_check": 302,
    "help_done": 200,
    "help_restore": 405,
    "help_question": 302,
    "cant_come": 200,
}
REFUSED = {"anonymous": "login", "outsider": 404, "other_parent": 403, "org_admin": 403}
MEMBERS = ["parent", "professional", "facilitator"]


@pytest.fixture
def session(make_session):
    return make_session()


@pytest.fixture
def people(parent, professional, facilitator, org_admin, outsider, other_parent):
    return {
        "anonymous": None,
        "outsider": outsider,
        "other_parent": other_parent,
        "parent": parent,
        "professional": professional,
        "facilitator": facilitator,
        "org_admin": org_admin,
    }


def outcome(response):
    if response.status_code == 302 and response.url.startswith(LOGIN):
        return "login"
    return response.status_code


@pytest.mark.parametrize("name,args", HELP_URLS)
@pytest.mark.parametrize("role", list(REFUSED) + MEMBERS)
def test_help_pages_answer_each_role(client, session, people, role, name, args):
    if people[role] is not None:
        client.force_login(people[role])

    response = client.get(reverse(f"sessions_app:{name}", args=[session.pk, *args]))

    assert outcome(response) == REFUSED.get(role, MEMBER_GETS[name])
    if response.status_code == 302 and role in MEMBERS:
        assert response.url == reverse("sessions_app:help_start", args=[session.pk])


@pytest.mark.parametrize("name,args", HELP_URLS)
def test_refused_people_cannot_post_to_help_pages(client, session, people, name, args):
    for role in ("outsider", "other_parent", "org_admin"):
        client.force_login(people[role])
        response = client.post(reverse(f"sessions_app:{name}", args=[session.pk, *args]), {"help": ["travel"]})
        assert response.status_code == REFUSED[role]
    client.logout()
    response = client.post(reverse(f"sessions_app:{name}", args=[session.pk, *args]), {"help": ["travel"]})
    assert outcome(response) == "login"


@pytest.mark.parametrize("name,args", HELP_URLS)
def test_a_one_tap_grant_opens_its_own_session_only(client, make_session, session, parent, name, args):
    other = make_session()
    yes, _ = answer_links(session=session, person=parent)
    client.post(urlparse(yes).path, {})
    services.rsvp_answer(session=other, user=parent, answer=Answer.YES)

    mine = client.get(reverse(f"sessions_app:{name}", args=[session.pk, *args]))
    elsewhere = client.get(reverse(f"sessions_app:{name}", args=[other.pk, *args]))
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        later = client.get(reverse(f"sessions_app:{name}", args=[session.pk, *args]))

    assert outcome(mine) == MEMBER_GETS[name]
    assert outcome(elsewhere) == "login"
    assert outcome(later) == "login"


def test_a_grant_is_refused_once_the_person_has_left_the_group(client, session, parent, group_with_members):
    yes, _ = answer_links(session=session, person=parent)
    client.post(urlparse(yes).path, {})
    Membership.objects.filter(user=parent, group=group_with_members).update(left_at=timezone.now())

    assert outcome(client.get(reverse("sessions_app:help_start", args=[session.pk]))) == "login"
