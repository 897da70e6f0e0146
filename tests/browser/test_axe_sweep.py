"""The axe sweep (issue 11, "Done when"): axe-core finds no serious or critical violation on any page any role
can reach, at 390 px and at 1280 px.

The world and the pages are those of the URL x role table (tests/test_permissions_table.py): every URL pattern,
and which roles get the page. The world is built once, committed (the live server reads it from another
thread), with time standing at the table's NOW. Each role signs in once, through a session cookie made with
Django's test client (staff who need two-step sign-in hold an authenticator app, so the middleware lets them
through), and one browser page per role visits each of its pages at 1280 px and at 390 px. A page reached by
several roles is checked once per role: what a page shows depends on who looks.

Every problem found is collected and reported at the end, page by page, rather than stopping at the first.
"""

import time
from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from playwright.sync_api import Error as PlaywrightError

from groups.models import User
from sessions_app.answer_links import answer_token
from sessions_app.models import Action, Answer, FollowUp, Session, SupportRequest
from tests.browser.conftest import BLOCKING_IMPACTS, TIMEOUT_MS, _get_axe
from tests.test_permissions_table import NOW, TABLE, _act, _build, expected, url_of

pytestmark = pytest.mark.browser

WIDTHS = (1280, 390)
# One of each kind of person; the "other" ones (another group's parent and facilitator, another organisation's
# admin, the facilitator who left) see the same templates as these with other rows.
SWEEP_ROLES = (
    "anonymous",
    "parent",
    "professional",
    "facilitator",
    "governance_lead",
    "safeguarding_lead",
    "finance_officer",
    "org_admin",
)
# Pages that are not HTML, or only posted to, or a made-up secret (covered below with a real one).
SKIP = {
    "healthz",
    "sessions/<int:session_id>/calendar.ics",
    "calendar/<str:token>.ics",
    "sessions/<int:session_id>/preparation/<int:material_id>/file/",
}
ACCOUNT_PAGES = {
    "anonymous": [
        "/accounts/login/",
        "/accounts/login/code/",
        "/accounts/signup/",
        "/accounts/password/reset/",
        "/accounts/password/reset/done/",
        "/accounts/confirm-email/",
    ],
    "facilitator": [
        "/accounts/reauthenticate/",
        "/accounts/email/",
        "/accounts/password/change/",
        "/accounts/2fa/",
        "/accounts/logout/",
    ],
}


def _world():
    with time_machine.travel(NOW - timedelta(days=20), tick=False) as traveller:
        bayside, mothers, invitation, venue, held, coming, material, people = _build()
        _act(traveller, bayside, held, coming, people)
    args = {
        "organisation_id": bayside.pk,
        "group_id": mothers.pk,
        "invitation_id": invitation.pk,
        "venue_id": venue.pk,
        "user_id": people["governance_lead"].pk,
        "request_id": SupportRequest.objects.get(session=coming).pk,
        "follow_up_id": FollowUp.objects.get(session=held).pk,
        "action_id": Action.objects.get(session=held).pk,
        "material_id": material.pk,
        "token": "not-a-real-token",
        "kind": "childcare",
    }
    return {"people": {k: v.pk for k, v in people.items()}, "args": args, "held": held.pk, "coming": coming.pk}


def _paths_for(role, world) -> list[str]:
    paths = [url_of(route, world) for route in TABLE if route not in SKIP and expected(route, role) == "ok"]
    paths += ACCOUNT_PAGES.get(role, [])
    if role == "anonymous":
        coming = Session.objects.get(pk=world["coming"])
        parent = User.objects.get(pk=world["people"]["parent"])
        paths.append(f"/a/{answer_token(session=coming, person=parent, answer=Answer.NO)}/")
        paths.append("/a/not-a-real-token/")  # the page a stale or mistyped link reaches
    return paths


def _signed_in_context(browser, site, role, world):
    context = browser.new_context(viewport={"width": WIDTHS[0], "height": 900})
    if role != "anonymous":
        client = Client()
        client.force_login(User.objects.get(pk=world["people"][role]))
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies([{"name": cookie.key, "value": cookie.value, "url": site}])
    return context


def _blocking(page) -> list[str]:
    violations = _get_axe().run(page).response["violations"]
    found = []
    for v in violations:
        if v.get("impact") in BLOCKING_IMPACTS:
            targets = "; ".join(", ".join(str(t) for t in node["target"]) for node in v["nodes"][:3])
            found.append(f"{v['id']} ({v['impact']}): {v['help']} [{targets}]")
    return found


def test_no_serious_or_critical_axe_violation_on_any_page_any_role_reaches(browser, site, transactional_db):
    started = time.monotonic()
    # tick=True: the clock runs on from NOW, for the live server's thread as for this one.
    with time_machine.travel(NOW, tick=True):
        world = _world()
        problems: list[str] = []
        visited = 0
        for role in SWEEP_ROLES:
            context = _signed_in_context(browser, site, role, world)
            page = context.new_page()
            page.set_default_timeout(TIMEOUT_MS)
            page.set_default_navigation_timeout(TIMEOUT_MS)
            for path in _paths_for(role, world):
                try:
                    response = page.goto(site + path)
                except PlaywrightError:  # an empty error answer: a page only posted to (405)
                    continue
                if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                    continue
                if not page.url.startswith(site + path.split("?")[0]) and path not in page.url:
                    # a redirect (e.g. a page only posted to, or a step done already) lands on a page swept anyway
                    continue
                for width in WIDTHS:
                    page.set_viewport_size({"width": width, "height": 900})
                    visited += 1
                    for problem in _blocking(page):
                        problems.append(f"{role} {path} at {width}px: {problem}")
                page.set_viewport_size({"width": WIDTHS[0], "height": 900})
            context.close()
    print(f"axe sweep: {visited} page checks in {time.monotonic() - started:.0f}s")
    assert visited > 150, f"only {visited} page checks: are the people signed in?"
    assert problems == [], f"{len(problems)} serious or critical violation(s):\n" + "\n".join(problems)
