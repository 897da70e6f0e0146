"""Content-Security-Policy with no inline script (issue 9, item 8).

Every response carries the policy; no template of ours holds inline script, an inline event handler, an inline
style or a `javascript:` address that the policy would block; and in real Chromium, which enforces the policy,
the pages a facilitator and a governance lead use report no violation.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from groups.models import Group
from sessions_app.models import Session
from tests.browser.conftest import page, sign_in_with_password, site
from tests.sessions_app.factories import plan_session

__all__ = ["page", "site"]  # the browser journeys' fixtures, for the browser test below

BASE_DIR = Path(__file__).resolve().parent.parent

POLICY = {
    "default-src": {"'self'"},
    "script-src": {"'self'"},
    "style-src": {"'self'"},
    "img-src": {"'self'", "data:"},
    "frame-ancestors": {"'none'"},
    "form-action": {"'self'"},
    "base-uri": {"'none'"},
    "object-src": {"'none'"},
}

TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9-]*)(\s[^>]*)?>", re.DOTALL)
EVENT_HANDLER = re.compile(r"(?:^|\s)on[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"(?:^|\s)style\s*=", re.IGNORECASE)
SRC_ATTRIBUTE = re.compile(r"(?:^|\s)src\s*=", re.IGNORECASE)
# Script elements that hold data, not code: the browser never runs them, so the policy does not apply.
DATA_SCRIPT_TYPE = re.compile(r"""(?:^|\s)type\s*=\s*["']application/(?:ld\+)?json["']""", re.IGNORECASE)
JAVASCRIPT_URL = re.compile(r"""=\s*["']?\s*javascript:""", re.IGNORECASE)


def policy_of(response) -> dict[str, set[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = {}
    for part in filter(None, (p.strip() for p in header.split(";"))):
        name, *values = part.split()
        directives[name] = set(values)
    return directives


def inline_code_in(text: str) -> list[str]:
    """What in one template's text the policy would block: each problem as a short description."""
    problems = []
    for match in TAG.finditer(text):
        name, attributes = match.group(1).lower(), match.group(2) or ""
        # Template tags inside an element ({% if %} ... {% endif %}) are not attributes; drop them first.
        attributes = re.sub(r"{%.*?%}|{{.*?}}", " ", attributes, flags=re.DOTALL)
        if name == "script" and not SRC_ATTRIBUTE.search(attributes) and not DATA_SCRIPT_TYPE.search(attributes):
            problems.append("inline <script> (move it to static/js/ and load it with src=)")
        if name == "style":
            problems.append("inline <style> block (move it to static/css/coprod.css)")
        if EVENT_HANDLER.search(attributes):
            problems.append(f"inline event handler on <{name}> (add the listener in static/js/)")
        if STYLE_ATTRIBUTE.search(attributes):
            problems.append(f"style attribute on <{name}> (use a class in static/css/coprod.css)")
        if JAVASCRIPT_URL.search(attributes):
            problems.append(f"javascript: address on <{name}>")
    return problems


def our_templates() -> list[Path]:
    folders = [BASE_DIR / "templates", *BASE_DIR.glob("*/templates")]
    return sorted(p for folder in folders if ".venv" not in folder.parts for p in folder.rglob("*.html"))


def test_no_template_holds_inline_script_handlers_or_styles():
    templates = our_templates()
    assert len(templates) > 40  # the scan found the project's templates

    problems = {
        str(path.relative_to(BASE_DIR)): found
        for path in templates
        if (found := inline_code_in(path.read_text(encoding="utf-8")))
    }

    assert problems == {}


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">go()</script>',
        '<button type="button" onclick="print()">Print</button>',
        '<a href="#" class="x"\n   onmouseover="go()">x</a>',
        '<main style="margin:0">',
        "<style>.a { color: red; }</style>",
        '<a href="javascript:go()">x</a>',
        '<div {% if x %}class="a"{% endif %} style="color:red">',
    ],
)
def test_the_template_scan_finds_what_the_policy_blocks(snippet):
    assert inline_code_in(snippet)


@pytest.mark.parametrize(
    "snippet",
    [
        "<script src=\"{% static 'js/coprod.js' %}\"></script>",
        '<script id="data" type="application/json">{"a": 1}</script>',
        '<button type="button" data-print aria-controls="main-nav">Print</button>',
        '<meta name="viewport" content="width=device-width">',
        '<a href="/sessions/" data-bs-toggle="collapse">Sessions</a>',
    ],
)
def test_the_template_scan_lets_safe_markup_through(snippet):
    assert inline_code_in(snippet) == []


def urls_without_arguments(resolver=None, prefix=""):
    """Every URL of the project that takes no argument, as a path."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        pattern = str(entry.pattern)
        if isinstance(entry, URLResolver):
            if "<" not in pattern:
                yield from urls_without_arguments(entry, prefix + pattern)
        elif isinstance(entry, URLPattern) and "<" not in pattern and not pattern.startswith("^"):
            yield "/" + prefix + pattern


def test_every_page_without_arguments_sends_the_policy(client, db):
    paths = sorted(set(urls_without_arguments()))
    assert "/" in paths and "/accounts/login/" in paths and "/admin/login/" in paths

    missing = {}
    for path in paths:
        response = client.get(path)
        if policy_of(response) != POLICY:
            missing[path] = (response.status_code, response.headers.get("Content-Security-Policy"))

    assert missing == {}


def test_signed_in_pages_and_errors_send_the_policy(
    client, facilitator, facilitator2, governance_lead, parent, group_with_members
):
    session = plan_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(minutes=30),
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.org/summer",
    )
    group = Group.objects.get(pk=group_with_members.pk)
    pages = {
        facilitator: [
            "/",
            f"/groups/{group.pk}/",
            f"/groups/{group.pk}/members/",
            f"/groups/{group.pk}/sessions/",
            f"/sessions/{session.pk}/",
            f"/sessions/{session.pk}/check-in/",
            f"/sessions/{session.pk}/edit/",
            f"/sessions/{session.pk}/quorum/",
            f"/sessions/{session.pk}/messages/",
            "/sessions/follow-ups/",
            "/accounts/2fa/",
        ],
        governance_lead: ["/governance/"],
        parent: [f"/sessions/{session.pk}/", f"/sessions/{session.pk}/check-in/me/", "/profile/", "/calendar/"],
    }
    seen = {}
    for person, paths in pages.items():
        client.force_login(person)
        for path in paths:
            response = client.get(path)
            seen[(person.email, path)] = (response.status_code, policy_of(response) == POLICY)
        client.logout()
    seen["not found"] = (client.get("/no-such-page/").status_code, policy_of(client.get("/no-such-page/")) == POLICY)

    assert all(has_policy for _, has_policy in seen.values()), seen
    # The pages opened (not a sign-in redirect or a refusal), so their own templates were rendered.
    assert {key: status for key, (status, _) in seen.items() if key != "not found" and status != 200} == {}
    assert seen["not found"][0] == 404


@pytest.mark.browser
def test_chromium_reports_no_policy_violation_on_the_pages_people_use(
    page, site, facilitator, facilitator2, group_with_members
):
    session = plan_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=timezone.now().replace(microsecond=0) + timedelta(minutes=30),
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.org/summer",
    )
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))
    # An init script runs before the page's own and is not subject to the policy: it records every violation.
    page.add_init_script(
        "document.addEventListener('securitypolicyviolation', e => "
        "console.error('Content Security Policy violation: ' + e.violatedDirective + ' ' + e.blockedURI));"
    )

    sign_in_with_password(page, site, facilitator.email)
    page.wait_for_url(f"{site}/")
    for path in [
        "/",
        f"/groups/{group_with_members.pk}/",
        f"/sessions/{session.pk}/",
        f"/sessions/{session.pk}/check-in/",
        "/accounts/2fa/",
    ]:
        page.goto(f"{site}{path}")
        page.wait_for_load_state("load")
    # The menu button is Bootstrap's script: it still opens the menu on a phone.
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{site}/")
    page.get_by_role("button", name="Show or hide the menu").click()
    page.get_by_role("link", name="Your details").wait_for(state="visible")
    # The printable quorum record's "Print" button is wired by static/js/print.js.
    page.goto(f"{site}/sessions/{session.pk}/quorum/")
    page.wait_for_load_state("load")
    assert page.locator("[data-print]").count() >= 1

    assert violations == []
