"""Behaviour through the Django test client: forms with bad input, the agreement, invitations, home pages."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.urls import reverse
from django.utils import timezone

from groups import services
from groups.models import Acknowledgement, Group, Invitation, Membership, User


def text_of(response):
    """The page as a person reads it: no tags, entities decoded, runs of white space as one space."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def html_of(response):
    return html.unescape(response.content.decode())


# --- the invite form ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email,message",
    [
        ("", "Enter their email address."),
        ("   ", "Enter their email address."),
        ("not-an-email", "Enter an email address like name@example.org."),
        ("nia@", "Enter an email address like name@example.org."),
    ],
)
def test_invite_form_with_bad_input_keeps_it_and_saves_nothing(
    client, group_with_members, facilitator, email, message, mailoutbox, django_capture_on_commit_callbacks
):
    # given
    client.force_login(facilitator)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("groups:invite", args=[group_with_members.pk]),
            {"email": email, "full_name": "Nia Jones", "role": Membership.Role.PROFESSIONAL},
        )

    # then
    assert response.status_code == 200
    page = html_of(response)
    assert "There is a problem" in text_of(response)
    assert message in text_of(response)
    assert 'value="Nia Jones"' in page
    if email.strip():
        assert f'value="{email}"' in page
    checked_radios = [tag for tag in re.findall(r"<input[^>]*>", page) if 'name="role"' in tag and "checked" in tag]
    assert len(checked_radios) == 1 and 'value="professional"' in checked_radios[0]
    assert not Invitation.objects.exists()
    assert mailoutbox == []


def test_invite_form_refuses_an_existing_member_with_a_message(client, group_with_members, facilitator, parent):
    client.force_login(facilitator)

    response = client.post(
        reverse("groups:invite", args=[group_with_members.pk]), {"email": parent.email, "role": "parent"}
    )

    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert "This person is already a member of the group." in page
    assert not Invitation.objects.exists()


def test_invite_form_sends_an_invitation(
    client, group_with_members, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("groups:invite", args=[group_with_members.pk]),
            {"email": "Nia@Example.test", "full_name": "Nia Jones", "role": "professional"},
            follow=True,
        )

    assert response.redirect_chain == [(reverse("groups:members", args=[group_with_members.pk]), 302)]
    page = text_of(response)
    assert "Invitation sent to nia@example.test." in page
    assert "Nia Jones (nia@example.test)" in page  # listed under invitations waiting for an answer
    invitation = Invitation.objects.get()
    assert (invitation.email, invitation.role, invitation.full_name) == (
        "nia@example.test",
        "professional",
        "Nia Jones",
    )
    assert [m.to for m in mailoutbox] == [["nia@example.test"]]


# --- the profile form --------------------------------------------------------------------------------------


def profile_data(**overrides):
    data = {
        "full_name": "Pat Parent",
        "preferred_name": "",
        "name_pronunciation": "",
        "pronouns": "",
        "phone": "",
        "contact_preference": "email",
        "preferred_language": "English",
        "access_needs": "",
    }
    data.update(overrides)
    return data


def test_profile_text_messages_without_a_phone_is_refused_in_plain_english(client, parent):
    # given
    client.force_login(parent)

    # when
    response = client.post(
        reverse("profile"), profile_data(contact_preference="text", preferred_name="Patsy", pronouns="she/her")
    )

    # then
    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page
    assert "Add a mobile phone number to get text messages." in page
    assert 'value="Patsy"' in html_of(response)
    parent.refresh_from_db()
    assert (parent.contact_preference, parent.preferred_name, parent.pronouns) == ("email", "", "")


def test_profile_bad_phone_number_is_refused(client, parent):
    client.force_login(parent)

    response = client.post(reverse("profile"), profile_data(contact_preference="text", phone="call me"))

    assert response.status_code == 200
    assert "Enter a phone number like 07700 900123" in text_of(response)
    parent.refresh_from_db()
    assert parent.phone == ""


def test_profile_saves_text_messages_with_a_phone(client, parent):
    client.force_login(parent)

    response = client.post(
        reverse("profile"),
        profile_data(contact_preference="both", phone=" 07700 900123 ", preferred_name="Patsy", pronouns="she/her"),
    )

    assert response.status_code == 302
    assert response["Location"] == reverse("profile")
    parent.refresh_from_db()
    assert (parent.contact_preference, parent.phone, parent.preferred_name, parent.pronouns) == (
        "both",
        "07700 900123",
        "Patsy",
        "she/her",
    )


