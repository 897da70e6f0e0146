"""Who may open the organisation administration pages (staff, venues, reminder settings) and the two-step
set-up page, for every kind of person: anonymous visitors sign in; people of another organisation (its admin
too) get a 404; people inside the organisation without the admin role get a 403; its admins get the page. A
refused post changes nothing."""

import pytest
from django.urls import reverse

from groups.models import StaffRole
from sessions_app import services as session_services
from sessions_app.models import ReminderSettings, Venue

LOGIN = "/accounts/login/"
R = StaffRole.Role

PEOPLE = {
    "anonymous": LOGIN,
    "other_admin": 404,  # an admin of another organisation
    "outsider": 404,  # a facilitator of another organisation
    "parent": 403,
    "professional": 403,
    "facilitator": 403,
    "governance_lead": 403,
    "safeguarding_lead": 403,
    "finance_officer": 403,
    "org_admin": 200,
}


@pytest.fixture
def other_admin(make_user, other_organisation, grant):
    return grant(make_user(email="hillside.admin@example.test"), other_organisation, R.ADMIN)


@pytest.fixture
def world(group_with_members, outsider, venue):
    return group_with_members


PAGES = {
    "overview": lambda org, venue, staff: reverse("orgadmin:overview", args=[org.pk]),
    "staff": lambda org, venue, staff: reverse("orgadmin:staff", args=[org.pk]),
    "staff_invite": lambda org, venue, staff: reverse("orgadmin:staff_invite", args=[org.pk]),
    "staff_edit": lambda org, venue, staff: reverse("orgadmin:staff_edit", args=[org.pk, staff.pk]),
    "staff_remove": lambda org, venue, staff: reverse("orgadmin:staff_remove", args=[org.pk, staff.pk]),
    "org_venues": lambda org, venue, staff: reverse("sessions_app:org_venues", args=[org.pk]),
    "venue_edit": lambda org, venue, staff: reverse("sessions_app:venue_edit", args=[org.pk, venue.pk]),
    "venue_retire": lambda org, venue, staff: reverse("sessions_app:venue_retire", args=[org.pk, venue.pk]),
    "reminder_settings": lambda org, venue, staff: reverse("sessions_app:reminder_settings", args=[org.pk]),
}


def sign_in(client, request, person):
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize(("person", "expected"), PEOPLE.items())
def test_each_page_answers_each_person(
    client, request, world, organisation, venue, facilitator2, page, person, expected
):
    url = PAGES[page](organisation, venue, facilitator2)
    sign_in(client, request, person)

    response = client.get(url)

    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == expected, (page, person)


@pytest.mark.parametrize("page", PAGES)
def test_an_organisation_that_does_not_exist_is_not_found(client, org_admin, venue, facilitator, page):
    client.force_login(org_admin)
    url = PAGES[page](type("Missing", (), {"pk": 999_999})(), venue, facilitator)

    assert client.get(url).status_code == 404


@pytest.mark.parametrize("person", [p for p, expected in PEOPLE.items() if expected != 200])
def test_refused_posts_change_nothing(client, request, world, organisation, venue, facilitator2, person):
    sign_in(client, request, person)
    roles_before = sorted(StaffRole.objects.values_list("user_id", "role"))

    client.post(reverse("orgadmin:staff_invite", args=[organisation.pk]), {"email": "x@example.test", "role": "admin"})
    client.post(reverse("orgadmin:staff_edit", args=[organisation.pk, facilitator2.pk]), {"roles": ["admin"]})
    client.post(reverse("orgadmin:staff_remove", args=[organisation.pk, facilitator2.pk]))
    client.post(reverse("sessions_app:org_venues", args=[organisation.pk]), {"name": "Sneaky", "address": "1 Road"})
    client.post(
        reverse("sessions_app:venue_edit", args=[organisation.pk, venue.pk]), {"name": "Renamed", "address": "2 Road"}
    )
    client.post(reverse("sessions_app:venue_retire", args=[organisation.pk, venue.pk]))
    client.post(
        reverse("sessions_app:reminder_settings", args=[organisation.pk]),
        {
            "chaser_days_before": "9",
            "first_reminder_days_before": "2",
            "last_reminder_hours_before": "2",
            "quiet_from": "21:00",
            "quiet_until": "08:00",
        },
    )

    assert sorted(StaffRole.objects.values_list("user_id", "role")) == roles_before
    venue.refresh_from_db()
    assert venue.name == "Bayside Family Hub" and venue.retired_at is None
    assert not Venue.objects.filter(name="Sneaky").exists()
    assert not ReminderSettings.objects.exists()


def test_the_page_closes_when_the_admin_role_ends(client, organisation, org_admin, make_user, grant):
    second = grant(make_user(email="second.admin@example.test"), organisation, R.ADMIN)
    client.force_login(second)
    url = reverse("orgadmin:staff", args=[organisation.pk])
    assert client.get(url).status_code == 200

    from groups import services

    services.staff_roles_set(organisation=organisation, user=second, roles=[R.FACILITATOR], acting_user=org_admin)

    assert client.get(url).status_code == 403


def test_a_venue_of_another_organisation_is_not_found_through_ours(
    client, organisation, org_admin, other_organisation, other_admin
):
    theirs = session_services.venue_create(
        organisation=other_organisation, acting_user=other_admin, name="Hillside hall", address="1 Hill"
    )
    client.force_login(org_admin)

    for name in ("venue_edit", "venue_retire"):
        assert client.get(reverse(f"sessions_app:{name}", args=[organisation.pk, theirs.pk])).status_code == 404
        assert client.post(reverse(f"sessions_app:{name}", args=[organisation.pk, theirs.pk])).status_code == 404
    theirs.refresh_from_db()
    assert theirs.retired_at is None


# --- the two-step set-up page: anyone signed in may open it ------------------------------------------------

SETUP = {person: (LOGIN if expected == LOGIN else 200) for person, expected in PEOPLE.items()}


@pytest.mark.parametrize(("person", "expected"), SETUP.items())
def test_the_two_step_set_up_page(client, request, world, person, expected):
    sign_in(client, request, person)

    response = client.get(reverse("orgadmin:two_step_setup"))

    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"].startswith(LOGIN)
    else:
        assert response.status_code == 200
