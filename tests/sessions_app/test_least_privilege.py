"""Security review, lower finding: every staff role saw every group's members and preparation files. Now only
the group's members, those who run it and (for members) governance leads of a group with a parent quorum do."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from groups.models import StaffRole
from sessions_app import services

ROLES_WITHOUT_NEED = [StaffRole.Role.SAFEGUARDING_LEAD, StaffRole.Role.FINANCE_OFFICER]


@pytest.fixture
def staff_of(make_user, organisation, grant):
    def make(role):
        return grant(make_user(email=f"{role}@example.test"), organisation, role)

    return make


@pytest.fixture
def shared_material(make_session, facilitator):
    session = make_session(starts_at=timezone.now() + timedelta(days=1), preparation_days=5)
    material = services.preparation_add(
        session=session,
        title="Draft plan",
        text="Read before we meet.",
        file=SimpleUploadedFile("plan.txt", b"The draft plan."),
        acting_user=facilitator,
    )
    return session, material


def _file_url(session, material):
    return reverse("sessions_app:preparation_file", args=[session.pk, material.pk])


@pytest.mark.parametrize("role", ROLES_WITHOUT_NEED + [StaffRole.Role.GOVERNANCE_LEAD])
def test_staff_outside_the_group_cannot_read_its_members_list(client, group_with_members, staff_of, role):
    client.force_login(staff_of(role))
    response = client.get(reverse("groups:members", args=[group_with_members.pk]))
    assert response.status_code == 403


def test_governance_lead_sees_the_members_of_a_committee_with_a_parent_quorum(
    client, group_with_members, governance_lead, facilitator
):
    from groups import services as group_services

    group_services.group_update(group=group_with_members, acting_user=facilitator, parent_quorum=2)
    client.force_login(governance_lead)
    response = client.get(reverse("groups:members", args=[group_with_members.pk]))
    assert response.status_code == 200
    assert "Pat Parent" in response.content.decode()


@pytest.mark.parametrize("role", ROLES_WITHOUT_NEED + [StaffRole.Role.GOVERNANCE_LEAD])
def test_staff_outside_the_group_cannot_download_or_see_preparation(client, shared_material, staff_of, role):
    session, material = shared_material
    client.force_login(staff_of(role))
    assert client.get(_file_url(session, material)).status_code == 403
    page = client.get(session.get_absolute_url())
    assert page.status_code == 200  # the session itself is not a secret inside the organisation
    assert "Draft plan" not in page.content.decode()


def test_members_and_those_who_run_the_group_still_read_preparation(client, shared_material, parent, facilitator2):
    session, material = shared_material
    for person in (parent, facilitator2):
        client.force_login(person)
        assert client.get(_file_url(session, material)).status_code == 200
        assert "Draft plan" in client.get(session.get_absolute_url()).content.decode()
