"""Organisation administration in the app: staff and their roles (invite, change, remove), venues (add, change,
retire), reminder timings and quiet hours. Each through its service, which keeps the rule and records it."""

from datetime import time, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from groups import services
from groups.models import Membership, StaffRole, User
from groups.permissions import forget_standing, has_perm
from notifications.models import Message
from sessions_app import services as session_services
from sessions_app.forms.scheduling import SessionForm
from sessions_app.models import ReminderSettings, Session, Venue
from tests.sessions_app.factories import plan_session

R = StaffRole.Role


def codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errs in error.error_dict.values() for e in errs}
    return {e.code for e in error.error_list}


def last_event(action):
    return AuditEvent.objects.filter(action=action).order_by("-pk").first()


# --- staff ---------------------------------------------------------------------------------------------------


def test_inviting_a_new_person_makes_an_account_with_no_password_and_emails_them(
    organisation, org_admin, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        role = services.staff_invite(
            organisation=organisation,
            email=" New.Person@Example.test ",
            full_name="Nia New",
            role=R.FINANCE_OFFICER,
            acting_user=org_admin,
        )

    person = User.objects.get(email="new.person@example.test")
    assert role.user == person and role.role == R.FINANCE_OFFICER
    assert not person.has_usable_password()
    assert person.full_name == "Nia New"
    [email] = [m for m in mailoutbox if "new.person@example.test" in m.to]
    assert "Finance officer" in email.body
    assert reverse("account_login") in email.body
    assert "Email me a sign-in code" in email.body
    event = last_event("staff_role.granted")
    assert event.actor_id == org_admin.pk and event.data["role"] == R.FINANCE_OFFICER
    assert Message.objects.filter(kind="groups.staff_invitation", person=person).count() == 1


def test_inviting_someone_who_has_an_account_gives_them_the_role(organisation, org_admin, parent):
    services.staff_invite(organisation=organisation, email=parent.email, role=R.FACILITATOR, acting_user=org_admin)

    assert set(StaffRole.objects.filter(user=parent).values_list("role", flat=True)) == {R.FACILITATOR}
    assert User.objects.filter(email__iexact=parent.email).count() == 1


def test_inviting_someone_to_a_role_they_hold_is_refused(organisation, org_admin, facilitator):
    with pytest.raises(ValidationError) as error:
        services.staff_invite(
            organisation=organisation, email=facilitator.email, role=R.FACILITATOR, acting_user=org_admin
        )
    assert codes(error.value) == {"already_staff"}


def test_changing_roles_adds_and_removes_and_records_both(organisation, org_admin, facilitator):
    change = services.staff_roles_set(
        organisation=organisation,
        user=facilitator,
        roles=[R.GOVERNANCE_LEAD, R.SAFEGUARDING_LEAD],
        acting_user=org_admin,
    )

    assert change == {"added": [R.GOVERNANCE_LEAD, R.SAFEGUARDING_LEAD], "removed": [R.FACILITATOR]}
    assert set(StaffRole.objects.filter(user=facilitator).values_list("role", flat=True)) == {
        R.GOVERNANCE_LEAD,
        R.SAFEGUARDING_LEAD,
    }
    event = last_event("staff_roles.changed")
    assert event.data == {"user_id": facilitator.pk, **change}
    assert event.organisation_id == organisation.pk


@pytest.mark.parametrize(
    ("roles", "code"),
    [([], "no_role"), (["wizard"], "unknown_role")],
)
def test_roles_must_be_known_and_at_least_one(organisation, org_admin, facilitator, roles, code):
    with pytest.raises(ValidationError) as error:
        services.staff_roles_set(organisation=organisation, user=facilitator, roles=roles, acting_user=org_admin)
    assert codes(error.value) == {code}


def test_an_admin_keeps_their_own_admin_role_and_the_organisation_keeps_an_admin(
    organisation, org_admin, make_user, grant
):
    with pytest.raises(ValidationError) as error:
        services.staff_roles_set(
            organisation=organisation, user=org_admin, roles=[R.FACILITATOR], acting_user=org_admin
        )
    assert codes(error.value) == {"own_admin_role"}

    second = grant(make_user(email="second.admin@example.test"), organisation, R.ADMIN)
    services.staff_roles_set(organisation=organisation, user=second, roles=[R.FACILITATOR], acting_user=org_admin)
    assert not StaffRole.objects.filter(user=second, role=R.ADMIN).exists()


def test_removing_a_facilitator_through_the_page_ends_their_roles_and_their_management_of_groups(
    client, organisation, org_admin, facilitator, group_with_members, django_capture_on_commit_callbacks
):
    assert has_perm(facilitator, "group.manage", group_with_members)
    client.force_login(org_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("orgadmin:staff_remove", args=[organisation.pk, facilitator.pk]))

    assert response.status_code == 302
    assert not StaffRole.objects.filter(user=facilitator).exists()
    forget_standing(facilitator)
    assert not has_perm(facilitator, "group.manage", group_with_members)
    event = last_event("person.removed_from_organisation")
    assert event.actor_id == org_admin.pk and event.data["roles"] == [R.FACILITATOR]
    # their place in the group's history is kept, ended
    assert Membership.objects.get(user=facilitator, group=group_with_members).left_at is not None


def test_nobody_removes_themselves(client, organisation, org_admin):
    client.force_login(org_admin)

    response = client.post(reverse("orgadmin:staff_remove", args=[organisation.pk, org_admin.pk]), follow=True)

    assert "You cannot remove yourself." in response.content.decode()
    assert StaffRole.objects.filter(user=org_admin, role=R.ADMIN).exists()


def test_removing_only_the_roles_keeps_the_memberships_and_is_recorded(
    organisation, org_admin, facilitator, group_with_members
):
    removed = services.staff_roles_remove(organisation=organisation, user=facilitator, acting_user=org_admin)

    assert removed == [R.FACILITATOR]
    assert not StaffRole.objects.filter(user=facilitator).exists()
    assert Membership.objects.active().filter(user=facilitator, group=group_with_members).exists()
    assert last_event("staff_roles.removed").data == {"user_id": facilitator.pk, "roles": [R.FACILITATOR]}
    with pytest.raises(ValidationError) as error:
        services.staff_roles_remove(organisation=organisation, user=org_admin, acting_user=org_admin)
    assert codes(error.value) == {"remove_self"}


# --- staff pages ---------------------------------------------------------------------------------------------


def test_the_staff_page_lists_people_and_their_roles(client, organisation, org_admin, facilitator, governance_lead):
    client.force_login(org_admin)

    text = client.get(reverse("orgadmin:staff", args=[organisation.pk])).content.decode()

    for person in (org_admin, facilitator, governance_lead):
        assert person.email in text
    assert "Governance lead" in text


def test_the_staff_page_runs_the_same_queries_for_one_person_or_thirty(
    client, organisation, org_admin, make_user, grant, django_assert_num_queries
):
    url = reverse("orgadmin:staff", args=[organisation.pk])
    client.force_login(org_admin)
    client.get(url)
    with django_assert_num_queries(9):
        assert client.get(url).status_code == 200
    for i in range(30):
        grant(make_user(email=f"staff{i:02d}@example.test", full_name=f"Staff {i:02d}"), organisation, R.FACILITATOR)
    with django_assert_num_queries(9):
        page = client.get(url)
    assert page.context["page"].paginator.count == 31
    assert "Next page" in page.content.decode()


def test_inviting_through_the_page(client, organisation, org_admin, django_capture_on_commit_callbacks):
    client.force_login(org_admin)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("orgadmin:staff_invite", args=[organisation.pk]),
            {"email": "lead@example.test", "full_name": "Lee Lead", "role": R.SAFEGUARDING_LEAD},
        )

    assert response.status_code == 302
    assert StaffRole.objects.filter(user__email="lead@example.test", role=R.SAFEGUARDING_LEAD).exists()