def test_profile_page_shows_the_persons_address(client, parent):
    client.force_login(parent)

    response = client.get(reverse("profile"))

    assert "Your email address is <strong>parent@example.test</strong>" in response.content.decode()


# --- starting and changing a group -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kind,quorum_given,quorum", [("governance", "", 2), ("working", "", 0), ("governance", "3", 3)]
)
def test_group_create_form_for_a_facilitator(client, organisation, facilitator, kind, quorum_given, quorum):
    # given
    client.force_login(facilitator)
    form_page = client.get(reverse("groups:create"))
    assert form_page.status_code == 200

    # when
    response = client.post(
        reverse("groups:create"),
        {
            "organisation": organisation.pk,
            "name": "  Finance committee ",
            "kind": kind,
            "purpose": "Deciding how the money is spent.",
            "parent_quorum": quorum_given,
            "agreement_text": "",
        },
    )

    # then
    group = Group.objects.get(organisation=organisation, name="Finance committee")
    assert response.status_code == 302
    assert response["Location"] == reverse("groups:detail", args=[group.pk])
    assert (group.kind, group.parent_quorum) == (kind, quorum)
    assert group.memberships.get().user == facilitator
    assert group.agreement_versions.get().number == 1
    detail = client.get(response["Location"])
    assert "Finance committee has been set up." in text_of(detail)


def test_group_create_form_refuses_a_name_in_use(client, group_with_members, organisation, facilitator):
    client.force_login(facilitator)

    response = client.post(
        reverse("groups:create"),
        {
            "organisation": organisation.pk,
            "name": "MOTHERS' GROUP",
            "kind": "coproduction",
            "purpose": "Again.",
            "parent_quorum": "",
        },
    )

    assert response.status_code == 200
    assert "There is already a group with this name. Choose another name." in text_of(response)
    assert Group.objects.filter(organisation=organisation).count() == 1


def test_group_edit_form_changes_details_and_quorum(client, group_with_members, facilitator):
    client.force_login(facilitator)

    response = client.post(
        reverse("groups:edit", args=[group_with_members.pk]),
        {"name": "Mums' committee", "kind": "governance", "purpose": "Deciding.", "parent_quorum": "4"},
    )

    assert response.status_code == 302
    group_with_members.refresh_from_db()
    assert (group_with_members.name, group_with_members.kind, group_with_members.parent_quorum) == (
        "Mums' committee",
        "governance",
        4,
    )


def test_group_edit_form_refuses_another_groups_name(client, group_with_members, other_group, facilitator):
    client.force_login(facilitator)

    response = client.post(
        reverse("groups:edit", args=[group_with_members.pk]),
        {"name": "fathers' group", "kind": "coproduction", "purpose": "x", "parent_quorum": ""},
    )

    assert response.status_code == 200
    assert "There is already a group with this name." in text_of(response)
    group_with_members.refresh_from_db()
    assert group_with_members.name == "Mothers' group"


# --- the agreement -----------------------------------------------------------------------------------------


def test_acknowledging_the_agreement_from_the_agreement_page(client, group_with_members, parent):
    # given
    client.force_login(parent)
    version = services.agreement_current(group=group_with_members)
    page = client.get(reverse("groups:agreement", args=[group_with_members.pk]))
    assert "I have read this agreement and I will work by it" in text_of(page)
    assert page.context["form"].initial["version"] == version.pk

    # when
    response = client.post(
        reverse("groups:agreement", args=[group_with_members.pk]),
        {"version": version.pk, "agree": "on"},
        follow=True,
    )

    # then
    assert response.redirect_chain == [(reverse("groups:detail", args=[group_with_members.pk]), 302)]
    assert "Thank you. You have agreed to how the group works together." in text_of(response)
    assert "You have agreed to version 1 of the group's agreement." in text_of(response)
    assert Acknowledgement.objects.filter(version=version, user=parent).exists()
    again = client.get(reverse("groups:agreement", args=[group_with_members.pk]))
    assert "You agreed to this on" in text_of(again)
    assert "I have read this agreement" not in text_of(again)


def test_acknowledging_without_ticking_the_box_is_refused(client, group_with_members, parent):
    client.force_login(parent)
    version = services.agreement_current(group=group_with_members)

    response = client.post(reverse("groups:agreement", args=[group_with_members.pk]), {"version": version.pk})

    assert response.status_code == 200
    assert "Tick the box to say you have read the agreement." in text_of(response)
    assert not Acknowledgement.objects.exists()


