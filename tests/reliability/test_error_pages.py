"""The error pages say what is true (issue 10, item 5): after a failure on our side the app cannot know whether
what the person was doing was saved, so the page must not promise that nothing was lost."""

import re

import pytest
from django.template.loader import render_to_string
from django.urls import path

from core.deadline import refused_response

FALSE_PROMISES = ("has been lost", "nothing you entered", "has not been lost")


def broken_view(request):
    raise RuntimeError("a fault on our side")


urlpatterns = [path("broken/", broken_view)]


def assert_plain_page(html):
    assert "<script" not in html.lower()
    assert not re.search(r"\sstyle=", html), "inline style is refused by the Content-Security-Policy"
    assert "<style" not in html.lower()
    assert '<html lang="en-GB">' in html


def test_the_500_page_says_the_work_may_or_may_not_have_been_saved():
    html = render_to_string("500.html")

    assert "Something went wrong on our side" in html
    assert "may or may not have been saved" in html
    assert "check before you try again" in html
    assert '<a href="/">Go to your home page</a>' in html
    assert not [promise for promise in FALSE_PROMISES if promise in html.lower()]
    assert_plain_page(html)


@pytest.mark.urls("tests.reliability.test_error_pages")
def test_a_view_that_fails_shows_the_honest_page_with_a_500(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False

    response = client.get("/broken/")

    assert response.status_code == 500
    html = response.content.decode()
    assert "may or may not have been saved" in html
    assert not [promise for promise in FALSE_PROMISES if promise in html.lower()]


def test_the_busy_page_says_nothing_was_saved_because_nothing_was_done():
    # Only core.deadline refuses with it, before any work, so here "nothing was saved" is true.
    response = refused_response()
    html = response.content.decode()

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "Nothing was saved" in html
    assert "try again" in html
    assert_plain_page(html)
