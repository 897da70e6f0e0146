"""Places on groups' pages that higher apps fill in, so `groups` never imports them.

An app registers a function in its AppConfig.ready(); the function gets the request (and the group, for group
pages) and returns None, or a dict with "template" and whatever that template needs.
"""

from collections.abc import Callable

_HOME: list[Callable] = []
_GROUP: list[Callable] = []


def register_home_section(fn: Callable) -> Callable:
    if fn not in _HOME:
        _HOME.append(fn)
    return fn


def register_group_section(fn: Callable) -> Callable:
    if fn not in _GROUP:
        _GROUP.append(fn)
    return fn


def home_sections(request) -> list[dict]:
    return [s for s in (fn(request) for fn in _HOME) if s]


def group_sections(request, group) -> list[dict]:
    return [s for s in (fn(request, group) for fn in _GROUP) if s]


_DEMO: list[Callable] = []


def register_demo_seeder(fn: Callable) -> Callable:
    """Higher apps add their demo data to `seed_demo`; each seeder gets a dict of what groups created and
    must be safe to run twice."""
    if fn not in _DEMO:
        _DEMO.append(fn)
    return fn


def run_demo_seeders(context: dict) -> None:
    for fn in _DEMO:
        fn(context)


_NAV: list[Callable] = []


def register_nav_items(fn: Callable) -> Callable:
    """fn(request) returns a list of (label, url) pairs for the main menu."""
    if fn not in _NAV:
        _NAV.append(fn)
    return fn


def nav_items(request) -> list[tuple[str, str]]:
    return [item for fn in _NAV for item in fn(request)]
