"""The organisation's audit trail page: its admins only, their organisation's events only, searchable by person,
action, object and date, 50 to a page, in the same number of queries whatever the length of the trail."""

from datetime import date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from core.models import AuditEvent
from groups import selectors, services
from groups.models import Group, StaffRole

UTC = ZoneInfo("UTC")


def trail_url(organisation, **params):
    url = reverse("organisations:audit_trail", args=[organisation.pk])
    return f"{url}?{urlencode(params)}" if params else url


def shown(response) -> list[AuditEvent]:
    return list(response.context["page"].rows)


@pytest.fixture
def other_admin(make_user, other_organisation, grant):
    return grant(make_user(email="hill.admin@example.test", full_name="Hal Hillside"), other_organisation, "admin")


@pytest.fixture
def other_group_there(other_organisation, other_admin):
    return services.group_create(
        organisation=other_organisation,
        name="Hillside parents",
        kind=Group.Kind.COPRODUCTION,
        purpose="Hillside's parents.",
        acting_user=other_admin,
    )


# --- who may see it -------------------------------------------------------------------------------------


@pytest.mark.permissions
@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, "login"),
        ("outsider", 404),
        ("other_admin", 404),
        ("parent", 403),
        ("facilitator", 403),
        ("governance_lead", 403),
        ("org_admin", 200),
    ],
)
def test_only_the_organisations_admins_see_its_trail(request, client, group_with_members, organisation, who, expected):
    if who:
        client.force_login(request.getfixturevalue(who))
    response = client.get(trail_url(organisation))
    if expected == "login":
        assert response.status_code == 302 and reverse("account_login") in response["Location"]
    else:
        assert response.status_code == expected


@pytest.mark.permissions
def test_an_organisation_that_does_not_exist_is_not_found(client, org_admin, organisation):
    client.force_login(org_admin)
    assert client.get(reverse("organisations:audit_trail", args=[organisation.pk + 999])).status_code == 404


def test_the_page_closes_when_the_admin_role_ends(client, org_admin, organisation):
    client.force_login(org_admin)
    assert client.get(trail_url(organisation)).status_code == 200
    StaffRole.objects.filter(user=org_admin).delete()
    services.staff_role_grant(organisation=organisation, user=org_admin, role=StaffRole.Role.FACILITATOR)
    assert client.get(trail_url(organisation)).status_code == 403


def test_admins_find_the_page_in_the_menu(client, org_admin, facilitator, organisation):
    client.force_login(org_admin)
    assert ("Audit trail", trail_url(organisation)) in client.get(reverse("home")).context["nav"]["items"]
    client.force_login(facilitator)
    assert "Audit trail" not in dict(client.get(reverse("home")).context["nav"]["items"])


# --- what they see --------------------------------------------------------------------------------------


def test_an_admin_sees_only_their_organisations_events(
    client, group_with_members, org_admin, organisation, other_group_there
):
    client.force_login(org_admin)
    rows = shown(client.get(trail_url(organisation)))
    assert rows and {e.organisation_id for e in rows} == {organisation.pk}
    assert "Hillside parents" not in {e.object_repr for e in rows}


def test_another_organisations_admin_sees_none_of_ours(group_with_members, organisation, other_admin, org_admin):
    assert AuditEvent.objects.filter(organisation_id=organisation.pk).exists()
    assert not selectors.audit_events_visible_to(user=other_admin, organisation=organisation).exists()
    assert selectors.audit_events_visible_to(user=org_admin, organisation=organisation).exists()


def test_the_table_says_who_what_about_when_and_from_where(client, org_admin, organisation, facilitator):
    # given: an event at 23:30 UTC on 1 July, which is 00:30 on 2 July in London
    AuditEvent.objects.create(
        action="session.published",
        actor=facilitator,
        organisation_id=organisation.pk,
        object_type="sessions_app.session",
        object_id="7",
        object_repr="Summer fun day",
        at=datetime(2026, 7, 1, 23, 30, tzinfo=UTC),
        ip_address="192.0.2.10",
    )
    client.force_login(org_admin)
    # when
    page = client.get(trail_url(organisation, object="sessions_app.session#7")).content.decode()
    # then
    for heading in ("Who", "What", "About", "When", "From address"):
        assert f'<th scope="col">{heading}</th>' in page
    assert "<caption>" in page
    assert "Fran Facilitator" in page and "Session published" in page and "Summer fun day" in page
    assert "2 Jul 2026, 12:30am" in page and "192.0.2.10" in page


# --- filters --------------------------------------------------------------------------------------------


@pytest.fixture
def trail(organisation, facilitator, facilitator2, parent):
    """Six events over three days in the organisation's trail, and one in another organisation's."""

    def add(action, actor, day, object_type="groups.group", object_id="1", object_repr="Mothers' group"):
        return AuditEvent.objects.create(
            action=action,
            actor=actor,
            organisation_id=organisation.pk,
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr,
            at=datetime(2026, 3, day, 12, 0, tzinfo=UTC),
        )

    return {
        "group": add("group.created", facilitator, 1),
        "agreement": add("agreement.version_created", facilitator, 1, "groups.agreementversion", "5", "Version 2"),
        "published": add("session.published", facilitator2, 2, "sessions_app.session", "9", "Summer fun day"),
        "cancelled": add("session.cancelled", facilitator2, 3, "sessions_app.session", "9", "Summer fun day"),
        "ack": add("agreement.acknowledged", parent, 3, "groups.acknowledgement", "3", "Pat acknowledged"),
        "job": AuditEvent.objects.create(
            action="sign_in_sessions.cleared",
            actor_label="job:clear-expired-sign-in-sessions",
            organisation_id=organisation.pk,
            at=datetime(2026, 3, 3, 13, 0, tzinfo=UTC),
        ),
        "elsewhere": AuditEvent.objects.create(
            action="session.published", actor=facilitator, organisation_id=organisation.pk + 1000
        ),
    }


