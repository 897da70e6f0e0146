"""A request that waited too long in front of the app is refused before any work (issue 10, item 2).

nginx stamps each request with the time it arrived (`X-Request-Start: t=<seconds.millis>`); core.deadline answers
503 at once when the request has waited longer than REQUEST_QUEUE_TIMEOUT_SECONDS, so work the person has given
up waiting for is never done. A fresh stamp, no stamp or one we cannot read lets the request through.
"""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.test import RequestFactory
from django.urls import reverse

from core.deadline import queued_for, request_start_time
from groups.models import User
from tests.conftest import PASSWORD
from tests.test_settings import PRODUCTION_ENV, clean_environment, random_secret_key, run

LOGIN = reverse("account_login")


@pytest.fixture(autouse=True)
def deadline(settings):
    settings.REQUEST_QUEUE_TIMEOUT_SECONDS = 20


def stamp(seconds_ago):
    return f"t={time.time() - seconds_ago:.3f}"


def sign_in(client, email, **headers):
    return client.post(LOGIN, {"login": email, "password": PASSWORD}, headers=headers)


def test_a_request_that_waited_too_long_is_refused_before_any_work(client, parent, django_assert_num_queries):
    # given: a sign-in that waited a minute in front of the app (the person has given up)
    last_login = User.objects.get(pk=parent.pk).last_login

    # when
    with django_assert_num_queries(0):
        response = sign_in(client, parent.email, x_request_start=stamp(60))

    # then: refused with the busy page, and nothing was done: no session, no sign-in recorded
    assert response.status_code == 503
    assert "Nothing was saved" in response.content.decode()
    assert not Session.objects.exists()
    assert User.objects.get(pk=parent.pk).last_login == last_login


def test_a_fresh_request_goes_ahead(client, parent):
    response = sign_in(client, parent.email, x_request_start=stamp(0.5))

    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(parent.pk)


@pytest.mark.parametrize("header", [None, "", "t=", "t=soon", "t=nan", "yesterday", "t=-5"])
def test_no_stamp_or_one_that_cannot_be_read_lets_the_request_through(client, parent, header):
    headers = {} if header is None else {"x_request_start": header}

    response = sign_in(client, parent.email, **headers)

    assert response.status_code == 302


def test_the_check_can_be_turned_off(client, parent, settings):
    settings.REQUEST_QUEUE_TIMEOUT_SECONDS = 0

    assert sign_in(client, parent.email, x_request_start=stamp(3600)).status_code == 302


def test_a_page_that_waited_too_long_is_refused_too(client, parent):
    client.force_login(parent)

    response = client.get(reverse("home"), headers={"x_request_start": stamp(25)})

    assert response.status_code == 503


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("t=1700000000.123", 1700000000.123),  # nginx: "t=${msec}"
        ("1700000000.5", 1700000000.5),
        ("t=1700000000123", 1700000000.123),  # milliseconds
        ("t=1700000000123456", 1700000000.123456),  # microseconds
        (" t=1700000000 ", 1700000000.0),
        ("t=abc", None),
        ("", None),
        ("t=0", None),
    ],
)
def test_request_start_formats(value, seconds):
    parsed = request_start_time(value)

    if seconds is None:
        assert parsed is None
    else:
        assert parsed == pytest.approx(seconds, abs=1e-6)


def test_queued_for_measures_from_the_stamp():
    request = RequestFactory().get("/", headers={"x_request_start": "t=1000.250"})

    assert queued_for(request, now=1030.0) == pytest.approx(29.75)
    assert queued_for(RequestFactory().get("/")) is None


# ------------------------------------------------------------------------------- the database's limit for pages

SHOW_TIMEOUT = """
import runpy, sys
if sys.argv[1] == "gunicorn":
    runpy.run_path("gunicorn.conf.py")  # as gunicorn does at start-up, in the process that then serves pages
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("SHOW statement_timeout")
    print(cursor.fetchone()[0])
"""


def maintenance_database_url():
    """The test server's "postgres" database, which always exists (only SHOW runs there)."""
    db = settings.DATABASES["default"]
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/postgres"


@pytest.mark.parametrize(("process", "expected"), [("gunicorn", "25s"), ("celery", "0")])
def test_only_web_requests_have_a_statement_timeout(process, expected):
    env = clean_environment(
        **{**PRODUCTION_ENV, "DATABASE_URL": maintenance_database_url()}, SECRET_KEY=random_secret_key()
    )

    result = run(["-c", SHOW_TIMEOUT, process], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