def test_a_wrong_invitation_shows_the_error_summary_and_saves_nothing(client, organisation, org_admin):
    client.force_login(org_admin)
    before = StaffRole.objects.count()

    response = client.post(reverse("orgadmin:staff_invite", args=[organisation.pk]), {"email": "not-an-address"})

    assert response.status_code == 200
    text = response.content.decode()
    assert "There is a problem" in text
    assert "Enter an email address like name@example.org." in text
    assert "Choose a role." in text
    assert StaffRole.objects.count() == before


def test_changing_roles_through_the_page(client, organisation, org_admin, facilitator):
    client.force_login(org_admin)
    url = reverse("orgadmin:staff_edit", args=[organisation.pk, facilitator.pk])
    assert client.get(url).context["form"].initial == {"roles": [R.FACILITATOR]}

    response = client.post(url, {"roles": [R.FACILITATOR, R.GOVERNANCE_LEAD]})

    assert response.status_code == 302
    assert set(StaffRole.objects.filter(user=facilitator).values_list("role", flat=True)) == {
        R.FACILITATOR,
        R.GOVERNANCE_LEAD,
    }


def test_a_service_refusal_shows_on_the_roles_page(client, organisation, org_admin):
    client.force_login(org_admin)

    response = client.post(
        reverse("orgadmin:staff_edit", args=[organisation.pk, org_admin.pk]), {"roles": [R.FACILITATOR]}
    )

    assert response.status_code == 200
    assert "You cannot take away your own admin role." in response.content.decode()
    assert StaffRole.objects.filter(user=org_admin, role=R.ADMIN).exists()


