"""Extension points: places where a higher app adds to what a lower app shows or does, so the lower app never
imports the higher one (in the style of pretix's `control/signals.py`).

An app registers a receiver in its `AppConfig.ready()`:

    from core import extensions
    extensions.home_sections.register(my_home_section)

Each point below says what its receivers are called with and what they return. A receiver that has nothing to
add returns None (or an empty list or dict). Receivers run in registration order (the order of
INSTALLED_APPS); one that raises is a bug and is not hidden.

Batch points (`*_batch`, `checkin_row_markers`) are called once for a whole list, never once per row, so a page
shows markers from every app in a fixed number of queries whatever its length.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class ExtensionPoint:
    """A named list of receivers with a documented call signature."""

    def __init__(self, name: str, doc: str):
        self.name = name
        self.__doc__ = doc
        self._receivers: list[Callable] = []

    def register(self, fn: Callable) -> Callable:
        """Adds a receiver (once; registering the same function again does nothing). Usable as a decorator."""
        if fn not in self._receivers:
            self._receivers.append(fn)
        return fn

    def unregister(self, fn: Callable) -> None:
        if fn in self._receivers:
            self._receivers.remove(fn)

    @property
    def receivers(self) -> tuple[Callable, ...]:
        return tuple(self._receivers)

    def call(self, **kwargs) -> list[Any]:
        """Each receiver's result, in order, leaving out the empty ones."""
        return [r for r in (fn(**kwargs) for fn in self._receivers) if r]

    def __repr__(self):
        return f"<ExtensionPoint {self.name}: {len(self._receivers)} receivers>"


# --- pages -------------------------------------------------------------------------------------------------

home_sections = ExtensionPoint(
    "home_sections",
    """The signed-in home page. Called as ``fn(request=request)``. Returns None or a dict with "template" (the
    template to include) and whatever that template needs.""",
)

group_sections = ExtensionPoint(
    "group_sections",
    """A group's page. Called as ``fn(request=request, group=group)``. Returns None or a dict with "template"
    and its context.""",
)

session_sections = ExtensionPoint(
    "session_sections",
    """A session's page. Called as ``fn(request=request, session=session)``. Returns None or a dict with
    "template" and its context. Shown below the session's own sections, in registration order.""",
)

nav_items = ExtensionPoint(
    "nav_items",
    """The main menu. Called as ``fn(request=request)``. Returns a list of ``(label, url)`` pairs.""",
)


@dataclass(frozen=True)
class Marker:
    """A small sign beside a person's name on a list (for example "safety plan shared", "no photos").
    `label` is read by screen readers and shown as a tooltip; `short` is what sighted people see; `url`, if
    given, is where the marker leads (it must apply its own permission check)."""

    label: str
    short: str = ""
    url: str = ""
    tone: str = "secondary"  # a Bootstrap colour name


checkin_row_markers = ExtensionPoint(
    "checkin_row_markers",
    """The check-in screen: markers beside each person. Called once for the whole screen as
    ``fn(request=request, session=session, person_ids=[...])``. Returns a dict ``{person_id: [Marker, ...]}``
    (people with no marker may be left out). A receiver must answer in a fixed number of queries, whatever
    the number of people.""",
)


checkin_links = ExtensionPoint(
    "checkin_links",
    """The check-in and check-out screens: links at the top, for the facilitators at the door (for example
    "Raise a safeguarding concern"). Called as ``fn(request=request, session=session)``. Returns a list of
    ``(label, url)`` pairs. Runs no query.""",
)


def links_for(*, request, session) -> list[tuple[str, str]]:
    """Every app's links for the check-in and check-out screens, in registration order."""
    return [pair for result in checkin_links.call(request=request, session=session) for pair in result]


def markers_for(*, request, session, person_ids: list[int]) -> dict[int, list[Marker]]:
    """Every app's markers for the check-in screen, merged per person."""
    merged: dict[int, list[Marker]] = {pid: [] for pid in person_ids}
    for result in checkin_row_markers.call(request=request, session=session, person_ids=list(person_ids)):
        for pid, markers in result.items():
            if pid in merged:
                merged[pid].extend(markers)
    return merged


# --- data ----------------------------------------------------------------------------------------------------

demo_seeders = ExtensionPoint(
    "demo_seeders",
    """`manage.py seed_demo`. Called as ``fn(context=context)`` with a dict of what the lower apps created
    (people, groups, ...); a seeder may add to it for the apps above. Must be safe to run twice. Returns
    nothing.""",
)


@dataclass
class ErasureReport:
    """What one app did when a person was erased: what it removed, and what it had to keep and why."""

    app: str
    erased: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)


person_erasure = ExtensionPoint(
    "person_erasure",
    """A person is being anonymised (``groups.services.person_anonymise``). Called inside that transaction as
    ``fn(person=user, acting_user=user)``. Each app erases or anonymises what it holds about the person that it
    need not keep, keeps what it must (attendance behind a payment, safeguarding records), and returns an
    ErasureReport saying which is which. Never deletes rows others point at.""",
)


@dataclass
class DataSection:
    """Part of what is held about a person, for their own download (data rights). `rows` are dicts of plain
    values (one per record); `withheld` names records the organisation may lawfully withhold, listed (never
    silently left out) for a lead to review."""

    title: str
    rows: list[dict] = field(default_factory=list)
    withheld: list[str] = field(default_factory=list)


person_data = ExtensionPoint(
    "person_data",
    """A person asks for everything held about them. Called as ``fn(person=user)``. Returns a list of
    DataSection (what this app holds about them), in a fixed number of queries.""",
)


def all_points() -> list[ExtensionPoint]:
    return [v for v in globals().values() if isinstance(v, ExtensionPoint)]