def found(org_admin, organisation, **filters) -> list[str]:
    """The actions of the trail fixture's events the selector returns (the fixtures' own role grants aside)."""
    events = selectors.audit_events_visible_to(user=org_admin, organisation=organisation, **filters)
    return [e.action for e in events if e.action != "staff_role.granted"]


def test_newest_first(trail, org_admin, organisation):
    assert found(org_admin, organisation) == [
        "sign_in_sessions.cleared",
        "agreement.acknowledged",
        "session.cancelled",
        "session.published",
        "agreement.version_created",
        "group.created",
    ]


def test_filter_by_person(trail, org_admin, organisation, facilitator2, parent):
    assert found(org_admin, organisation, person=facilitator2) == ["session.cancelled", "session.published"]
    assert found(org_admin, organisation, person=str(parent.pk)) == ["agreement.acknowledged"]
    assert found(org_admin, organisation, person="pat par") == ["agreement.acknowledged"]
    assert found(org_admin, organisation, person="clear-expired") == ["sign_in_sessions.cleared"]


def test_filter_by_action_exactly_or_everything_about_a_thing(trail, org_admin, organisation):
    assert found(org_admin, organisation, action="session.published") == ["session.published"]
    assert found(org_admin, organisation, action="agreement.") == [
        "agreement.acknowledged",
        "agreement.version_created",
    ]
    assert found(org_admin, organisation, action="session") == []  # not a prefix without its dot


def test_filter_by_object(trail, org_admin, organisation):
    assert found(org_admin, organisation, object_query="sessions_app.session#9") == [
        "session.cancelled",
        "session.published",
    ]
    assert found(org_admin, organisation, object_query="#5") == ["agreement.version_created"]
    assert found(org_admin, organisation, object_query="groups.group") == ["group.created"]
    assert found(org_admin, organisation, object_query="fun day") == ["session.cancelled", "session.published"]


def test_filter_by_dates_both_included_in_london_time(trail, org_admin, organisation):
    assert found(org_admin, organisation, date_from=date(2026, 3, 2), date_to=date(2026, 3, 2)) == ["session.published"]
    assert found(org_admin, organisation, date_from=date(2026, 3, 3)) == [
        "sign_in_sessions.cleared",
        "agreement.acknowledged",
        "session.cancelled",
    ]
    assert len(found(org_admin, organisation, date_to=date(2026, 3, 1))) == 2


def test_filters_combine_on_the_page(client, trail, org_admin, organisation, facilitator2):
    client.force_login(org_admin)
    response = client.get(trail_url(organisation, person=facilitator2.email, action="session.", date_from="2026-03-03"))
    assert [e.action for e in shown(response)] == ["session.cancelled"]
    choices = dict(response.context["form"].fields["action"].choices)
    assert "session.published" in dict(choices["Exactly"]) and "session." in dict(choices["Everything about"])


@pytest.mark.parametrize(
    "params",
    [
        {"date_from": "yesterday"},
        {"date_from": "2026-03-05", "date_to": "2026-03-01"},
        {"action": "payment.made"},
        {"page": "-3"},
        {"page": "many"},
        {"object": "#"},
        {"person": "%"},
    ],
)
def test_odd_filters_show_an_error_or_nothing_never_a_server_error(client, trail, org_admin, organisation, params):
    client.force_login(org_admin)
    response = client.get(trail_url(organisation, **params))
    assert response.status_code == 200


def test_a_wrong_date_is_explained(client, trail, org_admin, organisation):
    client.force_login(org_admin)
    response = client.get(trail_url(organisation, date_from="2026-03-05", date_to="2026-03-01"))
    assert "The end date must be on or after the start date." in response.content.decode()


# --- pages ----------------------------------------------------------------------------------------------


@pytest.fixture
def many_events(organisation, facilitator):
    def make(n):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                action="session.published",
                actor=facilitator,
                organisation_id=organisation.pk,
                object_type="sessions_app.session",
                object_id=str(i),
                object_repr=f"Session {i}",
                at=datetime(2026, 3, 1, tzinfo=UTC) + timedelta(minutes=i),
            )
            for i in range(n)
        )

    return make


def test_fifty_to_a_page_with_newer_and_older_links(client, org_admin, organisation, many_events):
    many_events(120)
    client.force_login(org_admin)
    first = client.get(trail_url(organisation, action="session.published"))
    assert len(shown(first)) == 50 and shown(first)[0].object_id == "119"
    assert first.context["page"].has_next and not first.context["page"].has_previous
    assert "page=2" in first.content.decode() and "action=session.published" in first.content.decode()
    last = client.get(trail_url(organisation, action="session.published", page=3))
    assert len(shown(last)) == 20 and shown(last)[-1].object_id == "0"
    assert not last.context["page"].has_next and last.context["page"].has_previous


# The sign-in session, the person, the organisation, their standing (staff roles, memberships), the actions
# present, the page of events, and the menu's own query: the same whatever the length of the trail.
QUERIES = 8


@pytest.mark.parametrize("n", [1, 120])
def test_the_page_runs_the_same_queries_for_one_event_or_many(
    client, org_admin, organisation, facilitator, many_events, n, django_assert_num_queries
):
    # given: a trail with n events (and the roles granted by the fixtures), the admin signed in
    many_events(n)
    existing = AuditEvent.objects.filter(organisation_id=organisation.pk).count()
    client.force_login(org_admin)
    # when / then
    with django_assert_num_queries(QUERIES):
        response = client.get(trail_url(organisation))
    assert response.status_code == 200
    assert len(shown(response)) == min(50, existing)
