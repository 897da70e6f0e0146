"""On the day and after, in real headless Chromium at phone size: the facilitator checks a parent in and out
with a tap, decides a support request, closes the follow-up, writes the debrief and records a win; the parent
sees it on the group's timeline. axe-core checks every page on the way."""

import re
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from playwright.sync_api import expect

from sessions_app import services
from sessions_app.models import Answer, CheckIn, FollowUp, Session, SupportRequest, Win
from tests.browser.conftest import PHONE, assert_fits_phone, axe_check

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
BEFORE = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)


@pytest.fixture
def page(page):
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)
    return page


def sign_in(page, live_server, user):
    """A session made on the server side, handed to the browser as its cookie."""
    client = Client()
    client.force_login(user)
    page.context.clear_cookies()
    page.context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )


def check(page):
    axe_check(page)
    assert_fits_phone(page)


def test_on_the_day_and_after(page, live_server, group_with_members, facilitator, facilitator2, parent):
    with time_machine.travel(BEFORE, tick=True):
        [session] = services.session_create(
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
        services.session_publish(session=session, acting_user=facilitator)
        services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
        request = services.support_request_create(
            session=session,
            user=parent,
            kind=SupportRequest.Kind.TRAVEL,
            travel_mode=SupportRequest.TravelMode.TAXI,
            expected_cost_pence=1400,
        )
    site = live_server.url

    # 1. Before the day: the support request, declined without a reason (refused), then approved.
    with time_machine.travel(BEFORE + timedelta(days=1), tick=True):
        sign_in(page, live_server, facilitator)  # in the same year as the server, so the session is fresh
        page.goto(f"{site}/sessions/support/")
        expect(page.get_by_role("heading", level=1, name="Support requests")).to_be_visible()
        expect(page.get_by_text("£14", exact=True)).to_be_visible()
        check(page)
        page.get_by_text("Decide on this request").click()
        page.get_by_label("Decline").check()
        page.get_by_role("button", name="Save the decision").click()
        summary = page.get_by_role("alert").filter(has=page.get_by_role("heading", name="There is a problem"))
        expect(summary).to_be_focused()
        expect(summary.get_by_role("link", name="Reason: Give a reason when you decline")).to_be_visible()
        expect(page.get_by_label("Decline")).to_be_checked()
        check(page)
        page.get_by_label("Approve").check()
        page.get_by_label("Amount to pay, in pounds").fill("12.50")
        page.get_by_role("button", name="Save the decision").click()
        expect(page.get_by_text("Approved: travel for Pat Parent.")).to_be_visible()
        request.refresh_from_db()
        assert request.approved_amount_pence == 1250

    # 2. On the day: a tap checks the parent in; after the session, the check-out page checks them out asking to
    # talk (a second tap on the check-in screen never checks anyone out).
    with time_machine.travel(START + timedelta(minutes=2), tick=True):
        sign_in(page, live_server, facilitator)
        page.goto(f"{site}/sessions/{session.pk}/check-in/")
        expect(page.get_by_role("heading", level=1, name="Check-in: Planning the summer fun day")).to_be_visible()
        check(page)
        button = page.get_by_role("button", name="Check in Pat Parent")
        box = button.bounding_box()
        assert box["height"] >= 44 and box["width"] >= 44
        page.get_by_role("group", name="How is Pat Parent feeling? (optional)").get_by_label("Good", exact=True).check()
        button.click()
        expect(page.get_by_text("Checked in 10:0")).to_be_visible()
        assert page.url.endswith(f"#person-{parent.pk}")
        check(page)
    with time_machine.travel(START + timedelta(hours=2, minutes=5), tick=True):
        page.goto(f"{site}/sessions/{session.pk}/check-out/")
        page.locator(f"#person-{parent.pk}").get_by_label(re.compile("would like to talk afterwards", re.I)).check()
        page.get_by_role("button", name="Check out Pat Parent").click()
        expect(page.locator(f"#person-{parent.pk}").get_by_text("Would like to talk afterwards.")).to_be_visible()
        assert CheckIn.objects.get(session=session, user=parent).wants_to_talk

        # 3. The follow-up is in the queue; closing it needs a note.
        page.goto(f"{site}/sessions/follow-ups/")
        expect(page.get_by_text("Asked to talk afterwards")).to_be_visible()
        check(page)
        page.get_by_role("link", name="Close this follow-up with Pat Parent").click()
        page.get_by_role("button", name="Close the follow-up").click()
        expect(page.get_by_role("alert").get_by_role("link", name="What happened: Write a short note")).to_be_visible()
        check(page)
        page.get_by_label("What happened").fill("Rang Pat; all well.")
        page.get_by_role("button", name="Close the follow-up").click()
        expect(page.get_by_text("Nobody is waiting for a call.")).to_be_visible()
        assert FollowUp.objects.get(person=parent).closed_at is not None

    # 4. Two days later: the debrief is overdue; the lead writes it, then records a win.
    with time_machine.travel(START + timedelta(hours=51), tick=True):
        page.goto(f"{site}/sessions/{session.pk}/debrief/")
        expect(page.get_by_text("Overdue: the debrief was due by Sunday 3 March 2030 at midday.")).to_be_visible()
        check(page)
        page.get_by_label("What went well").fill("Everyone spoke.")
        page.get_by_label("What was hard").fill("The sound was poor.")
        page.get_by_label("What to change next time").fill("Use headsets.")
        page.get_by_role("button", name="Save the debrief").click()
        expect(page.get_by_text("The debrief is saved.")).to_be_visible()
        expect(page.get_by_text("Overdue")).to_have_count(0)

        page.goto(f"{site}/sessions/{session.pk}/record/")
        check(page)
        page.get_by_role("button", name="Save the win").click()
        expect(page.get_by_role("alert").get_by_role("link", name="What changed for the better")).to_be_visible()
        page.get_by_label("What changed for the better").fill("Taxis are now booked for parents who need them.")
        page.get_by_role("button", name="Save the win").click()
        expect(page.get_by_text("Win saved.")).to_be_visible()
        assert Win.objects.filter(session=session).count() == 1

        # 5. The parent sees it on the group's timeline.
        sign_in(page, live_server, parent)
        page.goto(f"{site}/groups/{group_with_members.pk}/timeline/")
        expect(page.get_by_role("heading", level=1, name="You said, we did")).to_be_visible()
        expect(page.get_by_text("Taxis are now booked for parents who need them.")).to_be_visible()
        check(page)