def test_removal_asks_first_then_removes(client, organisation, org_admin, facilitator):
    client.force_login(org_admin)
    url = reverse("orgadmin:staff_remove", args=[organisation.pk, facilitator.pk])

    page = client.get(url)
    assert "Yes, remove them" in page.content.decode()
    assert StaffRole.objects.filter(user=facilitator).exists()

    assert client.post(url).status_code == 302
    assert not StaffRole.objects.filter(user=facilitator).exists()
    # the person is no longer staff here: their pages are not found
    assert client.get(url).status_code == 404


def test_a_person_without_a_role_here_is_not_found(client, organisation, org_admin, parent, outsider):
    client.force_login(org_admin)

    for person in (parent, outsider):
        assert client.get(reverse("orgadmin:staff_edit", args=[organisation.pk, person.pk])).status_code == 404


def test_admins_have_the_organisation_in_their_menu(client, organisation, org_admin, facilitator):
    client.force_login(org_admin)
    assert reverse("orgadmin:overview", args=[organisation.pk]) in client.get(reverse("home")).content.decode()

    client.force_login(facilitator)
    assert reverse("orgadmin:overview", args=[organisation.pk]) not in client.get(reverse("home")).content.decode()


def test_the_overview_links_to_everything_an_admin_runs(client, organisation, org_admin):
    client.force_login(org_admin)

    text = client.get(reverse("orgadmin:overview", args=[organisation.pk])).content.decode()

    for url in (
        reverse("orgadmin:staff", args=[organisation.pk]),
        reverse("sessions_app:org_venues", args=[organisation.pk]),
        reverse("sessions_app:reminder_settings", args=[organisation.pk]),
        reverse("organisations:audit_trail", args=[organisation.pk]),
    ):
        assert url in text


# --- venues --------------------------------------------------------------------------------------------------


def test_changing_a_venue_records_which_fields_changed(venue, org_admin):
    session_services.venue_update(venue=venue, acting_user=org_admin, name="Bayside Hub", step_free=True)

    venue.refresh_from_db()
    assert venue.name == "Bayside Hub"
    assert last_event("venue.updated").data == {"fields": ["name"]}


def test_a_venue_name_stays_unique_in_the_organisation(venue, organisation, org_admin):
    other = session_services.venue_create(
        organisation=organisation, acting_user=org_admin, name="Library", address="1 Road"
    )

    with pytest.raises(ValidationError):
        session_services.venue_update(venue=other, acting_user=org_admin, name=venue.name)


def test_a_retired_venue_is_not_offered_for_new_sessions_but_old_sessions_keep_it(
    venue, org_admin, group_with_members, facilitator, facilitator2
):
    # given: a session at the venue
    session = plan_session(
        group_with_members, facilitator, facilitator2, starts_at=timezone.now() + timedelta(days=10), venue=venue
    )

    # when
    session_services.venue_retire(venue=venue, acting_user=org_admin)
    session_services.venue_retire(venue=venue, acting_user=org_admin)  # twice changes nothing

    # then
    venue.refresh_from_db()
    assert venue.retired_at is not None
    assert AuditEvent.objects.filter(action="venue.retired", object_id=str(venue.pk)).count() == 1
    assert Session.objects.get(pk=session.pk).venue_id == venue.pk
    assert venue not in SessionForm(group=group_with_members).fields["venue"].queryset
    assert venue in SessionForm(group=group_with_members, initial={"venue": venue.pk}).fields["venue"].queryset
    with pytest.raises(ValidationError) as error:
        plan_session(
            group_with_members, facilitator, facilitator2, starts_at=timezone.now() + timedelta(days=20), venue=venue
        )
    assert codes(error.value) == {"venue_retired"}
    # editing the session that is there keeps it
    session_services.session_update(session=session, acting_user=facilitator, title="Still at the hub", venue=venue)
    with pytest.raises(ValidationError) as error:
        session_services.venue_update(venue=venue, acting_user=org_admin, name="Renamed")
    assert codes(error.value) == {"venue_retired"}


