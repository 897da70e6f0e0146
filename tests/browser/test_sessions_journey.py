"""One session from planning to the follow-up, across roles, each person in their own browser: a facilitator
schedules and publishes a session; a parent on a phone says yes and asks for childcare; the facilitator approves
it; on the day the facilitator checks the parent in with a tap, the parent checks out on their phone asking to
talk; the facilitator finds the follow-up in the queue. Real Chromium against the live server; axe-core checks
every page on the way."""

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.models import CheckIn, FacilitatorRole, FollowUp, Rsvp, Session, SupportRequest
from tests.browser.conftest import PHONE, TIMEOUT_MS, assert_fits_phone, axe_check, sign_in_with_password

pytestmark = pytest.mark.browser

LONDON = ZoneInfo("Europe/London")
TITLE = "Planning the summer fun day"
PURPOSE = "Decide together what families need on the day."
AGENDA = ["Welcome and introductions", "Ideas for the day", "Who will do what"]
VENUE = "Bayside Family Hub"


@pytest.fixture
def open_browser(browser):
    """A fresh browser context (its own cookies: one person) with a page in it; closed after the test. Reduced
    motion turns off Bootstrap's colour transitions, so axe-core never measures a button halfway through one."""
    contexts = []

    def open_(**context_args):
        context = browser.new_context(reduced_motion="reduce", **context_args)
        contexts.append(context)
        context.set_default_timeout(TIMEOUT_MS)
        context.set_default_navigation_timeout(TIMEOUT_MS)
        return context.new_page()

    yield open_
    for context in contexts:
        context.close()


def sign_in(page, site, user):
    sign_in_with_password(page, site, user.email)
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("heading", level=1, name=f"Hello, {user.full_name}")).to_be_visible()
    axe_check(page)


def on_phone(page):
    axe_check(page)
    assert_fits_phone(page)


