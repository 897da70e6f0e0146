"""Browser-only helpers: accessibility checks with axe-core, phone-sized layout checks, short timeouts.

Chromium's launch arguments live in the root conftest (a sub-folder override would leak through the
session-scoped browser)."""

import functools
import re

import pytest
from axe_playwright_python.sync_playwright import Axe

BLOCKING_IMPACTS = ("serious", "critical")
PHONE = {"width": 375, "height": 812}
TIMEOUT_MS = 10_000


@functools.cache
def _get_axe() -> Axe:
    """axe-core's script is read from disk once per test session."""
    return Axe()


def axe_check(page) -> None:
    """Run axe-core on the page as it is now; fail on any serious or critical violation."""
    violations = _get_axe().run(page).response["violations"]
    blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
    for v in violations:
        if v not in blocking:  # shown with the test's output if it fails; not a failure on its own
            print(f"axe-core ({v.get('impact')}) on {page.url}: {v['id']}: {v['help']}")
    if blocking:
        lines = [f"axe-core found {len(blocking)} serious or critical violation(s) on {page.url}:"]
        for v in blocking:
            lines.append(f"- {v['id']} ({v['impact']}): {v['help']} <{v.get('helpUrl', '')}>")
            for node in v["nodes"]:
                lines.append(f"    target: {', '.join(str(t) for t in node['target'])}")
                lines.append(f"      html: {node.get('html', '').strip()[:200]}")
                if node.get("failureSummary"):
                    lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
        report = "\n".join(lines)
        print(report)
        pytest.fail(report, pytrace=False)


def assert_fits_phone(page) -> None:
    """No sideways scrolling on a phone: the document is no wider than the window."""
    scroll_width, inner_width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert scroll_width <= inner_width, (
        f"{page.url} scrolls sideways: {scroll_width}px wide in a {inner_width}px window"
    )


def first_link(text: str) -> str:
    """The first http(s) address in an email body."""
    match = re.search(r"https?://\S+", text)
    assert match, f"no link in:\n{text}"
    return match.group(0)


def login_code_from(body: str) -> str:
    """allauth's sign-in code email puts the code on its own line after the line that introduces it."""
    lines = [line.strip() for line in body.splitlines()]
    start = next(i for i, line in enumerate(lines) if "sign-in code" in line.lower())
    return next(line for line in lines[start + 1 :] if line)


@pytest.fixture
def page(page):
    """pytest-playwright's page, with modest timeouts so a broken step fails in seconds, not half a minute."""
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


@pytest.fixture
def site(live_server, settings):
    """The live server's address; emailed links are built from SITE_URL, so they point at it too."""
    settings.SITE_URL = live_server.url
    return live_server.url


def sign_in_with_password(page, site, email):
    """Sign in on the password form of the sign-in page, checking that page with axe on the way."""
    from playwright.sync_api import expect

    from tests.conftest import PASSWORD

    page.goto(f"{site}/accounts/login/")
    expect(page.get_by_role("heading", level=1, name="Sign in")).to_be_visible()
    axe_check(page)
    with_password = page.get_by_role("region", name="Or sign in with your password")
    with_password.get_by_label("Email").fill(email)
    with_password.get_by_label("Password").fill(PASSWORD)
    with_password.get_by_role("button", name="Sign in", exact=True).click()


def new_page(browser, viewport):
    """A second person's own browser (a new context, so a new sign-in) at `viewport`, with the short timeouts."""
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return context, page


def totp_code() -> str:
    """The authenticator app's code now (tests.conftest.TOTP_SECRET). allauth takes only the current 30-second
    step's code, so near the end of a step this waits for the next one rather than send a code that runs out on
    the way."""
    import time

    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from tests.conftest import TOTP_SECRET

    if 30 - time.time() % 30 < 3:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))
