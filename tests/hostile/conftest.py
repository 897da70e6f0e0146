"""Helpers for the hostile-input tests: counting every row the app keeps, so a refused form can be shown to have
saved nothing at all, and the session builder's ordinary answers, to be spoiled one field at a time."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from sessions_app.models import Session
from tests.sessions_app.conftest import make_session  # noqa: F401 - the sessions tests' builder, shared here

# Rows written by every request whatever it does (the access and audit trail of reads, sign-in sessions) are
# not "a partial save"; everything else is.
NOT_COUNTED = {"sessions.session", "core.accessevent"}


def row_counts() -> dict[str, int]:
    """How many rows each of our models holds (third-party tables are left out)."""
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.proxy or label in NOT_COUNTED:
            continue
        if model._meta.app_label not in {"core", "notifications", "groups", "sessions_app", "payments", "safeguarding"}:
            continue
        counts[label] = model.objects.count()
    return counts


def changed_tables(before: dict[str, int], after: dict[str, int]) -> dict[str, tuple[int, int]]:
    return {name: (before[name], after[name]) for name in before if before[name] != after[name]}


def next_week_day() -> str:
    return (timezone.localdate() + timedelta(days=7)).isoformat()


def builder_data(venue, lead, supports=(), **overrides) -> dict:
    """What a facilitator types into the session builder for an ordinary session next week."""
    data = {
        "title": "Planning the summer fun day",
        "purpose": "Decide together what the fun day offers families.",
        "date": next_week_day(),
        "start_time": "10:00",
        "end_time": "12:00",
        "format": Session.Format.IN_PERSON,
        "venue": venue.pk if venue else "",
        "joining_link": "",
        "capacity": "12",
        "content_note": "",
        "preparation_days": "3",
        "lead": lead.pk,
        "supports": [s.pk for s in supports],
        "agenda": "Welcome and news\nIdeas for the day",
        "breaks": "11:00 for 15 minutes",
        "repeat_weeks": "1",
    }
    data.update(overrides)
    return data


@pytest.fixture
def builder(venue, facilitator, facilitator2):
    def make(**overrides):
        return builder_data(venue, facilitator, [facilitator2], **overrides)

    return make
