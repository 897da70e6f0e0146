"""The pieces the bench scripts stand on: the floor view and the query-count header (bench settings only), the
form reader that finds a form's hidden fields (so a form token added to a form is sent back), and the two-step
code the scripts type."""

import pytest
from django.conf import settings
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import Resolver404, resolve

from bench.common import find_form, forms_on, totp_now

# What bench/settings.py changes, on top of the test settings.
BENCH = override_settings(
    ROOT_URLCONF="bench.urls", MIDDLEWARE=["bench.middleware.QueryCountMiddleware", *settings.MIDDLEWARE]
)


@pytest.mark.django_db
def test_the_floor_view_runs_one_query_and_says_so(client, organisation):
    with BENCH:
        response = client.get("/bench/floor/")
    assert response.status_code == 200
    assert response["X-Query-Count"] == "1"
    assert organisation.name in response.content.decode()


@pytest.mark.django_db
def test_the_query_count_header_counts_every_query_of_a_page(client, make_user):
    # given: a signed-in person's home page
    person = make_user()
    client.force_login(person)
    with BENCH:
        client.get("/")  # the first request may fill caches

        # when
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/")

    # then
    assert response.status_code == 200
    assert int(response["X-Query-Count"]) == len(queries.captured_queries) > 1


def test_the_floor_is_not_in_the_real_urls():
    with pytest.raises(Resolver404):
        resolve("/bench/floor/")


PAGE = """
<form method="post" action="/accounts/logout/"><input type="hidden" name="csrfmiddlewaretoken" value="c1"></form>
<form method="post" action="/sessions/7/answer/">
  <input type="hidden" name="csrfmiddlewaretoken" value="c2"><input type="hidden" name="form_token" value="t-yes">
  <input type="hidden" name="answer" value="yes"><button>Yes</button>
</form>
<form method="post" action="/sessions/7/answer/">
  <input type="hidden" name="csrfmiddlewaretoken" value="c3"><input type="hidden" name="answer" value="no">
  <input type="radio" name="feeling" value="2"><input type="radio" name="feeling" value="4" checked>
</form>
<form method="post"><input type="hidden" name="csrfmiddlewaretoken" value="c4"></form>
"""


def test_the_form_reader_finds_a_form_by_action_and_hidden_values_with_every_hidden_field():
    assert len(forms_on(PAGE)) == 4
    yes = find_form(PAGE, action="/sessions/7/answer/", having={"answer": "yes"})
    assert yes["fields"] == {"csrfmiddlewaretoken": "c2", "form_token": "t-yes", "answer": "yes"}
    no = find_form(PAGE, action="/answer/", having={"answer": "no"})
    assert no["fields"]["feeling"] == "4"  # only the checked radio is sent
    # a form with no action posts to its own page
    own = find_form(PAGE, action="/sessions/7/support/", page_url="http://127.0.0.1/sessions/7/support/")
    assert own["fields"] == {"csrfmiddlewaretoken": "c4"}
    with pytest.raises(LookupError):
        find_form(PAGE, action="/sessions/8/answer/")


def test_the_two_step_code_is_the_one_allauth_expects():
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    at = 1_800_000_000
    assert totp_now(secret, at=at) == format_hotp_value(hotp_value(secret, at // 30))
    assert totp_now(secret, at=at) != totp_now(secret, at=at + 30)
