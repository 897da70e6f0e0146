"""Two-step sign-in is required for staff who see safeguarding records or bank details (organisation admin,
safeguarding lead, finance officer), with a set-up page the first time; staff sessions end after
STAFF_IDLE_TIMEOUT_MINUTES without a request, parents' do not."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from allauth.mfa.models import Authenticator
from django.core.cache import cache
from django.urls import reverse

from groups import services
from groups.models import StaffRole
from tests.conftest import give_two_step

SETUP = reverse("orgadmin:two_step_setup")
HOME = reverse("home")
R = StaffRole.Role


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()


@pytest.fixture
def staff_without_two_step(make_user, organisation):
    """A person given a role through the service alone: no authenticator app yet."""

    def make(role):
        person = make_user(email=f"{role}.new@example.test")
        services.staff_role_grant(organisation=organisation, user=person, role=role)
        return person

    return make


@pytest.mark.parametrize("role", [R.ADMIN, R.SAFEGUARDING_LEAD, R.FINANCE_OFFICER])
def test_roles_that_see_safeguarding_or_bank_details_are_sent_to_set_up_two_step_sign_in(
    client, staff_without_two_step, role
):
    client.force_login(staff_without_two_step(role))

    for path in [HOME, reverse("groups:list"), reverse("profile")]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(SETUP + "?next="), path
    page = client.get(SETUP)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Set up two-step sign-in" in text
    assert "authenticator app" in text
    assert reverse("mfa_activate_totp") in text


def test_the_pages_that_set_it_up_and_signing_out_stay_open(client, staff_without_two_step):
    person = staff_without_two_step(R.ADMIN)
    client.force_login(person)

    # allauth's page that adds the key (it first asks for the password again) is not sent back to the set-up page
    activate = client.get(reverse("mfa_activate_totp"))
    assert not activate.get("Location", "").startswith(SETUP)
    assert not client.get(reverse("mfa_index")).get("Location", "").startswith(SETUP)
    assert not client.get(reverse("account_reauthenticate")).get("Location", "").startswith(SETUP)
    assert not client.get("/static/css/coprod.css").get("Location", "").startswith(SETUP)
    client.post(reverse("account_logout"))
    assert "_auth_user_id" not in client.session


def test_once_set_up_the_pages_open(client, staff_without_two_step):
    person = staff_without_two_step(R.FINANCE_OFFICER)
    client.force_login(person)
    assert client.get(HOME).status_code == 302

    # when: they add an authenticator app
    give_two_step(person)

    # then
    assert client.get(HOME).status_code == 200
    assert "You have set up two-step sign-in" in client.get(SETUP).content.decode()


def test_removing_the_key_on_the_two_step_pages_closes_the_pages_again(client, org_admin):
    client.force_login(org_admin)
    assert client.get(HOME).status_code == 200

    Authenticator.objects.filter(user=org_admin).delete()
    client.get(reverse("mfa_index"))  # where a key is removed

    assert client.get(HOME)["Location"].startswith(SETUP)


@pytest.mark.parametrize("person", ["facilitator", "governance_lead", "parent", "professional"])
def test_other_people_are_not_asked(client, request, person, group_with_members, governance_lead):
    client.force_login(request.getfixturevalue(person))

    assert client.get(HOME).status_code == 200


def test_the_rule_ends_with_the_role(client, staff_without_two_step, organisation):
    person = staff_without_two_step(R.SAFEGUARDING_LEAD)
    client.force_login(person)
    assert client.get(HOME).status_code == 302

    StaffRole.objects.filter(user=person).delete()

    assert client.get(HOME).status_code == 200


def test_the_set_up_page_only_goes_on_to_this_site(client, staff_without_two_step):
    person = give_two_step(staff_without_two_step(R.ADMIN))
    client.force_login(person)

    assert 'href="https://evil.example/"' not in client.get(SETUP + "?next=https://evil.example/").content.decode()
    assert f'href="{reverse("profile")}"' in client.get(SETUP + "?next=" + reverse("profile")).content.decode()


# --- idle timeout (the test settings turn it off for other tests: each test here sets the real 30 minutes) -----


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.mark.parametrize("person", ["facilitator", "org_admin", "governance_lead"])
def test_a_staff_session_ends_after_thirty_idle_minutes(client, request, person, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    start = datetime.now(UTC)
    client.force_login(request.getfixturevalue(person))
    with at(start):
        assert client.get(HOME).status_code == 200
    with at(start + timedelta(minutes=29)):
        assert client.get(HOME).status_code == 200  # busy: the clock starts again
    with at(start + timedelta(minutes=29 + 30)):
        assert client.get(HOME).status_code == 200
    # when: 31 minutes without a request
    with at(start + timedelta(minutes=29 + 30 + 31)):
        response = client.get(reverse("groups:list"))
        # then: signed out and sent to sign in, back to the page afterwards
        assert response.status_code == 302
        assert response["Location"] == f"{reverse('account_login')}?next=%2Fgroups%2F"
        assert "_auth_user_id" not in client.session
        assert client.get(HOME)["Location"].startswith(reverse("account_login"))


def test_the_timeout_is_a_setting(client, facilitator, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 5
    start = datetime.now(UTC)
    client.force_login(facilitator)
    with at(start):
        client.get(HOME)
    with at(start + timedelta(minutes=6)):
        assert client.get(HOME).status_code == 302


def test_an_operator_session_ends_when_idle_too(client, make_user, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    operator = make_user(email="operator@example.test", is_staff=True, is_superuser=True)
    start = datetime.now(UTC)
    client.force_login(operator)
    with at(start):
        assert client.get("/admin/").status_code == 200
    with at(start + timedelta(minutes=31)):
        assert client.get("/admin/").status_code == 302
        assert "_auth_user_id" not in client.session


def test_parents_keep_the_normal_session(client, parent, group_with_members, settings):
    settings.STAFF_IDLE_TIMEOUT_MINUTES = 30
    start = datetime.now(UTC)
    client.force_login(parent)
    with at(start):
        assert client.get(HOME).status_code == 200
    with at(start + timedelta(hours=5)):
        assert client.get(HOME).status_code == 200
        assert client.session["_auth_user_id"] == str(parent.pk)


def test_the_timeout_is_thirty_minutes_unless_set():
    from coprod.settings import base

    assert base.STAFF_IDLE_TIMEOUT_MINUTES == 30
