"""A parent on a phone: opens a session, says yes, asks for help with travel (fixing a mistyped cost), and
checks in on the day. Real Chromium against the live server; axe-core checks each page on the way."""

import re
from datetime import timedelta

import pytest
import time_machine
from playwright.sync_api import expect

from sessions_app.models import CheckIn, Rsvp, SupportRequest
from tests.browser.conftest import PHONE, assert_fits_phone, axe_check
from tests.conftest import PASSWORD
from tests.sessions_app.test_member_views import LINK, plan

pytestmark = pytest.mark.browser


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    page.set_default_navigation_timeout(10_000)
    page.set_viewport_size(PHONE)
    return page


@pytest.fixture
def site(live_server, settings):
    settings.SITE_URL = live_server.url
    return live_server.url


def sign_in(page, site, email):
    page.goto(f"{site}/accounts/login/")
    with_password = page.get_by_role("region", name="Or sign in with your password")
    with_password.get_by_label("Email").fill(email)
    with_password.get_by_label("Password").fill(PASSWORD)
    with_password.get_by_role("button", name="Sign in", exact=True).click()
    expect(page).to_have_url(f"{site}/")


def test_parent_says_yes_asks_for_travel_help_and_checks_in(
    page, site, group_with_members, facilitator, facilitator2, parent, venue
):
    session = plan(group_with_members, facilitator, facilitator2, venue)[0]

    # 1. From the home page, the parent opens the session.
    sign_in(page, site, parent.email)
    axe_check(page)
    page.get_by_role("region", name="Your sessions").get_by_role("link", name=session.title).click()
    expect(page.get_by_role("heading", level=1, name=session.title)).to_be_visible()
    expect(page.get_by_text("You have not answered yet.")).to_be_visible()
    expect(page.get_by_role("link", name="Join the session online")).to_have_count(0)
    axe_check(page)
    assert_fits_phone(page)

    # 2. One tap: yes. The joining link appears.
    page.get_by_role("button", name=re.compile(r"^Yes, I'll come")).click()
    expect(page.get_by_text("You said yes. See you there!")).to_be_visible()
    expect(page.get_by_role("link", name="Join the session online")).to_have_attribute("href", LINK)
    assert Rsvp.objects.get(session=session, user=parent).has_place
    axe_check(page)

    # 3. Ask for help with travel, mistyping the cost first.
    page.get_by_role("link", name="Ask for help to get here").click()
    expect(page.get_by_role("heading", level=1, name="Ask for help to get here")).to_be_visible()
    axe_check(page)
    assert_fits_phone(page)
    page.get_by_label("Travel: help with the cost, or booking a ticket or taxi").check()
    page.get_by_label("Bus or train").check()
    cost = page.get_by_label("Expected cost in pounds (optional)")
    cost.fill("four fifty")
    page.get_by_role("button", name="Send my request").click()
    summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
    expect(summary).to_be_focused()
    expect(cost).to_have_value("four fifty")
    expect(cost).to_have_attribute("aria-invalid", "true")
    axe_check(page)
    summary.get_by_role("link", name=re.compile("Enter the cost in pounds and pence")).click()
    expect(cost).to_be_focused()
    cost.fill("4.50")
    page.get_by_role("button", name="Send my request").click()
    expect(page.get_by_text("Waiting for a facilitator to decide.")).to_be_visible()
    assert SupportRequest.objects.get(session=session, user=parent).expected_cost_pence == 450

    # 4. On the day, the parent checks in on their phone.
    with time_machine.travel(session.starts_at - timedelta(minutes=5), tick=True):
        page.goto(f"{site}{session.get_absolute_url()}")
        page.get_by_role("link", name="Check in on my phone").click()
        expect(page.get_by_role("heading", level=1, name="Check in")).to_be_visible()
        axe_check(page)
        page.get_by_label("Good", exact=True).check()
        page.get_by_role("button", name="Check in").click()
        expect(page.get_by_text("You have checked in. Welcome!")).to_be_visible()
        expect(page.get_by_label("I'd like to talk afterwards")).to_be_visible()
        axe_check(page)
    assert CheckIn.objects.get(session=session, user=parent).checkin_feeling == 4
