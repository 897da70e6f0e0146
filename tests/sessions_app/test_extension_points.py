"""Higher apps add to sessions pages through core.extensions: sections on the session page, and markers beside
each person on the check-in screen, asked for once for the whole screen."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.template import Template
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import extensions
from core.extensions import Marker
from groups import services as group_services
from groups.models import Membership, User

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)
DURING = START + timedelta(minutes=5)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(clock, make_session):
    return make_session(starts_at=START)


@pytest.fixture
def registered():
    """Registers receivers for the test and takes them away after it. The receivers the higher apps registered
    (payments, safeguarding) are set aside while the test runs, so it sees only its own."""
    added = []
    set_aside = {}

    def register(point, fn):
        if point.name not in set_aside:
            set_aside[point.name] = (point, list(point.receivers))
            for existing in point.receivers:
                point.unregister(existing)
        point.register(fn)
        added.append((point, fn))
        return fn

    yield register
    for point, fn in added:
        point.unregister(fn)
    for point, receivers in set_aside.values():
        for fn in receivers:
            point.register(fn)


def test_the_session_page_shows_sections_from_higher_apps(client, session, parent, registered):
    calls = []

    def payments_section(*, request, session):
        calls.append((request.user.pk, session.pk))
        return {"template": Template("<p>Travel paid back: {{ section.claims }} claims</p>"), "claims": 2}

    registered(extensions.session_sections, payments_section)
    registered(extensions.session_sections, lambda *, request, session: None)  # nothing to add
    client.force_login(parent)

    response = client.get(reverse("sessions_app:detail", args=[session.pk]))

    assert response.status_code == 200
    assert "<p>Travel paid back: 2 claims</p>" in response.content.decode()
    assert calls == [(parent.pk, session.pk)]


def _more_members(group, facilitator, n):
    for i in range(n):
        person = group_services.user_create(
            email=f"member{i}@example.test", full_name=f"Member {i}", password="a-long-test-password", verified=True
        )
        group_services.membership_add(group=group, user=person, role=Membership.Role.PARENT, acting_user=facilitator)


def _no_photos(calls):
    def no_photos(*, request, session, person_ids):
        """A receiver as a higher app would write it: one query for every person on the screen."""
        calls.append(sorted(person_ids))
        marked = User.objects.filter(pk__in=person_ids, email__startswith="parent").values_list("pk", flat=True)
        return {pk: [Marker(label="No photos, please", short="No photos", tone="warning")] for pk in marked}

    return no_photos


def test_the_check_in_screen_shows_each_persons_markers(
    client, clock, session, facilitator, parent, professional, registered
):
    calls = []
    registered(extensions.checkin_row_markers, _no_photos(calls))
    client.force_login(facilitator)
    clock.move_to(DURING)

    response = client.get(reverse("sessions_app:checkin_screen", args=[session.pk]))

    page = response.content.decode()
    assert calls == [sorted([parent.pk, professional.pk])]  # once, for every row
    assert page.count('<span class="visually-hidden">No photos, please</span>') == 1
    assert page.count('<span aria-hidden="true">No photos</span>') == 1
    parent_row = page[page.index(f'id="person-{parent.pk}"') :]
    assert parent_row.index("No photos") < parent_row.index("</li>")


def test_the_check_in_screen_asks_for_markers_in_a_fixed_number_of_queries(
    client, clock, session, facilitator, group_with_members, registered
):
    registered(extensions.checkin_row_markers, _no_photos([]))
    client.force_login(facilitator)
    url = reverse("sessions_app:checkin_screen", args=[session.pk])
    clock.move_to(DURING)
    client.get(url)  # warm the session and the standing caches

    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    _more_members(group_with_members, facilitator, 6)
    with CaptureQueriesContext(connection) as many:
        response = client.get(url)

    assert response.content.decode().count('Check in<span class="visually-hidden"> Member') == 6
    assert len(many) == len(few)
