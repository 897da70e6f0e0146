"""Facilitator list pages with wide tables still fit a phone: the table scrolls inside its own box."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from sessions_app import services
from sessions_app.models import Session
from tests.browser.conftest import PHONE, assert_fits_phone, axe_check, sign_in_with_password

pytestmark = pytest.mark.browser


def test_the_groups_sessions_table_fits_a_phone(browser, site, group_with_members, facilitator, facilitator2):
    # given a few published sessions, whose rows carry screen-reader-only text in their links
    venue = services.venue_create(
        organisation=group_with_members.organisation, acting_user=facilitator, name="Family hub", address="1 High St"
    )
    start = timezone.now() + timedelta(days=3)
    for session in services.session_create(
        group=group_with_members,
        acting_user=facilitator,
        title="Planning together",
        purpose="Plan the term.",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        format=Session.Format.IN_PERSON,
        venue=venue,
        capacity=12,
        lead=facilitator,
        supports=[facilitator2],
        repeat_weeks=3,
    ):
        services.session_publish(session=session, acting_user=facilitator)
    context = browser.new_context(viewport=PHONE)
    page = context.new_page()

    # when the facilitator opens the group's sessions on a phone
    sign_in_with_password(page, site, facilitator.email)
    page.goto(f"{site}/groups/{group_with_members.pk}/sessions/")

    # then the page does not scroll sideways and has no serious accessibility problem
    expect(page.get_by_role("heading", level=1, name=f"Sessions of {group_with_members.name}")).to_be_visible()
    assert_fits_phone(page)
    axe_check(page)
    context.close()
