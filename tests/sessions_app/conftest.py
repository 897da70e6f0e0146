"""Fixtures shared by the sessions tests (the people, groups and venue are in tests/conftest.py)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.sessions_app.factories import plan_session


@pytest.fixture
def make_session(group_with_members, facilitator, facilitator2, venue):
    """Plans a session of the mothers' group at the venue, led by `facilitator` with `facilitator2` supporting
    (`support=False` for none), published unless `publish=False`. Without `starts_at`, the n-th session of a
    test starts a week from now plus n hours, so no two overlap. Other keyword arguments go to `plan_session`."""
    counter = {"n": 0}

    def make(*, support=True, starts_at=None, publish=True, **fields):
        counter["n"] += 1
        if starts_at is None:
            starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(
                days=7, hours=counter["n"]
            )
        fields.setdefault("venue", venue)
        return plan_session(
            fields.pop("group", group_with_members),
            fields.pop("lead", facilitator),
            facilitator2 if support is True else (support or None),
            starts_at=starts_at,
            publish=publish,
            **fields,
        )

    return make
