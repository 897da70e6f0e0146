"""Issue 11, item 1: from the "yes" link in a reminder to "yes, with childcare for two and a bus fare" in at most
six taps and no typing beyond the numbers, on a 390 px phone, with axe-core on every page of the journey; the
same journey with the keyboard alone; and item 2: saying no, then yes again, brings the requests back.
Real Chromium against the live server."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app.answer_links import answer_links
from sessions_app.models import Answer, Rsvp, SupportRequest
from tests.browser.conftest import assert_fits_phone, axe_check, sign_in_with_password
from tests.sessions_app.factories import plan_session

pytestmark = pytest.mark.browser

PHONE_390 = {"width": 390, "height": 844}
TAP_BUDGET = 6


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, venue):
    starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    return plan_session(group_with_members, facilitator, facilitator2, starts_at=starts_at, venue=venue)


@pytest.fixture
def reminder_yes_link(site, session, parent):
    """The "Yes, I'll come" link as a reminder carries it (built after SITE_URL points at the live server)."""
    yes, _ = answer_links(session=session, person=parent)
    return yes


class Taps:
    """Counts the taps a person makes (buttons, tick boxes, links); typing numbers is counted apart."""

    def __init__(self):
        self.count = 0
        self.typed = []

    def tap(self, locator):
        self.count += 1
        locator.click()

    def type_number(self, locator, digits: str):
        assert digits.replace(".", "").isdigit(), "only numbers are typed"
        self.typed.append(digits)
        locator.fill(digits)


def check_page(page, heading):
    expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
    assert_fits_phone(page)
    axe_check(page)


def assert_childcare_for_two_and_a_bus_fare(parent):
    rows = {r.kind: r for r in SupportRequest.objects.filter(user=parent, status="pending")}
    assert sorted(rows) == ["childcare", "travel"]
    assert rows["childcare"].children_count == 2
    assert rows["travel"].travel_mode == SupportRequest.TravelMode.BUS_TRAIN
    assert Rsvp.objects.get(user=parent).answer == Answer.YES


def test_from_a_reminder_to_yes_with_childcare_and_a_bus_fare_in_six_taps(page, reminder_yes_link, parent, session):
    page.set_viewport_size(PHONE_390)
    taps = Taps()

    # the reminder's link: the yes page asks about help on the same screen
    page.goto(reminder_yes_link)
    check_page(page, session.title)
    help_question = page.get_by_role("group", name="Do you need any help to come?")
    taps.tap(help_question.get_by_role("checkbox", name="Childcare"))
    taps.tap(help_question.get_by_role("checkbox", name=re.compile("^Travel")))
    taps.tap(page.get_by_role("button", name="Yes, I'll come"))

    # one question per page: how many children
    check_page(page, "How many children need looking after?")
    taps.type_number(page.get_by_label("How many children need looking after?"), "2")
    taps.tap(page.get_by_role("button", name="Continue"))

    # how they travel: one tap answers and goes on
    check_page(page, "How will you travel?")
    taps.tap(page.get_by_role("button", name="Bus or train"))

    # check your answers, with Change links, then send
    check_page(page, "Check your answers")
    expect(page.get_by_text("2 children")).to_be_visible()
    expect(page.get_by_role("link", name=re.compile("^Change your answers"))).to_have_count(2)
    taps.tap(page.get_by_role("button", name="Send my request"))

    check_page(page, "We have your request")
    expect(page.get_by_text("You asked for childcare and travel.")).to_be_visible()
    expect(page.get_by_text(re.compile("a facilitator will decide by"))).to_have_count(2)

    assert taps.count <= TAP_BUDGET, f"{taps.count} taps"
    assert taps.typed == ["2"]
    print(f"help journey: {taps.count} taps, typed {taps.typed}")
    assert_childcare_for_two_and_a_bus_fare(parent)


def _tab_to(page, locator, limit=40):
    """Press Tab until `locator` has the focus (fails after `limit` presses): the keyboard's way of reaching it."""
    handle = locator.element_handle()
    for _ in range(limit):
        if page.evaluate("el => el === document.activeElement", handle):
            return
        page.keyboard.press("Tab")
    pytest.fail(f"Tab never reached {locator}")


def test_the_same_journey_with_the_keyboard_only(page, reminder_yes_link, parent, session):
    page.set_viewport_size(PHONE_390)
    page.goto(reminder_yes_link)
    check_page(page, session.title)

    help_question = page.get_by_role("group", name="Do you need any help to come?")
    for name in ("Childcare", re.compile("^Travel")):
        box = help_question.get_by_role("checkbox", name=name)
        _tab_to(page, box)
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    _tab_to(page, page.get_by_role("button", name="Yes, I'll come"))
    page.keyboard.press("Enter")

    check_page(page, "How many children need looking after?")
    _tab_to(page, page.get_by_label("How many children need looking after?"))
    page.keyboard.type("2")
    page.keyboard.press("Enter")

    check_page(page, "How will you travel?")
    bus = page.get_by_role("button", name="Bus or train")
    _tab_to(page, bus)
    focus_ring = bus.evaluate("el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).boxShadow")
    assert focus_ring != "none none", "the focused button shows where the focus is"
    page.keyboard.press("Enter")

    check_page(page, "Check your answers")
    _tab_to(page, page.get_by_role("button", name="Send my request"))
    page.keyboard.press("Enter")

    check_page(page, "We have your request")
    assert_childcare_for_two_and_a_bus_fare(parent)


def test_saying_no_then_yes_again_brings_the_requests_back(page, site, session, parent):
    # given the parent said yes and asked for childcare and travel
    from sessions_app import services
    from sessions_app.services.support import support_requests_create

    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    support_requests_create(
        session=session,
        user=parent,
        requests=[{"kind": "childcare", "children_count": 2}, {"kind": "travel", "travel_mode": "public"}],
    )
    page.set_viewport_size(PHONE_390)
    sign_in_with_password(page, site, parent.email)
    page.goto(f"{site}{session.get_absolute_url()}")
    check_page(page, session.title)

    # when they tap "No, I can't come", they are asked first
    page.get_by_role("button", name=re.compile("^No, I can't come")).click()
    check_page(page, "Can't come?")
    warning = "You asked for childcare and travel. If you can't come, we will cancel these."
    expect(page.get_by_text(warning)).to_be_visible()
    page.get_by_role("button", name=re.compile("cancel my requests")).click()
    check_page(page, session.title)
    expect(page.get_by_text("Cancelled because you said you can't come").first).to_be_visible()

    # then yes again offers them back in one tap
    page.get_by_role("button", name=re.compile("^Yes, I'll come")).click()
    check_page(page, session.title)
    page.get_by_role("button", name="Ask again for childcare and travel").click()
    check_page(page, re.compile("We have your request"))
    assert set(SupportRequest.objects.values_list("status", flat=True)) == {"pending"}
