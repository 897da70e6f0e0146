"""What the per-app permission tables share (tests/payments/test_permissions_payments.py and
tests/safeguarding/test_permissions_safeguarding.py): a row's shape, the outcome a response stands for, the
address of a route in a test world, a signed-in client, and the check that a whole table answers as it says.

Outcomes: "ok" (200, 405 for a page only posted to, or a redirect that is neither sign-in nor step-up),
"login", "step_up" (allauth's "enter your code again" page), 403, 404.
"""

from django.test import Client

from core.models import AccessEvent
from groups.models import User
from tests.conftest import give_recent_second_step

LOGIN = "/accounts/login/"
STEP_UP = "/accounts/2fa/reauthenticate/"


def row(ok, *, inside, hidden=False, step_up=frozenset()):
    """Who gets the page; the rest of `inside` get a 403 (a 404 when `hidden`); everyone else signed in a 404;
    anonymous people sign in. `step_up`: who are sent to give their two-step code again."""
    return {"ok": set(ok), "inside": set() if hidden else set(inside), "step_up": set(step_up)}


def expected(entry: dict, role: str):
    if role in entry["ok"]:
        return "ok"
    if role in entry["step_up"]:
        return "step_up"
    if role == "anonymous":
        return "login"
    return 403 if role in entry["inside"] else 404


def outcome(response):
    if response.status_code == 302:
        if response["Location"].startswith(LOGIN):
            return "login"
        return "step_up" if response["Location"].startswith(STEP_UP) else "ok"
    if response.status_code in (200, 405):
        return "ok"
    return response.status_code


def url_of(route: str, world) -> str:
    path = route
    for name, value in world["args"].items():
        path = path.replace(f"<int:{name}>", str(value))
    assert "<" not in path, f"No argument for {route}"
    return "/" + path


def client_for(role: str, world, *, stepped_up: tuple[str, ...]) -> Client:
    """A client signed in as the world's `role` (none for "anonymous"); roles in `stepped_up` as if they had just
    given their two-step code."""
    client = Client()
    if role == "anonymous":
        return client
    user = User.objects.get(pk=world["people"][role])
    if role in stepped_up:
        return give_recent_second_step(client, user)
    client.force_login(user)
    return client


def wrong_answers(table: dict, client, role: str, world) -> list[str]:
    """Each route of `table` whose answer to `role` is not the table's."""
    wrong = []
    for route, entry in table.items():
        got = outcome(client.get(url_of(route, world)))
        if got != expected(entry, role):
            wrong.append(f"{route}: got {got}, expected {expected(entry, role)}")
    return wrong


def routes_without_rows(table: dict, prefix: str) -> tuple[list[str], list[str]]:
    """(URL patterns under `prefix` with no row, rows with no URL pattern)."""
    from tests.url_coverage import project_patterns

    routes = {p.route for p in project_patterns() if p.route.startswith(prefix)}
    return sorted(routes - set(table)), sorted(set(table) - routes)


def last_access_event_pk() -> int:
    last = AccessEvent.objects.order_by("-pk").first()
    return last.pk if last else 0
