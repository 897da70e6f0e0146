"""The check-in screen at a busy door, in real Chromium on a tablet (820 x 1180) and a phone (390 px) (issue 11,
item 5): a facilitator checks in ten people, tapping each twice quickly, and nobody is checked out; Undo is
away from where "Check in" was; the name filter finds one person among forty as you type; checking out is its
own page; axe-core finds no serious or critical violation.

The live server runs in this process, so time-machine moves it (and the data) to two minutes after the start."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from core.models import AuditEvent
from groups import services as group_services
from groups.models import Membership
from sessions_app import services
from sessions_app.models import Answer, CheckIn
from tests.browser.conftest import axe_check
from tests.sessions_app.factories import plan_session

pytestmark = pytest.mark.browser

VIEWPORTS = {"tablet": {"width": 820, "height": 1180}, "phone": {"width": 390, "height": 844}}
DESKTOP = {"width": 1280, "height": 900}
FIRST_NAMES = ["Amara", "Bilal", "Chloe", "Dariusz", "Efua", "Fatima", "Gareth", "Hana", "Ife", "Jonas"]


@pytest.fixture
def door(group_with_members, facilitator, facilitator2, venue, make_user):
    """A session starting a week from now with 40 members (the parent, the professional and 38 more); the ten
    in FIRST_NAMES and every fourth other said yes. Yields the ten, with the clock two minutes after the start."""
    starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    session = plan_session(group_with_members, facilitator, facilitator2, starts_at=starts_at, venue=venue)
    names = [f"{first} Door" for first in FIRST_NAMES] + [f"Member {i:02d}" for i in range(27)] + ["Zainab Okafor"]
    people = []
    for i, name in enumerate(names):
        person = make_user(full_name=name)
        group_services.membership_add(
            group=group_with_members, user=person, role=Membership.Role.PARENT, acting_user=facilitator
        )
        if i < 10 or i % 4 == 0:
            services.rsvp_answer(session=session, user=person, answer=Answer.YES)
        people.append(person)
    with time_machine.travel(starts_at + timedelta(minutes=2), tick=True):
        yield session, people[:10], people[-1]


def signed_in(page, site, user):
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    page.context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])


def centre(box):
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


@pytest.mark.parametrize("viewport", VIEWPORTS.keys())
def test_ten_people_each_tapped_twice_are_checked_in_and_nobody_out(page, site, door, facilitator, viewport):
    session, ten, _ = door
    page.set_viewport_size(VIEWPORTS[viewport])
    signed_in(page, site, facilitator)
    page.goto(site + reverse("sessions_app:checkin_screen", args=[session.pk]))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check-in")
    axe_check(page)

    for person in ten:
        card = page.locator(f"#person-{person.pk}")
        button = card.get_by_role("button", name=f"Check in {person.display_name}")
        button.scroll_into_view_if_needed()
        x, y = centre(button.bounding_box())
        # when: two quick taps on the same spot
        page.mouse.click(x, y)
        page.wait_for_timeout(120)
        page.mouse.click(x, y)
        # then: the card has collapsed to the time and Undo, far from where "Check in" was
        undo = page.locator(f"#person-{person.pk}").get_by_role(
            "button", name=f"Undo the check-in of {person.display_name}"
        )
        expect(undo).to_be_visible()
        expect(page.locator(f"#person-{person.pk}")).to_contain_text("Checked in ")
        expect(page.locator(f"#person-{person.pk}").get_by_role("button", name="Check out")).to_have_count(0)

    # then: ten check-ins, nobody checked out, nothing undone
    checkins = CheckIn.objects.filter(session=session, user__in=ten)
    assert checkins.count() == 10
    assert not CheckIn.objects.filter(session=session, checked_out_at__isnull=False).exists()
    assert CheckIn.objects.filter(session=session).count() == 10
    assert not AuditEvent.objects.filter(action="checkin.undone").exists()
    expect(page.locator(".checkin-counts")).to_contain_text("Checked in10")
    axe_check(page)


@pytest.mark.parametrize("viewport", VIEWPORTS.keys())
def test_undo_is_not_where_check_in_was(page, site, door, facilitator, viewport):
    session, ten, _ = door
    person = ten[3]
    page.set_viewport_size(VIEWPORTS[viewport])
    signed_in(page, site, facilitator)
    page.goto(site + reverse("sessions_app:checkin_screen", args=[session.pk]) + f"#person-{person.pk}")
    card = page.locator(f"#person-{person.pk}")
    check_in = card.get_by_role("button", name=f"Check in {person.display_name}")
    before = check_in.bounding_box()
    card_before = card.bounding_box()
    check_in.click()

    card = page.locator(f"#person-{person.pk}")
    undo = card.get_by_role("button", name=f"Undo the check-in of {person.display_name}")
    expect(undo).to_be_visible()
    after, card_after = undo.bounding_box(), page.locator(f"#person-{person.pk}").bounding_box()
    # Compared within the card (the page scrolls to it): Undo shares no part of the spot "Check in" had.
    check_in_left = before["x"] - card_before["x"]
    undo_left = after["x"] - card_after["x"]
    assert undo_left >= check_in_left + before["width"], (before, after)

    # when: Undo is tapped
    undo.click()
    expect(page.get_by_text(f"{person.display_name}'s check-in is undone. They are not checked in.")).to_be_visible()
    assert not CheckIn.objects.filter(session=session, user=person).exists()
    assert AuditEvent.objects.filter(action="checkin.undone", data__person_id=person.pk).count() == 1
    expect(card.get_by_role("button", name=f"Check in {person.display_name}")).to_be_visible()


@pytest.mark.parametrize("viewport", [*VIEWPORTS.keys(), "desktop"])
def test_the_filter_finds_a_name_among_forty_as_you_type(page, site, door, facilitator, viewport):
    session, _, zainab = door
    page.set_viewport_size(VIEWPORTS.get(viewport, DESKTOP))
    signed_in(page, site, facilitator)
    page.goto(site + reverse("sessions_app:checkin_screen", args=[session.pk]))
    cards = page.locator("#checkin-list [data-checkin-name]")
    expect(cards).to_have_count(40)

    # when: part of a name is typed
    page.get_by_label("Find a name").press_sequentially("okaf", delay=30)

    # then: one card left, said out loud, and Enter goes to its button
    expect(page.locator("#checkin-list [data-checkin-name]:visible")).to_have_count(1)
    expect(page.locator(f"#person-{zainab.pk}")).to_be_visible()
    expect(page.get_by_text("1 of 40 people match “okaf”.")).to_be_visible()
    page.get_by_label("Find a name").press("Enter")
    expect(page.get_by_role("button", name="Check in Zainab Okafor")).to_be_focused()
    assert page.url.endswith(reverse("sessions_app:checkin_screen", args=[session.pk]))  # no reload
    axe_check(page)

    # and: the list region scrolls from the keyboard (it takes focus)
    page.get_by_label("Find a name").fill("")
    region = page.get_by_role("region", name="People to check in")
    region.focus()
    expect(region).to_be_focused()


def test_without_javascript_the_filter_searches_and_a_double_tap_checks_in_once(browser, site, door, facilitator):
    session, _, zainab = door
    context = browser.new_context(java_script_enabled=False, viewport=VIEWPORTS["phone"])
    page = context.new_page()
    try:
        signed_in(page, site, facilitator)
        page.goto(site + reverse("sessions_app:checkin_screen", args=[session.pk]))
        page.get_by_label("Find a name").fill("Okafor")
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#checkin-list [data-checkin-name]")).to_have_count(1)
        expect(page.locator(f"#person-{zainab.pk}")).to_be_visible()
        expect(page.get_by_text("1 of 40 people match “Okafor”.")).to_be_visible()

        # when: with nothing to disable the button, it is tapped twice quickly
        button = page.get_by_role("button", name="Check in Zainab Okafor")
        button.scroll_into_view_if_needed()
        x, y = centre(button.bounding_box())
        page.mouse.click(x, y)
        page.wait_for_timeout(60)
        page.mouse.click(x, y)

        # then: the server keeps the first check-in and never checks out
        expect(page.locator(f"#person-{zainab.pk}")).to_contain_text("Checked in ")
        page.wait_for_load_state("load")
        checkin = CheckIn.objects.get(session=session, user=zainab)
        assert checkin.checked_out_at is None
        assert AuditEvent.objects.filter(action="checkin.recorded", data__person_id=zainab.pk).count() == 1
    finally:
        context.close()


def test_checking_out_is_its_own_page(page, site, door, facilitator):
    session, ten, _ = door
    for person in ten[:2]:
        services.checkin_record(session=session, person=person, acting_user=facilitator)
    page.set_viewport_size(VIEWPORTS["tablet"])
    signed_in(page, site, facilitator)
    page.goto(site + reverse("sessions_app:checkin_screen", args=[session.pk]))
    page.get_by_role("link", name="Check people out").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Check-out")
    axe_check(page)

    leaving = ten[0]
    card = page.locator(f"#person-{leaving.pk}")
    card.get_by_text("Okay", exact=True).click()
    card.get_by_role("button", name=f"Check out {leaving.display_name}").click()
    expect(page.locator(f"#person-{leaving.pk}")).to_contain_text("Checked out ")
    checkin = CheckIn.objects.get(session=session, user=leaving)
    assert checkin.checked_out_at is not None and checkin.checkout_feeling == 3
    assert CheckIn.objects.get(session=session, user=ten[1]).checked_out_at is None
    axe_check(page)
