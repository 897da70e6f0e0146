"""Each role's home page shows its work in a browser at 390 px (issue 11, "Done when"): for the facilitator, the
governance lead, the safeguarding lead, the finance officer and the organisation admin, the data their section
lists is built (the world of tests/sessions_app/test_role_homes.py), the person signs in through a session
cookie (as tests/browser/test_axe_sweep.py does; staff who need two-step sign-in hold an authenticator app, so
the middleware lets them through), opens / on a 390 x 844 phone screen, and sees the section's heading and one
of its rows. axe-core then finds no serious or critical violation on the page."""

import pytest
import time_machine
from django.conf import settings
from django.test import Client

from tests.browser.conftest import TIMEOUT_MS, assert_fits_phone, axe_check
from tests.sessions_app.test_role_homes import NOW, ROWS, world  # noqa: F401

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


@pytest.mark.parametrize("role", list(ROWS))
def test_each_role_home_shows_its_work_on_a_phone(browser, site, transactional_db, request, role):
    # tick=True: the clock runs on from NOW, for the live server's thread as for this one.
    with time_machine.travel(NOW, tick=True):
        request.getfixturevalue("world")(1)
        person = request.getfixturevalue(role)
        client = Client()
        client.force_login(person)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context = browser.new_context(viewport=PHONE)
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        try:
            page.goto(site + "/")

            heading, words = ROWS[role]
            assert page.url.rstrip("/") == site.rstrip("/"), f"{role} was sent to {page.url}"
            section_heading = page.get_by_role("heading", name=heading)
            section_heading.first.wait_for(state="visible")
            assert section_heading.first.is_visible()
            item = page.locator("li, tr, p", has_text=words).last
            item.scroll_into_view_if_needed()
            assert item.is_visible(), f"{role}: no row with {words!r} visible"
            assert_fits_phone(page)
            axe_check(page)
        finally:
            context.close()
