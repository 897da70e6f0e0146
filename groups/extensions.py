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
