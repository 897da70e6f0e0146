"""A governance lead checks the parent quorum of a committee meeting three days ahead: one parent said yes, one
said maybe and one has not answered, so the meeting is at risk and the lead sees whom to call. Then the lead opens
the printable quorum record. Real Chromium against the live server; axe-core checks every page on the way."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from groups import services as group_services
from groups.models import Group, Membership
from sessions_app import services
from sessions_app.models import Answer, Session
from tests.browser.conftest import PHONE, assert_fits_phone, axe_check, sign_in_with_password

pytestmark = pytest.mark.browser

COMMITTEE = "Parent Governance Committee"
MEETING = "Committee meeting"
SILENT_NAME = "Sam Silent"
SILENT_PHONE = "07700 900123"


@pytest.fixture
def at_risk_meeting(make_user, organisation, org_admin, facilitator, facilitator2, professional):
    """A governance committee (two parents needed) with two facilitators, three parents and a professional, and
    a published meeting three days ahead: one parent said yes, one said maybe, one has not answered."""
    yes_parent = make_user(email="yvonne@example.test", full_name="Yvonne Yes")
    maybe_parent = make_user(email="mo@example.test", full_name="Mo Maybe")
    silent_parent = make_user(email="sam@example.test", full_name=SILENT_NAME, phone=SILENT_PHONE)
    committee = group_services.group_create(
        organisation=organisation,
        name=COMMITTEE,
        kind=Group.Kind.GOVERNANCE,
        purpose="Parents and professionals agree how the family fund is spent.",
        acting_user=facilitator,
    )
    for person, role in [
        (facilitator2, Membership.Role.FACILITATOR),
        (yes_parent, Membership.Role.PARENT),
        (maybe_parent, Membership.Role.PARENT),
        (silent_parent, Membership.Role.PARENT),
        (professional, Membership.Role.PROFESSIONAL),
    ]:
        group_services.membership_add(group=committee, user=person, role=role, acting_user=facilitator)
    assert committee.parent_quorum == 2

    venue = services.venue_create(
        organisation=organisation, acting_user=org_admin, name="Bayside Family Hub", address="12 Harbour Road"
    )
    starts_at = (timezone.now() + timedelta(days=3)).replace(second=0, microsecond=0)
    [meeting] = services.session_create(
        group=committee,
        acting_user=facilitator,
        title=MEETING,
        purpose="Agree the plan for the family fund.",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        format=Session.Format.IN_PERSON,
        venue=venue,
        lead=facilitator,
        supports=[facilitator2],
    )
    meeting = services.session_publish(session=meeting, acting_user=facilitator)
    services.rsvp_answer(session=meeting, user=yes_parent, answer=Answer.YES)
    services.rsvp_answer(session=meeting, user=maybe_parent, answer=Answer.MAYBE)
    return meeting


def test_governance_lead_sees_an_at_risk_meeting_and_whom_to_call_then_opens_the_quorum_record(
    page, site, at_risk_meeting, governance_lead
):
    meeting = at_risk_meeting

    # 1. The governance lead signs in and follows "Governance" in the main menu.
    sign_in_with_password(page, site, governance_lead.email)
    expect(page).to_have_url(f"{site}/")
    expect(page.get_by_role("heading", level=1, name=re.compile(r"^Hello, "))).to_be_visible()
    axe_check(page)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Governance", exact=True).click()
    expect(page).to_have_url(f"{site}/governance/")
    expect(page.get_by_role("heading", level=1, name="Parent quorum")).to_be_visible()
    axe_check(page)

    # 2. The meeting is at risk: one parent said yes, two are needed; Sam has not answered, with a phone number.
    upcoming = page.get_by_role("region", name="Meetings in the next 60 days")
    card = upcoming.get_by_role("article", name=f"{COMMITTEE}: {MEETING}")
    expect(card).to_be_visible()
    expect(card).to_contain_text("At risk")
    expect(card).to_contain_text("1 parent said yes; 2 needed.")
    expect(card.get_by_role("heading", name="Not answered yet (1)")).to_be_visible()
    expect(card).to_contain_text(SILENT_NAME)
    expect(card.get_by_role("link", name=SILENT_PHONE)).to_have_attribute("href", f"tel:{SILENT_PHONE}")
    expect(card.get_by_role("heading", name="Said maybe (1)")).to_be_visible()
    expect(card).to_contain_text("Mo Maybe")

    # 3. The printable quorum record for that meeting, with its Print button.
    card.get_by_role("link", name=re.compile(r"^Quorum record for Committee meeting, .*\(printable\)$")).click()
    expect(page).to_have_url(f"{site}/sessions/{meeting.pk}/quorum/")
    expect(page.get_by_role("heading", level=1, name="Quorum record")).to_be_visible()
    print_button = page.get_by_role("button", name="Print this record")
    expect(print_button).to_be_visible()
    result = page.get_by_role("definition").filter(has_text="Not yet held")
    expect(result).to_contain_text("At risk")
    expect(result).to_contain_text("1 parent said yes, 2 needed; 1 not answered yet; 1 said maybe.")
    not_answered = page.get_by_role("region", name="Parents who have not answered yet")
    expect(not_answered).to_contain_text(SILENT_NAME)
    expect(not_answered.get_by_role("link", name=SILENT_PHONE)).to_be_visible()
    expect(page.get_by_role("region", name="Parents who said yes before the meeting (1)")).to_contain_text("Yvonne Yes")
    axe_check(page)

    # The button opens the browser's print dialogue (stubbed: headless Chromium has none to show).
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    print_button.click()
    assert page.evaluate("window.printed") == 1


def test_governance_dashboard_fits_a_phone(page, site, at_risk_meeting, governance_lead):
    page.set_viewport_size(PHONE)
    sign_in_with_password(page, site, governance_lead.email)
    expect(page).to_have_url(f"{site}/")

    assert_fits_phone(page)
    axe_check(page)

    toggle = page.get_by_role("button", name="Show or hide the menu")
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Governance", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="Parent quorum")).to_be_visible()
    card = page.get_by_role("article", name=f"{COMMITTEE}: {MEETING}")
    expect(card).to_contain_text("At risk")
    expect(card).to_contain_text(SILENT_NAME)
    assert_fits_phone(page)
    axe_check(page)
