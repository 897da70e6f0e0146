"""The lower findings of the security review (issue 9), each with a test that fails on the code before the fix:

- governance leads opened the quorum record and message log of any session, drafts included;
- any group facilitator could make a parent a facilitator and lower a committee's parent quorum, unrecorded;
- opening an invitation for an existing account changed that account without signing in;
- the self check-in notice said "only the session's facilitators" see feelings, which is not what the code does.
"""

import html
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import AuditEvent
from groups import services as group_services
from groups.models import Group, Invitation, Membership, StaffRole, User
from groups.permissions import has_perm, visible
from sessions_app.forms.member import FEELING_SEEN_BY
from sessions_app.models import Session
from tests.sessions_app.factories import plan_session


def soon(hours=24):
    return timezone.now().replace(second=0, microsecond=0) + timedelta(hours=hours)


def online_session(group, lead, support, *, starts_at=None, publish=True, title="Committee meeting"):
    return plan_session(
        group,
        lead,
        support,
        starts_at=starts_at or soon(),
        title=title,
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.org/committee",
        publish=publish,
    )


@pytest.fixture
def committee(organisation, facilitator, facilitator2, parent):
    """A governance committee (two parents needed) run by the two facilitators, with one parent."""
    group = group_services.group_create(
        organisation=organisation,
        name="Parent Governance Committee",
        kind=Group.Kind.GOVERNANCE,
        purpose="Parents and professionals agree how the family fund is spent.",
        acting_user=facilitator,
    )
    group_services.membership_add(
        group=group, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator
    )
    group_services.membership_add(group=group, user=parent, role=Membership.Role.PARENT, acting_user=facilitator)
    assert group.parent_quorum == 2
    return group


def trail(action):
    return list(AuditEvent.objects.filter(action=action).order_by("pk"))


# --- governance leads see the meetings they oversee, not every session ----------------------------------------


def governance_pages(session):
    return [
        reverse("sessions_app:quorum_record", args=[session.pk]),
        reverse("sessions_app:session_messages", args=[session.pk]),
    ]


def test_a_governance_lead_cannot_open_a_draft_meetings_record_or_messages(
    client, committee, facilitator, facilitator2, governance_lead
):
    draft = online_session(committee, facilitator, facilitator2, publish=False)
    assert draft.status == Session.Status.DRAFT
    client.force_login(governance_lead)

    assert [client.get(url).status_code for url in governance_pages(draft)] == [403, 403]


def test_a_governance_lead_cannot_open_the_record_or_messages_of_a_group_without_a_parent_quorum(
    client, group_with_members, facilitator, facilitator2, governance_lead
):
    # a co-production group's session: its messages say who asked for support; no quorum to oversee
    session = online_session(group_with_members, facilitator, facilitator2, title="Fun day planning")
    assert group_with_members.parent_quorum == 0
    client.force_login(governance_lead)

    assert [client.get(url).status_code for url in governance_pages(session)] == [403, 403]


def test_the_governance_lead_keeps_the_published_meetings_and_managers_keep_everything(
    client, committee, facilitator, facilitator2, governance_lead, org_admin
):
    meeting = online_session(committee, facilitator, facilitator2)
    draft = online_session(committee, facilitator, facilitator2, publish=False, starts_at=soon(48))

    client.force_login(governance_lead)
    assert [client.get(url).status_code for url in governance_pages(meeting)] == [200, 200]
    client.force_login(facilitator2)  # manages the committee: its drafts too
    assert [client.get(url).status_code for url in governance_pages(draft)] == [200, 200]
    assert has_perm(org_admin, "session.governance", draft)

    # the list form of the permission agrees with the predicate, for each of them
    every = Session.objects.filter(pk__in=[meeting.pk, draft.pk])
    for person in (governance_lead, facilitator2, org_admin):
        listed = set(visible(person, "session.governance", every).values_list("pk", flat=True))
        assert listed == {s.pk for s in every if has_perm(person, "session.governance", s)}
    assert set(visible(governance_lead, "session.governance", every).values_list("pk", flat=True)) == {meeting.pk}


