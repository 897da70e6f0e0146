"""Preparation files are downloaded through a permission-checked view, never from a public address."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from groups import services as group_services
from groups.models import Membership
from sessions_app import services
from sessions_app.models import Session

LONDON = ZoneInfo("Europe/London")
START = datetime(2031, 3, 20, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def material(group_with_members, facilitator, facilitator2):
    with time_machine.travel(START - timedelta(days=10), tick=False):
        venue = services.venue_create(
            organisation=group_with_members.organisation, acting_user=facilitator, name="Hub", address="1 High St"
        )
        [session] = services.session_create(
            group=group_with_members,
            acting_user=facilitator,
            title="Planning day",
            purpose="Plan the year.",
            starts_at=START,
            ends_at=START + timedelta(hours=2),
            format=Session.Format.IN_PERSON,
            venue=venue,
            lead=facilitator,
            supports=[facilitator2],
            preparation_days=3,
        )
        services.session_publish(session=session, acting_user=facilitator)
        return services.preparation_add(
            session=session,
            title="Draft plan",
            text="Have a look before we meet.",
            file=SimpleUploadedFile("plan.txt", b"The draft plan, in plain words."),
            acting_user=facilitator,
        )


def url(material):
    return reverse("sessions_app:preparation_file", args=[material.session_id, material.pk])


def test_a_member_downloads_the_file_once_it_is_shared(client, material, parent):
    with time_machine.travel(START - timedelta(days=2), tick=False):
        client.force_login(parent)
        response = client.get(url(material))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"The draft plan, in plain words."
    assert "attachment" in response["Content-Disposition"]


def test_before_it_is_shared_a_member_cannot_download_it(client, material, parent):
    with time_machine.travel(START - timedelta(days=5), tick=False):
        client.force_login(parent)
        assert client.get(url(material)).status_code == 404


def test_a_facilitator_can_download_it_any_time(client, material, facilitator):
    with time_machine.travel(START - timedelta(days=5), tick=False):
        client.force_login(facilitator)
        assert client.get(url(material)).status_code == 200


def test_a_parent_of_another_group_is_refused(client, material, other_group):
    dad = other_group.memberships.get(role=Membership.Role.PARENT).user
    with time_machine.travel(START - timedelta(days=2), tick=False):
        client.force_login(dad)
        assert client.get(url(material)).status_code == 403


def test_someone_from_another_organisation_sees_nothing(client, material, make_user, other_organisation):
    outsider = make_user(email="outsider@example.test")
    group_services.group_create(
        organisation=other_organisation, name="Elsewhere", kind="coproduction", purpose="x", acting_user=outsider
    )
    with time_machine.travel(START - timedelta(days=2), tick=False):
        client.force_login(outsider)
        assert client.get(url(material)).status_code == 404


def test_anonymous_people_are_sent_to_sign_in(client, material):
    response = client.get(url(material))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
