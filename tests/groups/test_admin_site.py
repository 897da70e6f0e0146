"""The admin site is for the people who operate the installation: its sign-in is allauth's (two-step sign-in and
the limits on failed sign-ins apply), organisation admins do not reach it, and the message log shows no link
that works."""

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value, yield_hotp_counters_from_time
from django.core.cache import cache
from django.urls import reverse

from groups import services
from notifications.models import Message
from tests.conftest import PASSWORD, TOTP_SECRET, give_two_step

ADMIN = "/admin/"
ADMIN_LOGIN = "/admin/login/"
LOGIN = reverse("account_login")


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    cache.clear()  # allauth counts failed sign-ins in the cache
    yield
    cache.clear()


@pytest.fixture
def operator(make_user):
    """An operator of the installation who has set up two-step sign-in."""
    return give_two_step(make_user(email="operator@example.test", is_staff=True, is_superuser=True))


def current_code() -> str:
    return format_hotp_value(hotp_value(TOTP_SECRET, next(yield_hotp_counters_from_time())))


def test_the_admin_sign_in_page_sends_people_to_the_ordinary_sign_in(client):
    response = client.get(ADMIN_LOGIN + "?next=/admin/")

    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=%2Fadmin%2F"


def test_a_password_posted_to_the_admin_sign_in_does_not_sign_in(client, operator):
    # when: someone posts the right email and password to Django's own admin sign-in form
    response = client.post(ADMIN_LOGIN, {"username": operator.email, "password": PASSWORD, "next": ADMIN})

    # then: nobody is signed in; the visitor is sent to allauth's sign-in
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)
    assert "_auth_user_id" not in client.session
    assert client.get(ADMIN)["Location"].startswith(ADMIN_LOGIN)


def test_the_password_alone_does_not_open_the_admin_site_for_an_account_with_two_step_sign_in(client, operator):
    # when: the operator signs in with their password on allauth's page
    response = client.post(LOGIN, {"login": operator.email, "password": PASSWORD, "next": ADMIN})

    # then: allauth asks for the code; the admin site is still closed
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    assert "_auth_user_id" not in client.session
    admin = client.get(ADMIN)
    assert admin.status_code == 302 and admin["Location"].startswith(ADMIN_LOGIN)

    # when: they give the code from their app
    response = client.post(reverse("mfa_authenticate"), {"code": current_code()})

    # then: they are in, and reach the admin site
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(operator.pk)
    assert client.get(ADMIN).status_code == 200


def test_twenty_five_wrong_passwords_are_stopped(client, operator):
    # given: 25 wrong passwords for the operator's account
    answers = [client.post(LOGIN, {"login": operator.email, "password": f"wrong-{i}"}) for i in range(25)]

    # then: allauth stops accepting attempts...
    assert any("tried to sign in too many times" in r.content.decode() for r in answers)
    # ...so even the right password is refused for now, and the admin sign-in cannot be used to get around it
    response = client.post(LOGIN, {"login": operator.email, "password": PASSWORD})
    assert response.status_code == 200
    assert "tried to sign in too many times" in response.content.decode()
    assert "_auth_user_id" not in client.session
    client.post(ADMIN_LOGIN, {"username": operator.email, "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_an_organisation_admin_is_not_an_operator(client, org_admin):
    client.force_login(org_admin)

    assert client.get(ADMIN_LOGIN).status_code == 403
    response = client.get(ADMIN)
    assert response.status_code == 302 and response["Location"].startswith(ADMIN_LOGIN)
    assert client.get("/admin/groups/user/").status_code == 302
    # and the app's menu offers them no admin site
    assert b"Admin site" not in client.get(reverse("home")).content


def test_an_operator_signed_in_reaches_the_admin_site(client, operator):
    client.force_login(operator)

    assert client.get(ADMIN).status_code == 200
    assert client.get(ADMIN_LOGIN).status_code == 302  # already signed in: Django's page sends them on


def test_the_message_log_in_the_admin_site_is_read_only_and_shows_no_working_link(
    client, operator, group_with_members, facilitator, org_admin, organisation, django_capture_on_commit_callbacks
):
    # given: a group invitation (a link that lets its holder in) and a staff role given (a sign-in page link)
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invitation_create(
            group=group_with_members, email="nia@example.test", role="parent", acting_user=facilitator
        )
        services.staff_invite(
            organisation=organisation, email="new.staff@example.test", role="facilitator", acting_user=org_admin
        )
    client.force_login(operator)

    for message in Message.objects.filter(kind__in=["groups.invitation", "groups.staff_invitation"]):
        # when
        page = client.get(reverse("admin:notifications_message_change", args=[message.pk]))
        # then
        assert page.status_code == 200
        body = page.content.decode()
        assert invitation.token not in body
        assert "[personal link]" in body
        assert 'name="_save"' not in body  # nothing to save: read-only
    assert client.get(reverse("admin:notifications_message_add")).status_code == 403
    assert client.post(reverse("admin:notifications_message_delete", args=[message.pk])).status_code == 403
    assert Message.objects.filter(pk=message.pk).exists()
