"""A double click on "Save the decision" in real Chromium saves one decision (issue 10, item 3): the button is
disabled by static/js/submit-once.js once the form is on its way, and the form token stops whatever gets
through (core/idempotency.py)."""

import re
import time
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app import services
from sessions_app.models import Decision
from tests.browser.conftest import axe_check
from tests.sessions_app.factories import plan_session

pytestmark = pytest.mark.browser


def signed_in(page, site, user):
    """The browser carries a session made by Django's test client for `user` (sign-in itself is tested
    elsewhere)."""
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])
    return page


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, venue):
    starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    return plan_session(group_with_members, facilitator, facilitator2, starts_at=starts_at, venue=venue)


@pytest.fixture
def busy_server(monkeypatch):
    """Saving a decision takes most of a second, as on a busy server, so a second click lands while the first is
    still being saved (the live server runs in this process)."""
    record = services.decision_record

    def slowly(**kwargs):
        time.sleep(0.8)
        return record(**kwargs)

    monkeypatch.setattr(services, "decision_record", slowly)


def test_a_double_click_on_save_the_decision_saves_one(page, site, session, facilitator, busy_server):
    # given: the record page of a session, for its facilitator
    signed_in(page, site, facilitator)
    page.goto(site + reverse("sessions_app:record", args=[session.pk]))
    decision = page.get_by_role("region", name="A decision")
    decision.get_by_label("What was proposed").fill("Meet on Saturdays.")
    decision.get_by_label("What the group decided").fill("Agreed, starting in June.")
    save = decision.get_by_role("button", name="Save the decision")

    # when: clicked, and clicked again a moment later while the first is being saved
    box = save.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.mouse.click(x, y)
    page.wait_for_timeout(200)
    page.mouse.click(x, y)  # the mouse, as a person clicks: whether or not the button still takes clicks

    # then: one decision, and the page says it was saved (by the first click, or "already" by the second)
    expect(page.get_by_text(re.compile(r"^(Decision saved|That was already saved)\.$")).first).to_be_visible()
    expect(page.get_by_text("Agreed, starting in June.")).to_be_visible()
    assert list(Decision.objects.filter(session=session).values_list("proposal", flat=True)) == ["Meet on Saturdays."]
    axe_check(page)


def test_the_buttons_come_back_when_the_page_is_shown_again(page, site, session, facilitator):
    """After the back button the form can be used again (the browser may show the page from its cache, buttons
    and all)."""
    signed_in(page, site, facilitator)
    url = site + reverse("sessions_app:record", args=[session.pk])
    page.goto(url)
    win = page.get_by_role("region", name="A win")
    win.get_by_label("What changed for the better").fill("Letters are now in plain English.")

    win.get_by_role("button", name="Save the win").click()
    expect(page.get_by_text("Win saved.")).to_be_visible()
    page.go_back()

    expect(page.get_by_role("region", name="A win").get_by_role("button", name="Save the win")).to_be_enabled()