def test_venue_pages(client, organisation, org_admin, venue):
    client.force_login(org_admin)
    venues_url = reverse("sessions_app:org_venues", args=[organisation.pk])

    response = client.post(venues_url, {"name": "Church hall", "address": "2 Church Lane", "step_free": "on"})
    assert response.status_code == 302
    hall = Venue.objects.get(name="Church hall", organisation=organisation)
    assert hall.step_free

    response = client.post(
        reverse("sessions_app:venue_edit", args=[organisation.pk, hall.pk]),
        {"name": "Church hall", "address": "2 Church Lane, BS1 1AA"},
    )
    assert response.status_code == 302
    hall.refresh_from_db()
    assert hall.address == "2 Church Lane, BS1 1AA" and not hall.step_free

    retire = reverse("sessions_app:venue_retire", args=[organisation.pk, hall.pk])
    assert "Yes, stop using it" in client.get(retire).content.decode()
    assert client.post(retire).status_code == 302
    hall.refresh_from_db()
    assert hall.retired_at is not None
    assert "No longer used" in client.get(venues_url).content.decode()


def test_another_organisations_venue_is_not_found(client, organisation, org_admin, other_organisation, outsider):
    theirs = session_services.venue_create(
        organisation=other_organisation, acting_user=outsider, name="Hillside hall", address="1 Hill"
    )
    client.force_login(org_admin)

    assert client.get(reverse("sessions_app:venue_edit", args=[organisation.pk, theirs.pk])).status_code == 404


# --- reminder settings ---------------------------------------------------------------------------------------


def test_reminder_settings_are_saved_and_recorded(organisation, org_admin):
    settings = session_services.reminder_settings_update(
        organisation=organisation,
        acting_user=org_admin,
        chaser_days_before=7,
        first_reminder_days_before=3,
        last_reminder_hours_before=4,
        quiet_from=time(20, 0),
        quiet_until=time(9, 0),
    )

    saved = ReminderSettings.objects.get(organisation=organisation)
    assert saved.pk == settings.pk
    assert (saved.chaser_days_before, saved.first_reminder_days_before, saved.last_reminder_hours_before) == (7, 3, 4)
    assert (saved.quiet_from, saved.quiet_until) == (time(20, 0), time(9, 0))
    assert sorted(last_event("reminder_settings.updated").data["fields"]) == [
        "chaser_days_before",
        "first_reminder_days_before",
        "last_reminder_hours_before",
        "quiet_from",
        "quiet_until",
    ]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"chaser_days_before": 2, "first_reminder_days_before": 2}, "chaser_after_reminder"),
        ({"first_reminder_days_before": 1, "last_reminder_hours_before": 30}, "last_before_first"),
        ({"quiet_from": time(8, 0), "quiet_until": time(8, 0)}, "quiet_hours_empty"),
    ],
)
def test_reminder_settings_that_make_no_sense_are_refused(organisation, org_admin, fields, code):
    with pytest.raises(ValidationError) as error:
        session_services.reminder_settings_update(organisation=organisation, acting_user=org_admin, **fields)
    assert code in codes(error.value)
    assert not AuditEvent.objects.filter(action="reminder_settings.updated").exists()


def test_the_reminder_settings_page(client, organisation, org_admin):
    client.force_login(org_admin)
    url = reverse("sessions_app:reminder_settings", args=[organisation.pk])
    assert client.get(url).context["form"].initial["chaser_days_before"] == 5  # the defaults, before any change

    response = client.post(
        url,
        {
            "chaser_days_before": "6",
            "first_reminder_days_before": "2",
            "last_reminder_hours_before": "3",
            "quiet_from": "22:00",
            "quiet_until": "07:30",
        },
    )
    assert response.status_code == 302
    assert ReminderSettings.objects.get(organisation=organisation).quiet_until == time(7, 30)

    bad = client.post(
        url,
        {
            "chaser_days_before": "1",
            "first_reminder_days_before": "2",
            "last_reminder_hours_before": "3",
            "quiet_from": "22:00",
            "quiet_until": "nonsense",
        },
    )
    assert bad.status_code == 200
    assert "Enter a time like 21:00." in bad.content.decode()
    assert ReminderSettings.objects.get(organisation=organisation).chaser_days_before == 6