# --- making someone a facilitator and lowering a quorum need an organisation admin ----------------------------


def test_a_group_facilitator_cannot_make_a_parent_a_facilitator(client, committee, facilitator, dad):
    # given the Fathers' group's dad, a parent with no staff role
    assert not StaffRole.objects.filter(user=dad).exists()

    # when the committee's facilitator invites him as a facilitator
    with pytest.raises(ValidationError) as refused:
        group_services.invitation_create(
            group=committee, email=dad.email, role=Membership.Role.FACILITATOR, acting_user=facilitator
        )

    # then it is refused with a reason, and no invitation exists
    assert refused.value.error_dict["role"][0].code == "facilitator_needs_admin"
    assert not Invitation.objects.filter(group=committee).exists()

    # and the invitation form says so too
    client.force_login(facilitator)
    response = client.post(
        reverse("groups:invite", args=[committee.pk]), {"email": "someone.new@example.test", "role": "facilitator"}
    )
    assert response.status_code == 200
    assert "Only an organisation admin can make this person a facilitator" in response.content.decode()
    assert not Invitation.objects.filter(group=committee).exists()


def test_an_organisation_admin_can_make_a_parent_a_facilitator_and_it_is_recorded(committee, org_admin, dad):
    invitation = group_services.invitation_create(
        group=committee, email=dad.email, role=Membership.Role.FACILITATOR, acting_user=org_admin
    )

    assert invitation.role == Membership.Role.FACILITATOR
    [event] = trail("invitation.sent")
    assert (event.actor_id, event.data["role"]) == (org_admin.pk, "facilitator")


def test_a_group_facilitator_may_add_one_of_the_organisations_facilitators(
    committee, facilitator, make_user, grant, organisation
):
    colleague = grant(make_user(email="colleague@example.test"), organisation, StaffRole.Role.FACILITATOR)

    invitation = group_services.invitation_create(
        group=committee, email=colleague.email, role=Membership.Role.FACILITATOR, acting_user=facilitator
    )

    assert invitation.is_open


def test_a_group_facilitator_cannot_lower_the_parent_quorum(client, committee, facilitator):
    with pytest.raises(ValidationError) as refused:
        group_services.group_update(group=committee, acting_user=facilitator, parent_quorum=1)
    assert refused.value.error_dict["parent_quorum"][0].code == "quorum_lowering_needs_admin"

    # nor by turning the committee into another kind of group, whose default is no quorum
    client.force_login(facilitator)
    response = client.post(
        reverse("groups:edit", args=[committee.pk]),
        {"name": committee.name, "kind": "coproduction", "purpose": committee.purpose, "parent_quorum": ""},
    )
    assert response.status_code == 200
    assert "Only an organisation admin can lower the number of parents needed" in response.content.decode()

    committee.refresh_from_db()
    assert (committee.kind, committee.parent_quorum) == (Group.Kind.GOVERNANCE, 2)
    assert trail("group.quorum_changed") == []


def test_an_organisation_admin_lowers_the_quorum_and_the_trail_keeps_both_numbers(committee, org_admin):
    group_services.group_update(group=committee, acting_user=org_admin, parent_quorum=1)

    committee.refresh_from_db()
    assert committee.parent_quorum == 1
    [event] = trail("group.quorum_changed")
    assert (event.actor_id, event.data) == (org_admin.pk, {"from": 2, "to": 1})


def test_a_facilitator_may_raise_the_quorum_and_it_is_recorded(committee, facilitator):
    group_services.group_update(group=committee, acting_user=facilitator, parent_quorum=3)

    [event] = trail("group.quorum_changed")
    assert (event.actor_id, event.data) == (facilitator.pk, {"from": 2, "to": 3})


# --- an invitation to an existing account is accepted by that account, signed in --------------------------------


@pytest.fixture
def invitation_for_dad(group_with_members, facilitator, dad):
    return group_services.invitation_create(
        group=group_with_members, email=dad.email, role=Membership.Role.PARENT, acting_user=facilitator
    )