def test_acknowledging_an_old_version_from_a_stale_page_is_refused(client, group_with_members, parent, facilitator):
    # given: the parent opened the page on version 1, then a facilitator published version 2
    client.force_login(parent)
    v1 = services.agreement_current(group=group_with_members)
    services.agreement_publish(group=group_with_members, text="Version two.", acting_user=facilitator)

    # when
    response = client.post(reverse("groups:agreement", args=[group_with_members.pk]), {"version": v1.pk, "agree": "on"})

    # then
    assert response.status_code == 200
    assert "This agreement has been updated. Please read the new version." in text_of(response)
    assert not Acknowledgement.objects.exists()


def test_acknowledging_another_groups_version_is_not_found(client, group_with_members, other_group, parent):
    client.force_login(parent)
    foreign = services.agreement_current(group=other_group)

    response = client.post(
        reverse("groups:agreement", args=[group_with_members.pk]), {"version": foreign.pk, "agree": "on"}
    )

    assert response.status_code == 404
    assert not Acknowledgement.objects.exists()


def test_agreement_edit_publishes_a_new_version(client, group_with_members, facilitator):
    client.force_login(facilitator)

    response = client.post(
        reverse("groups:agreement_edit", args=[group_with_members.pk]), {"text": "New text."}, follow=True
    )

    assert response.redirect_chain == [(reverse("groups:members", args=[group_with_members.pk]), 302)]
    assert "Version 2 saved." in text_of(response)
    assert "have not yet agreed to version 2" in text_of(response)


def test_agreement_edit_with_unchanged_text_shows_an_error(client, group_with_members, facilitator):
    client.force_login(facilitator)
    current = services.agreement_current(group=group_with_members)

    response = client.post(reverse("groups:agreement_edit", args=[group_with_members.pk]), {"text": current.text})

    assert response.status_code == 200
    assert "This is the same as the current agreement." in text_of(response)
    assert group_with_members.agreement_versions.count() == 1


# --- accepting an invitation -------------------------------------------------------------------------------


@pytest.fixture
def invitation(group_with_members, facilitator):
    return services.invitation_create(
        group=group_with_members,
        email="nia@example.test",
        full_name="Nia",
        role=Membership.Role.PARENT,
        acting_user=facilitator,
    )


def test_accepting_an_invitation_end_to_end(client, invitation, group_with_members):
    # given
    url = reverse("invitation_accept", args=[invitation.token])
    page = client.get(url)
    assert page.status_code == 200
    assert "Join Mothers' group" in text_of(page)
    assert "Fran Facilitator has invited you" in text_of(page)
    assert page.context["form"].initial["full_name"] == "Nia"

    # when
    response = client.post(url, {"full_name": "Nia Jones", "preferred_name": "Nia"})

    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("account_request_login_code")
    user = User.objects.get(email="nia@example.test")
    assert user.full_name == "Nia Jones"
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.active().get(group=group_with_members, user=user).role == Membership.Role.PARENT
    assert client.session["invited_email"] == "nia@example.test"
    # The link has been used: it does not work a second time.
    assert client.get(url).status_code == 410


def test_accepting_an_invitation_without_a_name_is_refused(client, invitation):
    response = client.post(reverse("invitation_accept", args=[invitation.token]), {"full_name": ""})

    assert response.status_code == 200
    assert "Enter your name." in text_of(response)
    assert not User.objects.filter(email="nia@example.test").exists()


