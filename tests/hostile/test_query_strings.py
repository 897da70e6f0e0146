"""The GET side: a NUL byte, a control character, a very long value, a far date or SQL-looking text in the query
string of a list page (its filters, its page number, a "next" address), or in an address's token, is never a
server error. Lists with filters show the problem in the filter form and still show the page."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sessions_app import services
from sessions_app.models import Answer

from .test_every_form import HOSTILE

VALUES = [
    "\x00",
    "a\x00b",
    "%00",
    "\x1b",
    "\u202e",
    "😀",
    "x" * 10_000,
    "-1",
    "0",
    "1e26",
    "99999999999999999999",
    "NaN",
    "0001-01-01",
    "9999-12-31",
    "31/12/9999",
    "' OR 1=1 --",
    "<script>alert(1)</script>",
    "//evil.example/",
    "",
]

# (URL name, who looks, URL arguments, query-string names the page reads)
LIST_PAGES = [
    (
        "organisations:audit_trail",
        "org_admin",
        lambda w: [w.organisation.pk],
        ["person", "action", "object", "date_from", "date_to", "page"],
    ),
    ("orgadmin:staff", "org_admin", lambda w: [w.organisation.pk], ["page"]),
    ("orgadmin:two_step_setup", "org_admin", lambda w: [], ["next"]),
    ("sessions_app:support_queue", "facilitator", lambda w: [], ["status", "page"]),
    ("sessions_app:follow_ups", "facilitator", lambda w: [], ["show", "page"]),
    ("sessions_app:group_sessions", "facilitator", lambda w: [w.group.pk], ["page"]),
    ("sessions_app:timeline", "facilitator", lambda w: [w.group.pk], ["page"]),
    ("sessions_app:glossary", "facilitator", lambda w: [w.group.pk], ["next"]),
    ("sessions_app:governance", "org_admin", lambda w: [], ["page"]),
    ("sessions_app:session_messages", "org_admin", lambda w: [w.session.pk], ["page"]),
    ("groups:list", "facilitator", lambda w: [], ["page"]),
    ("groups:members", "facilitator", lambda w: [w.group.pk], ["page"]),
]


@pytest.fixture
def w(organisation, org_admin, facilitator, parent, group_with_members, make_session):
    from types import SimpleNamespace

    session = make_session()
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    return SimpleNamespace(
        organisation=organisation,
        org_admin=org_admin,
        facilitator=facilitator,
        parent=parent,
        group=group_with_members,
        session=session,
    )


def _get(client, w, name, who, args, params) -> int:
    client.force_login(getattr(w, who))
    response = client.get(reverse(name, args=args(w)) + "?" + urlencode(params))  # raises on a server error
    assert response.status_code in (200, 302, 400, 404), (name, params, response.status_code)
    return response.status_code


@pytest.mark.parametrize(("name", "who", "args", "params"), LIST_PAGES, ids=[p[0] for p in LIST_PAGES])
def test_every_list_page_takes_any_query_string(client, w, name, who, args, params):
    for value in VALUES:
        for param in params:
            _get(client, w, name, who, args, {param: value})
        _get(client, w, name, who, args, dict.fromkeys(params, value))


def test_a_far_date_in_the_audit_search_is_refused_in_words(client, w):
    client.force_login(w.org_admin)

    response = client.get(reverse("organisations:audit_trail", args=[w.organisation.pk]), {"date_to": "9999-12-31"})

    assert response.status_code == 200
    assert "Enter a date from 1 January 2000 up to today" in response.content.decode()


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(LIST_PAGES[0][3]), HOSTILE.filter(lambda v: len(v) < 20_000), max_size=4))
def test_the_audit_search_takes_anything(client, w, params):
    _get(client, w, *LIST_PAGES[0][:3], params)


@pytest.mark.parametrize("token", ["\x00", "a" * 5000, "%00", "' OR 1=1 --", "..", "😀"])
@pytest.mark.parametrize("address", ["/a/{}/", "/invitations/{}/", "/calendar/{}.ics"])
def test_a_hostile_token_in_an_address_is_not_a_server_error(client, db, address, token):
    for method in (client.get, client.post):
        response = method(address.format(token))
        # 410: an invitation link that is not (or no longer) open says so
        assert response.status_code in (200, 302, 400, 404, 405, 410), (token, response.status_code)


def test_a_nul_in_an_address_where_a_number_belongs_is_not_found(client, w):
    client.force_login(w.facilitator)

    assert client.get(f"/sessions/{w.session.pk}\x00/").status_code == 404
    assert client.get("/groups/%00/").status_code == 404


def test_a_huge_query_string_on_the_session_page_is_harmless(client, w):
    client.force_login(w.parent)
    url = reverse("sessions_app:detail", args=[w.session.pk])

    response = client.get(url, {"x" * 100: "\x00" * 50_000, "next": "\u2028"})

    assert response.status_code == 200
    assert w.session.starts_at > timezone.now() - timedelta(days=1)