def test_opening_an_invitation_for_an_existing_account_changes_nothing_before_sign_in(
    client, invitation_for_dad, group_with_members, dad
):
    # given Dan's address is not yet verified and he has no preferred name
    EmailAddress.objects.filter(user=dad).update(verified=False)
    url = reverse("invitation_accept", args=[invitation_for_dad.token])

    # when someone holding the link opens it and posts the form, signed out
    page = client.get(url)
    posted = client.post(url, {"full_name": "Someone Else", "preferred_name": "Mallory"})

    # then they are asked to sign in first, and nothing about Dan changes
    assert page.status_code == 200
    assert "Sign in first" in page.content.decode()
    assert "form" not in page.context or page.context.get("form") is None
    assert f"{reverse('account_login')}?next={url}" in page.content.decode().replace("%2F", "/")
    assert posted.status_code == 403
    dad.refresh_from_db()
    assert dad.preferred_name != "Mallory" and dad.full_name != "Someone Else"
    assert EmailAddress.objects.get(user=dad).verified is False
    assert not Membership.objects.filter(group=group_with_members, user=dad).exists()
    invitation_for_dad.refresh_from_db()
    assert invitation_for_dad.is_open


def test_the_service_refuses_an_existing_account_that_is_not_signed_in(invitation_for_dad):
    with pytest.raises(ValidationError) as refused:
        group_services.invitation_accept(invitation=invitation_for_dad, full_name="Someone Else")

    assert refused.value.code == "invitation_sign_in_first"
    invitation_for_dad.refresh_from_db()
    assert invitation_for_dad.is_open


def test_once_signed_in_the_account_accepts(client, invitation_for_dad, group_with_members, dad):
    client.force_login(dad)
    url = reverse("invitation_accept", args=[invitation_for_dad.token])

    assert "Join the group" in client.get(url).content.decode()
    response = client.post(url, {"full_name": dad.full_name, "preferred_name": ""})

    assert response.status_code == 302
    assert Membership.objects.active().filter(group=group_with_members, user=dad).exists()


def test_a_new_address_still_joins_from_the_link_alone(client, group_with_members, facilitator):
    invitation = group_services.invitation_create(
        group=group_with_members, email="nia@example.test", role=Membership.Role.PARENT, acting_user=facilitator
    )

    response = client.post(reverse("invitation_accept", args=[invitation.token]), {"full_name": "Nia Jones"})

    assert response.status_code == 302
    assert User.objects.get(email="nia@example.test").full_name == "Nia Jones"


# --- the self check-in notice says who sees a feeling ----------------------------------------------------------


def test_the_self_check_in_notice_names_everyone_who_sees_the_feeling(
    client, group_with_members, facilitator, facilitator2, parent, org_admin, make_user, grant, organisation
):
    # given a session starting in half an hour (check-in is open), and a third facilitator of the group who is
    # not one of the session's facilitators
    third = grant(make_user(email="third@example.test"), organisation, StaffRole.Role.FACILITATOR)
    group_services.membership_add(
        group=group_with_members, user=third, role=Membership.Role.FACILITATOR, acting_user=facilitator
    )
    session = online_session(group_with_members, facilitator, facilitator2, starts_at=soon(0.5), title="Coffee")

    # when the parent opens the self check-in page
    client.force_login(parent)
    page = html.unescape(client.get(reverse("sessions_app:self_checkin", args=[session.pk])).content.decode())

    # then the notice is the one that matches the rule...
    assert "Only the session's facilitators see this." not in page
    assert FEELING_SEEN_BY in page
    # ...which lets the session's facilitators and the group's managers (its facilitators, the admin) see it
    may_see = {person for person in User.objects.all() if has_perm(person, "session.run", session)}
    assert may_see == {facilitator, facilitator2, third, org_admin}
    assert "this session's facilitators" in FEELING_SEEN_BY
    assert "its facilitators and the organisation's admins" in FEELING_SEEN_BY