def test_accepting_while_signed_in_as_someone_else_is_refused(client, invitation, parent):
    client.force_login(parent)

    response = client.post(reverse("invitation_accept", args=[invitation.token]), {"full_name": "Pat"})

    assert response.status_code == 200
    assert "This invitation was sent to a different email address." in text_of(response)
    assert not User.objects.filter(email="nia@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_accepting_while_signed_in_as_the_invited_person(client, group_with_members, facilitator, other_group):
    dad = other_group.memberships.get(role=Membership.Role.PARENT).user
    invitation = services.invitation_create(
        group=group_with_members, email=dad.email, role=Membership.Role.PARENT, acting_user=facilitator
    )
    client.force_login(dad)

    response = client.post(reverse("invitation_accept", args=[invitation.token]), {"full_name": "Dan"})

    assert response.status_code == 302
    assert response["Location"] == reverse("groups:detail", args=[group_with_members.pk])
    assert Membership.objects.active().filter(group=group_with_members, user=dad).exists()


def test_a_made_up_token_shows_the_link_does_not_work(client, db):
    response = client.get(reverse("invitation_accept", args=["made-up"]))

    assert response.status_code == 410
    assert "This invitation link does not work" in text_of(response)


def test_an_expired_invitation_shows_the_link_does_not_work(client, invitation):
    with time_machine.travel(timezone.now() + timedelta(days=15)):
        get = client.get(reverse("invitation_accept", args=[invitation.token]))
        post = client.post(reverse("invitation_accept", args=[invitation.token]), {"full_name": "Nia Jones"})

    for response in (get, post):
        assert response.status_code == 410
        assert "This invitation link does not work" in text_of(response)
    assert not User.objects.filter(email="nia@example.test").exists()


def test_a_revoked_invitation_shows_the_link_does_not_work(client, invitation, facilitator):
    services.invitation_revoke(invitation=invitation, acting_user=facilitator)

    response = client.get(reverse("invitation_accept", args=[invitation.token]))

    assert response.status_code == 410
    assert "This invitation link does not work" in text_of(response)


# --- leaving -----------------------------------------------------------------------------------------------


def test_leaving_a_group(client, group_with_members, parent):
    client.force_login(parent)
    assert "Leave Mothers' group?" in text_of(client.get(reverse("groups:leave", args=[group_with_members.pk])))

    response = client.post(reverse("groups:leave", args=[group_with_members.pk]), follow=True)

    assert response.redirect_chain == [(reverse("home"), 302)]
    assert "You have left Mothers' group." in text_of(response)
    membership = Membership.objects.get(group=group_with_members, user=parent)
    assert membership.left_at is not None
    assert list(response.context["memberships"]) == []


# --- home pages --------------------------------------------------------------------------------------------


def test_home_for_a_parent_lists_their_groups_and_the_agreement_to_read(client, group_with_members, parent):
    # given
    client.force_login(parent)

    # when
    response = client.get(reverse("home"))

    # then
    page = text_of(response)
    assert "Hello, Pat Parent" in page
    assert "Your groups" in page
    assert "Mothers' group" in page
    assert "you are here as: parent or carer with lived experience" in page
    assert "Needs your attention" in page
    assert "has an agreement about how we work together" in page
    assert reverse("groups:agreement", args=[group_with_members.pk]) in html_of(response)
    assert "Groups you facilitate" not in page
    assert "Fathers' group" not in page


def test_home_for_a_parent_no_longer_asks_once_agreed_and_asks_again_for_a_new_version(
    client, group_with_members, parent, facilitator
):
    client.force_login(parent)
    services.agreement_acknowledge(version=services.agreement_current(group=group_with_members), user=parent)
    assert "Needs your attention" not in text_of(client.get(reverse("home")))

    services.agreement_publish(group=group_with_members, text="Version two.", acting_user=facilitator)

    page = text_of(client.get(reverse("home")))
    assert "Needs your attention" in page
    assert "has a new version of its agreement" in page


def test_home_for_a_facilitator_lists_groups_they_facilitate_with_their_size(
    client, group_with_members, other_group, facilitator
):
    # given
    client.force_login(facilitator)

    # when
    response = client.get(reverse("home"))

    # then: each group with how many members it has and a link to them (names are on the members page, so the
    # home page does not grow with every member of every group)
    page = text_of(response)
    assert "Groups you facilitate" in page
    assert "Mothers' group 4 members" in page
    assert "Pat Parent" not in page
    assert reverse("groups:members", args=[group_with_members.pk]) in html_of(response)
    assert reverse("groups:invite", args=[group_with_members.pk]) in html_of(response)
    # Fran does not facilitate the Fathers' group.
    assert [g.pk for g in response.context["facilitated_groups"]] == [group_with_members.pk]
    assert "Start a new group" in page


def test_home_for_a_person_in_no_group(client, make_user):
    client.force_login(make_user(full_name="Nia Jones"))

    page = text_of(client.get(reverse("home")))

    assert "You are not in a group yet. When a facilitator invites you, your groups will show here." in page


def test_members_page_shows_who_has_not_agreed_to_a_facilitator_only(client, group_with_members, facilitator, parent):
    services.agreement_acknowledge(version=services.agreement_current(group=group_with_members), user=parent)

    client.force_login(facilitator)
    as_facilitator = text_of(client.get(reverse("groups:members", args=[group_with_members.pk])))
    client.force_login(parent)
    as_parent = text_of(client.get(reverse("groups:members", args=[group_with_members.pk])))

    assert "3 members have not yet agreed to version 1" in as_facilitator
    assert "Not yet" in as_facilitator
    assert "Not yet" not in as_parent
    assert "Invitations waiting for an answer" not in as_parent
    assert "Pat Parent" in as_parent
