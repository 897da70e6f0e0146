"""Every page has its own descriptive title (WCAG 2.4.2; GOV.UK: "Error: " first when a form has problems).

Every GET page each role can reach (the URL x role table of tests/test_permissions_table.py, its world) is opened,
its <title> read, and no two URL patterns may share a title: a person with many tabs open, or a screen reader
user moving between pages, tells them apart by the title alone.
"""

import re
from collections import defaultdict
from html import unescape

import pytest
import time_machine
from django import forms
from django.forms import formset_factory
from django.template import Context, Template
from django.test import Client
from django.urls import reverse

from groups.models import User
from sessions_app.answer_links import answer_token
from sessions_app.models import Answer, Session
from tests import test_permissions_table
from tests.test_permissions_table import NOW, ROLES, TABLE, expected, url_of

world = test_permissions_table.world  # its module-scoped fixture, built once for this module too

# the account pages (django-allauth, with the project's templates), outside the URL x role table
ACCOUNT_PAGES = {
    "anonymous": [
        "/accounts/login/",
        "/accounts/login/code/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
        "/accounts/inactive/",
    ],
    "facilitator": [
        "/accounts/logout/",
        "/accounts/reauthenticate/",
        "/accounts/reauthenticate/code/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
    ],
}
TITLE = re.compile(r"<title>(.*?)</title>", re.S)


def title_of(response) -> str | None:
    if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
        return None
    match = TITLE.search(response.content.decode())
    assert match, f"{response.request['PATH_INFO']} has no <title>"
    return " ".join(unescape(match.group(1)).split())


@pytest.fixture(scope="module")
def titles(world, django_db_blocker):
    """title -> {route: [roles]}, for every page every role reaches with a 200 HTML answer."""
    found: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False):
        for role in ROLES:
            client = Client()
            if role != "anonymous":
                client.force_login(User.objects.get(pk=world["people"][role]))
            for route in TABLE:
                if expected(route, role) != "ok":
                    continue
                title = title_of(client.get(url_of(route, world)))
                if title is not None:
                    found[title][route].append(role)
            extra = list(ACCOUNT_PAGES.get(role, []))
            if role == "anonymous":  # a real one-tap answer link, from a reminder
                coming = Session.objects.get(pk=world["coming"])
                parent = User.objects.get(pk=world["people"]["parent"])
                extra.append(
                    reverse(
                        "sessions_app:one_tap_answer",
                        args=[answer_token(session=coming, person=parent, answer=Answer.YES)],
                    )
                )
            for path in extra:
                title = title_of(client.get(path))
                assert title is not None, f"{path} is not a page for {role}"
                found[title][path].append(role)
    return found


def test_every_page_title_names_the_page_and_the_service(titles):
    assert len(titles) > 40
    for title in titles:
        assert title.endswith(" – coprod"), title
        assert len(title) > len(" – coprod") + 3, f"an empty title: {title!r}"


def test_no_two_pages_share_a_title(titles):
    shared = {title: sorted(routes) for title, routes in titles.items() if len(routes) > 1}
    assert shared == {}, "\n".join(f"{title!r}: {routes}" for title, routes in shared.items())


def test_a_form_sent_back_with_problems_says_error_first(world, db):
    client = Client()
    with time_machine.travel(NOW, tick=False):
        client.force_login(User.objects.get(pk=world["people"]["facilitator"]))
        url = url_of("groups/new/", world)
        before = title_of(client.get(url))
        after = title_of(client.post(url, {"name": ""}))
    assert not before.startswith("Error: ")
    assert after == "Error: " + before


class _NameForm(forms.Form):
    name = forms.CharField()


@pytest.mark.parametrize(
    ("inner", "form", "expected_title"),
    [
        ("Start a group", _NameForm(), "Start a group"),  # not sent yet
        ("Start a group", _NameForm({"name": "Bees"}), "Start a group"),  # sent, no problem
        ("Start a group", _NameForm({"name": ""}), "Error: Start a group"),
        ("Error: Start a group", _NameForm({"name": ""}), "Error: Start a group"),  # said once, not twice
        (
            "Start a group",
            formset_factory(_NameForm)({"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0"}),
            "Start a group",
        ),
        (
            "Start a group",
            formset_factory(_NameForm, min_num=1, validate_min=True)(
                {"form-TOTAL_FORMS": "1", "form-INITIAL_FORMS": "0", "form-0-name": ""}
            ),
            "Error: Start a group",
        ),
    ],
)
def test_the_title_says_error_once_when_a_form_has_problems(inner, form, expected_title):
    template = Template("{% load govuk %}{% page_title %}\n  " + inner + " \n{% end_page_title %}")
    assert template.render(Context({"form": form})) == expected_title