def test_a_session_from_planning_to_the_follow_up(
    open_browser, site, group_with_members, facilitator, facilitator2, parent, venue
):
    group = group_with_members
    day = timezone.localdate() + timedelta(days=4)
    starts_at = datetime.combine(day, time(10, 0), tzinfo=LONDON)
    long_date = f"{day:%A} {day.day} {day:%B}"  # as the pages write it, e.g. "Friday 1 March"

    # 1. The facilitator schedules the session, saves the draft, checks the two-facilitator rule and publishes.
    fac = open_browser()
    sign_in(fac, site, facilitator)
    fac.get_by_role("region", name="Your groups").get_by_role("link", name=group.name, exact=True).click()
    expect(fac.get_by_role("heading", level=1, name=group.name)).to_be_visible()
    axe_check(fac)

    fac.get_by_role("region", name="Sessions").get_by_role("link", name="Schedule a session").click()
    expect(fac.get_by_role("heading", level=1, name="Schedule a session")).to_be_visible()
    axe_check(fac)
    fac.get_by_label("Title").fill(TITLE)
    fac.get_by_label("What this session is for").fill(PURPOSE)
    fac.get_by_label("Date").fill(day.isoformat())
    fac.get_by_label("Start time").fill("10:00")
    fac.get_by_label("End time").fill("12:00")
    fac.get_by_role("radio", name="In person", exact=True).check()
    fac.get_by_label("Venue").select_option(label=VENUE)
    fac.get_by_label("Lead facilitator").select_option(label=facilitator.full_name)
    fac.get_by_role("checkbox", name=facilitator2.full_name).check()
    fac.get_by_label("Agenda (optional)").fill("\n".join(AGENDA))
    fac.get_by_label("Breaks (optional)").fill("11:00 for 15 minutes")
    expect(fac.get_by_label("Repeat weekly for")).to_have_value("1")
    fac.get_by_role("button", name="Save as a draft").click()

    expect(fac.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(fac.get_by_role("status")).to_contain_text("1 session saved as a draft.")
    expect(fac.get_by_text("Draft.", exact=True)).to_be_visible()
    what_to_expect = fac.get_by_role("region", name="What to expect")
    for item in AGENDA:
        expect(what_to_expect.get_by_role("listitem").filter(has_text=item)).to_be_visible()
    expect(what_to_expect).to_contain_text("11am: a 15-minute break")
    who = fac.get_by_role("region", name="Who is running it")
    expect(who).to_contain_text(f"{facilitator.full_name}: lead")
    expect(who).to_contain_text(f"{facilitator2.full_name}: support")
    axe_check(fac)
    session = Session.objects.get(group=group, title=TITLE)
    session_url = f"{site}{session.get_absolute_url()}"
    assert session.status == Session.Status.DRAFT
    assert session.starts_at == starts_at
    assert session.venue == venue

    fac.get_by_role("region", name="For facilitators").get_by_role("link", name="Publish the session").click()
    expect(fac.get_by_role("heading", level=1, name="Check before publishing")).to_be_visible()
    expect(fac.get_by_role("region", name="Two facilitators")).to_contain_text(
        "Done: the session has a lead and a support facilitator."
    )
    expect(fac.get_by_role("region", name="Short forms")).to_contain_text("Done: every short form")
    publish = fac.get_by_role("button", name="Publish the session")
    expect(publish).not_to_have_attribute("aria-disabled", "true")
    axe_check(fac)
    publish.click()
    expect(fac).to_have_url(session_url)
    expect(fac.get_by_role("status")).to_contain_text(f"Published. Members of {group.name} can now see the session")
    expect(fac.get_by_text("Draft.", exact=True)).to_have_count(0)
    axe_check(fac)
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED

    # 2. The parent, on a phone, sees it at home, says yes with one tap, and asks for childcare.
    par = open_browser(viewport=PHONE)
    sign_in(par, site, parent)
    assert_fits_phone(par)
    yours = par.get_by_role("region", name="Your sessions")
    expect(yours.get_by_role("link", name=TITLE, exact=True)).to_be_visible()
    expect(yours).to_contain_text(f"{long_date}, 10am to midday · {group.name}")
    expect(yours).to_contain_text("Will you come? You have not answered yet.")
    yours.get_by_role("group", name=f"Will you come to {TITLE}?").get_by_role(
        "button", name=re.compile(r"^Yes, I'll come")
    ).click()
    expect(par).to_have_url(f"{site}/")
    expect(par.get_by_role("status")).to_contain_text("You said yes. See you there!")
    expect(yours).to_contain_text("Your answer: Yes, I'll come.")
    on_phone(par)
    assert Rsvp.objects.get(session=session, user=parent).has_place

    yours.get_by_role("link", name=TITLE, exact=True).click()
    expect(par.get_by_role("heading", level=1, name=TITLE)).to_be_visible()
    expect(par.get_by_role("region", name="Will you come?")).to_contain_text("You have a place.")
    expect(par.get_by_role("region", name="Where")).to_contain_text(VENUE)
    on_phone(par)

    help_here = par.get_by_role("region", name="Help to get here")
    help_here.get_by_role("link", name="Ask for help to get here").click()
    expect(par.get_by_role("heading", level=1, name="Ask for help to get here")).to_be_visible()
    on_phone(par)
    par.get_by_role("radio", name="Childcare, so I can come").check()
    childcare = par.get_by_role("group", name="Childcare, so I can come")
    childcare.get_by_label("How many children?").fill("2")
    childcare.get_by_label("Their ages (optional)").fill("2 and 5")
    par.get_by_role("button", name="Send my request").click()

    expect(par).to_have_url(session_url)
    expect(par.get_by_role("status")).to_contain_text("We have asked the facilitators about childcare.")
    expect(help_here).to_contain_text("Childcare, asked on")
    expect(help_here).to_contain_text("Waiting for a facilitator to decide.")
    on_phone(par)
    request = SupportRequest.objects.get(session=session, user=parent)
    assert (request.kind, request.children_count, request.children_ages) == ("childcare", 2, "2 and 5")
    assert request.status == SupportRequest.Status.PENDING

    # 3. The facilitator opens the support requests from the menu and approves the childcare.
    menu = fac.get_by_role("navigation", name="Main")
    menu.get_by_role("link", name="Support requests").click()
    expect(fac.get_by_role("heading", level=1, name="Support requests")).to_be_visible()
    card = fac.get_by_role("article", name=f"{parent.full_name}: childcare")
    expect(card).to_contain_text("Number of children")
    expect(card).to_contain_text("2 and 5")
    axe_check(fac)
    card.get_by_text("Decide on this request").click()
    card.get_by_role("radio", name="Approve").check()
    axe_check(fac)
    card.get_by_role("button", name="Save the decision").click()
    expect(fac.get_by_role("status")).to_contain_text(
        f"Approved: childcare for {parent.full_name}. They have been told."
    )
    expect(fac.get_by_text("No requests are waiting for a decision.")).to_be_visible()
    axe_check(fac)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.APPROVED
    assert request.decided_by == facilitator

    par.reload()
    expect(help_here).to_contain_text("Approved.")
    expect(help_here.get_by_role("button", name=re.compile("^Withdraw this request"))).to_have_count(0)
    on_phone(par)

    # 4. On the day, ten minutes after the start (the live server runs in this process, so it travels too).
    with time_machine.travel(starts_at + timedelta(minutes=10), tick=True):
        fac.goto(f"{site}/")
        yours_fac = fac.get_by_role("region", name="Your sessions")
        expect(yours_fac).to_contain_text("You are the lead facilitator.")
        axe_check(fac)
        yours_fac.get_by_role("link", name=f"Open the check-in screen for {TITLE}").click()
        expect(fac.get_by_role("heading", level=1, name=f"Check-in: {TITLE}")).to_be_visible()
        expected = fac.get_by_role("region", name="Expected (1)")
        expect(expected.get_by_role("heading", name=parent.full_name)).to_be_visible()
        axe_check(fac)
        expected.get_by_role("button", name=f"Check in {parent.full_name}").click()
        expect(fac).to_have_url(re.compile(rf"#person-{parent.pk}$"))
        expect(fac.get_by_role("status")).to_contain_text(f"{parent.full_name} is checked in.")
        expect(expected).to_contain_text("Checked in 10:1")
        # the card collapses to the time and Undo: no check-out button where the check-in was
        expect(expected.get_by_role("button", name=f"Undo the check-in of {parent.full_name}")).to_be_visible()
        expect(expected.get_by_role("button", name=re.compile("^Check out"))).to_have_count(0)
        axe_check(fac)
        assert CheckIn.objects.get(session=session, user=parent).checked_in_by == facilitator

        # The parent checks out on their phone, asking to talk afterwards.
        par.goto(f"{site}/")
        yours = par.get_by_role("region", name="Your sessions")
        expect(yours).to_contain_text("Happening now.")
        on_phone(par)
        yours.get_by_role("link", name=f"Check in on my phone for {TITLE}").click()
        expect(par.get_by_role("heading", level=1, name="Check out")).to_be_visible()
        expect(par.get_by_text(re.compile(r"^Welcome! You checked in at 10:1\dam$"))).to_be_visible()
        on_phone(par)
        par.get_by_role("checkbox", name="I'd like to talk afterwards").check()
        par.get_by_role("button", name="Check out", exact=True).click()
        expect(par.get_by_role("status")).to_contain_text(
            "You have checked out. Thank you for coming. A facilitator will get in touch within two working days."
        )
        expect(
            par.get_by_text(
                re.compile(r"^Thank you for coming\. You checked in at 10:1\dam and checked out at 10:1\dam$")
            )
        ).to_be_visible()
        expect(par.get_by_text("You said you would like to talk afterwards.")).to_be_visible()
        on_phone(par)
        checkin = CheckIn.objects.get(session=session, user=parent)
        assert checkin.checked_out_at is not None and checkin.wants_to_talk

        # 5. The facilitator finds the parent's follow-up in the queue.
        menu.get_by_role("link", name="Follow-ups").click()
        expect(fac.get_by_role("heading", level=1, name="Follow-ups")).to_be_visible()
        follow_up = fac.get_by_role("listitem").filter(has=fac.get_by_role("heading", name=parent.full_name))
        expect(follow_up).to_contain_text("Asked to talk afterwards")
        expect(follow_up).to_contain_text(TITLE)
        expect(follow_up.get_by_role("link", name=f"Close this follow-up with {parent.full_name}")).to_be_visible()
        axe_check(fac)

    [follow] = FollowUp.objects.filter(session=session, person=parent)
    assert follow.reason == FollowUp.Reason.TALK
    assert follow.closed_at is None
    assert session.facilitators.get(role=FacilitatorRole.LEAD).user == facilitator
