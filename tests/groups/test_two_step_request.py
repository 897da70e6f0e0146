"""Two-step sign-in for a parent only when an organisation admin asks for it (issue 11, item 6): the service,
the members page action, what the person then sees, and who may use the action."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory
from django.urls import reverse

from core.models import AuditEvent
from groups import services
from groups.adapters import two_step_offered
from groups.models import StaffRole

LOGIN = "/accounts/login/"
R = StaffRole.Role


def _offered(user) -> bool:
    request = RequestFactory().get("/")
    request.user = user
    request.session = {}
    return two_step_offered(request)


def _url(group, person):
    return reverse("orgadmin:two_step_request", args=[group.pk, person.pk])


# --- the service ---------------------------------------------------------------------------------------------


def test_a_parent_is_not_offered_two_step_until_an_admin_asks(group_with_members, parent, org_admin):
    assert not _offered(parent)

    changed = services.two_step_request(person=parent, acting_user=org_admin, on=True)

    parent.refresh_from_db()
    assert changed and parent.two_step_requested
    assert _offered(parent)
    event = AuditEvent.objects.get(action="two_step.requested")
    assert event.data == {"user_id": parent.pk, "on": True}
    assert event.organisation_id == group_with_members.organisation_id


def test_asking_twice_changes_nothing_and_records_once(group_with_members, parent, org_admin):
    services.two_step_request(person=parent, acting_user=org_admin, on=True)

    assert services.two_step_request(person=parent, acting_user=org_admin, on=True) is False
    assert AuditEvent.objects.filter(action="two_step.requested").count() == 1


def test_stopping_asking_takes_the_offer_away(group_with_members, parent, org_admin):
    services.two_step_request(person=parent, acting_user=org_admin, on=True)

    assert services.two_step_request(person=parent, acting_user=org_admin, on=False) is True

    parent.refresh_from_db()
    assert not parent.two_step_requested and not _offered(parent)
    assert AuditEvent.objects.filter(action="two_step.request_withdrawn").count() == 1


@pytest.mark.parametrize("who", ["facilitator", "governance_lead", "parent", "outsider"])
def test_only_an_admin_of_the_persons_organisation_may_ask(request, group_with_members, professional, outsider, who):
    acting = request.getfixturevalue(who)

    with pytest.raises(PermissionDenied):
        services.two_step_request(person=professional, acting_user=acting, on=True)

    professional.refresh_from_db()
    assert not professional.two_step_requested
    assert not AuditEvent.objects.filter(action="two_step.requested").exists()


def test_an_admin_of_another_organisation_may_not_ask(group_with_members, parent, make_user, other_organisation, grant):
    hillside_admin = grant(make_user(email="hill.admin@example.test"), other_organisation, R.ADMIN)

    with pytest.raises(PermissionDenied):
        services.two_step_request(person=parent, acting_user=hillside_admin, on=True)


# --- the members page ----------------------------------------------------------------------------------------


def test_the_admin_asks_from_the_members_page_and_the_parent_sees_why(client, group_with_members, parent, org_admin):
    client.force_login(org_admin)
    page = client.get(reverse("groups:members", args=[group_with_members.pk]))
    assert f'action="{_url(group_with_members, parent)}"' in page.content.decode()

    response = client.post(_url(group_with_members, parent), {"on": "1"}, follow=True)

    assert response.redirect_chain[-1][0] == reverse("groups:members", args=[group_with_members.pk])
    assert "Pat Parent will be offered two-step sign-in." in response.content.decode()
    parent.refresh_from_db()
    assert parent.two_step_requested

    client.force_login(parent)
    profile = client.get(reverse("profile")).content.decode()
    assert "Your organisation has asked you to use two-step sign-in." in profile
    assert reverse("mfa_index") in profile


def test_a_parent_nobody_asked_about_sees_no_two_step_link(client, group_with_members, parent):
    client.force_login(parent)

    profile = client.get(reverse("profile")).content.decode()

    assert reverse("mfa_index") not in profile
    assert "asked you to use two-step sign-in" not in profile


def test_the_facilitator_sees_no_ask_button(client, group_with_members, facilitator, parent):
    client.force_login(facilitator)

    page = client.get(reverse("groups:members", args=[group_with_members.pk])).content.decode()

    assert "Ask for two-step sign-in" not in page


def test_someone_not_in_the_group_is_not_found(client, group_with_members, other_group, other_parent, org_admin):
    client.force_login(org_admin)

    response = client.post(_url(group_with_members, other_parent), {"on": "1"})

    assert response.status_code == 404
    other_parent.refresh_from_db()
    assert not other_parent.two_step_requested


# --- permissions: every role against the new URL -------------------------------------------------------------

PEOPLE = {
    "anonymous": LOGIN,
    "outsider": 404,
    "other_parent": 403,
    "parent": 403,
    "professional": 403,
    "facilitator": 403,
    "governance_lead": 403,
    "safeguarding_lead": 403,
    "finance_officer": 403,
    "org_admin": 302,
}


@pytest.mark.permissions
@pytest.mark.parametrize(("person", "expected"), PEOPLE.items())
def test_permissions_two_step_request_for_each_role(
    client, request, group_with_members, other_group, outsider, professional, person, expected
):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))

    response = client.post(_url(group_with_members, professional), {"on": "1"})

    professional.refresh_from_db()
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == expected, person
    assert professional.two_step_requested is (expected == 302)


@pytest.mark.permissions
def test_permissions_two_step_request_is_post_only(client, group_with_members, professional, org_admin):
    client.force_login(org_admin)

    assert client.get(_url(group_with_members, professional)).status_code == 405
