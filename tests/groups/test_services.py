"""The rules the groups services keep, and the invariants the database keeps behind them."""

import re
from datetime import date, timedelta
from urllib.parse import urlsplit

import pytest
import time_machine
from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups import selectors, services
from groups.models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Invitation,
    Membership,
    PathwayRole,
    User,
)
from groups.services import DEFAULT_AGREEMENT

# --- group_create ------------------------------------------------------------------------------------------


def make_group(organisation, acting_user, kind=Group.Kind.COPRODUCTION, name="Kinship carers", **extra):
    return services.group_create(
        organisation=organisation, name=name, kind=kind, purpose="Shaping support.", acting_user=acting_user, **extra
    )


@pytest.mark.parametrize(
    "kind,quorum",
    [
        (Group.Kind.GOVERNANCE, 2),
        (Group.Kind.COPRODUCTION, 0),
        (Group.Kind.WORKING, 0),
        (Group.Kind.STEERING, 0),
    ],
)
def test_group_create_default_parent_quorum(organisation, org_admin, kind, quorum):
    group = make_group(organisation, org_admin, kind=kind)

    group.refresh_from_db()
    assert group.parent_quorum == quorum
    assert group.has_quorum_rule is (quorum > 0)


def test_group_create_keeps_an_explicit_quorum(organisation, org_admin):
    group = make_group(organisation, org_admin, kind=Group.Kind.GOVERNANCE, parent_quorum=3)

    group.refresh_from_db()
    assert group.parent_quorum == 3


def test_group_create_starts_agreement_version_1(organisation, org_admin):
    group = make_group(organisation, org_admin)

    versions = list(group.agreement_versions.all())
    assert [(v.number, v.text, v.created_by) for v in versions] == [(1, DEFAULT_AGREEMENT, org_admin)]


def test_group_create_uses_the_agreement_text_given(organisation, org_admin):
    group = make_group(organisation, org_admin, agreement_text="We take turns.")

    assert services.agreement_current(group=group).text == "We take turns."


def test_group_create_makes_a_facilitator_creator_a_facilitator_member(organisation, facilitator):
    group = make_group(organisation, facilitator)

    memberships = list(group.memberships.active())
    assert [(m.user, m.role) for m in memberships] == [(facilitator, Membership.Role.FACILITATOR)]


def test_group_create_by_an_admin_adds_no_member(organisation, org_admin):
    group = make_group(organisation, org_admin)

    assert not group.memberships.exists()


def test_group_create_refuses_a_duplicate_name_in_the_organisation(organisation, other_organisation, org_admin):
    make_group(organisation, org_admin, name="Dads")

    with pytest.raises(ValidationError):
        make_group(organisation, org_admin, name="Dads")
    # The same name in another organisation is fine.
    make_group(other_organisation, org_admin, name="Dads")
    assert Group.objects.filter(name="Dads").count() == 2


# --- memberships -------------------------------------------------------------------------------------------


def test_membership_add_twice_keeps_one_active_membership(group_with_members, parent, facilitator):
    again = services.membership_add(
        group=group_with_members, user=parent, role=Membership.Role.PARENT, acting_user=facilitator
    )

    assert Membership.objects.filter(group=group_with_members, user=parent).count() == 1
    assert again == Membership.objects.get(group=group_with_members, user=parent)


def test_database_refuses_a_second_active_membership(group_with_members, parent):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(group=group_with_members, user=parent, role=Membership.Role.PROFESSIONAL)

    assert Membership.objects.filter(group=group_with_members, user=parent).count() == 1


def test_membership_leave_keeps_the_row_and_allows_rejoining(group_with_members, parent, facilitator):
    # given
    membership = Membership.objects.get(group=group_with_members, user=parent)

    # when
    left = services.membership_leave(membership=membership, acting_user=parent)

    # then: the row is kept, with the date they left
    assert left.pk == membership.pk
    left.refresh_from_db()
    assert left.left_at is not None
    assert not Membership.objects.active().filter(group=group_with_members, user=parent).exists()

    # when: invited back later
    with time_machine.travel(timezone.now() + timedelta(days=30)):
        rejoined = services.membership_add(
            group=group_with_members, user=parent, role=Membership.Role.PARENT, acting_user=facilitator
        )

    # then: a new active membership, the old one still there
    assert rejoined.pk != membership.pk
    assert rejoined.left_at is None
    rows = Membership.objects.filter(group=group_with_members, user=parent).order_by("joined_at")
    assert [r.left_at is None for r in rows] == [False, True]


def test_membership_leave_twice_keeps_the_first_date(group_with_members, parent):
    membership = Membership.objects.get(group=group_with_members, user=parent)
    first = services.membership_leave(membership=membership, acting_user=parent).left_at

    with time_machine.travel(timezone.now() + timedelta(days=1)):
        second = services.membership_leave(membership=membership, acting_user=parent).left_at

    assert second == first


def test_a_left_member_may_hold_a_new_active_membership_at_the_database(group_with_members, parent):
    # The unique constraint is partial: only active memberships count.
    services.membership_leave(
        membership=Membership.objects.get(group=group_with_members, user=parent), acting_user=parent
    )

    Membership.objects.create(group=group_with_members, user=parent, role=Membership.Role.PARENT)

    assert Membership.objects.filter(group=group_with_members, user=parent).count() == 2


# --- agreements --------------------------------------------------------------------------------------------


def test_agreement_publish_numbers_versions(group_with_members, facilitator):
    v2 = services.agreement_publish(group=group_with_members, text="Second", acting_user=facilitator)
    v3 = services.agreement_publish(group=group_with_members, text="Third", acting_user=facilitator)

    assert (v2.number, v3.number) == (2, 3)
    assert list(group_with_members.agreement_versions.values_list("number", flat=True)) == [3, 2, 1]
    assert services.agreement_current(group=group_with_members) == v3
    assert v3.created_by == facilitator


def test_agreement_versions_are_numbered_per_group(group_with_members, other_group, facilitator, facilitator2):
    services.agreement_publish(group=group_with_members, text="Second", acting_user=facilitator)

    v = services.agreement_publish(group=other_group, text="Fathers' second", acting_user=facilitator2)

    assert v.number == 2


@pytest.mark.parametrize("text", ["", "   \n  "])
def test_agreement_publish_refuses_empty_text(group_with_members, facilitator, text):
    with pytest.raises(ValidationError) as exc:
        services.agreement_publish(group=group_with_members, text=text, acting_user=facilitator)

    assert "text" in exc.value.error_dict
    assert group_with_members.agreement_versions.count() == 1


def test_agreement_publish_refuses_unchanged_text(group_with_members, facilitator):
    current = services.agreement_current(group=group_with_members)

    with pytest.raises(ValidationError) as exc:
        services.agreement_publish(group=group_with_members, text=current.text + "\n  ", acting_user=facilitator)

    assert "same as the current agreement" in str(exc.value)
    assert group_with_members.agreement_versions.count() == 1


def test_database_refuses_a_duplicate_version_number(group_with_members):
    with pytest.raises(IntegrityError), transaction.atomic():
        AgreementVersion.objects.create(group=group_with_members, number=1, text="Sneaky")


def test_a_new_version_asks_members_to_acknowledge_again(group_with_members, parent, facilitator):
    # given: the parent has acknowledged version 1
    v1 = services.agreement_current(group=group_with_members)
    assert selectors.agreements_awaiting(user=parent) == [v1]
    services.agreement_acknowledge(version=v1, user=parent)
    assert selectors.agreements_awaiting(user=parent) == []

    # when
    v2 = services.agreement_publish(group=group_with_members, text="A new way of working.", acting_user=facilitator)

    # then
    assert selectors.agreements_awaiting(user=parent) == [v2]
    rows = {
        r.membership.user: r.acknowledged for r in selectors.group_members(group=group_with_members, current_version=v2)
    }
    assert rows[parent] is False


def test_agreement_acknowledge_records_once(group_with_members, parent):
    version = services.agreement_current(group=group_with_members)

    first = services.agreement_acknowledge(version=version, user=parent)
    second = services.agreement_acknowledge(version=version, user=parent)

    assert first.pk == second.pk
    assert Acknowledgement.objects.filter(version=version, user=parent).count() == 1


def test_agreement_acknowledge_refuses_non_members(group_with_members, org_admin, other_group):
    version = services.agreement_current(group=group_with_members)
    dad = other_group.memberships.get(role=Membership.Role.PARENT).user

    for person in (org_admin, dad):
        with pytest.raises(ValidationError, match="Only members"):
            services.agreement_acknowledge(version=version, user=person)

    assert not Acknowledgement.objects.filter(version=version).exists()


def test_agreement_acknowledge_refuses_people_who_left(group_with_members, parent):
    services.membership_leave(
        membership=Membership.objects.get(group=group_with_members, user=parent), acting_user=parent
    )

    with pytest.raises(ValidationError, match="Only members"):
        services.agreement_acknowledge(version=services.agreement_current(group=group_with_members), user=parent)


def test_agreement_acknowledge_refuses_an_old_version(group_with_members, parent, facilitator):
    v1 = services.agreement_current(group=group_with_members)
    services.agreement_publish(group=group_with_members, text="Version two.", acting_user=facilitator)

    with pytest.raises(ValidationError, match="has been updated"):
        services.agreement_acknowledge(version=v1, user=parent)

    assert not Acknowledgement.objects.filter(user=parent).exists()


# --- invitations -------------------------------------------------------------------------------------------


def invite(group, by, email="new.parent@example.test", role=Membership.Role.PARENT, **extra):
    return services.invitation_create(group=group, email=email, role=role, acting_user=by, **extra)


def test_invitation_create_stores_an_open_invitation(group_with_members, facilitator, settings):
    invitation = invite(group_with_members, facilitator, email="  New.Parent@Example.TEST ", full_name="Nia")

    invitation.refresh_from_db()
    assert invitation.email == "new.parent@example.test"
    assert invitation.full_name == "Nia"
    assert invitation.invited_by == facilitator
    assert invitation.is_open
    assert len(invitation.token) >= 40
    expected_expiry = timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS)
    assert abs((invitation.expires_at - expected_expiry).total_seconds()) < 60


@pytest.mark.parametrize("email", ["parent@example.test", "PARENT@example.test"])
def test_invitation_create_refuses_existing_members(group_with_members, facilitator, email):
    with pytest.raises(ValidationError) as exc:
        invite(group_with_members, facilitator, email=email)

    assert "already a member" in str(exc.value.error_dict["email"])
    assert not Invitation.objects.exists()


def test_invitation_create_invites_a_former_member(group_with_members, facilitator, parent):
    services.membership_leave(
        membership=Membership.objects.get(group=group_with_members, user=parent), acting_user=parent
    )

    invitation = invite(group_with_members, facilitator, email=parent.email)

    assert invitation.is_open


def test_inviting_again_reuses_the_open_invitation(group_with_members, facilitator, facilitator2):
    # given
    first = invite(group_with_members, facilitator, full_name="Nia")

    # when: a week later, someone invites the same address again, with different capitals
    with time_machine.travel(timezone.now() + timedelta(days=7)):
        second = invite(
            group_with_members, facilitator2, email="NEW.parent@example.test", role=Membership.Role.PROFESSIONAL
        )
        later_expiry = timezone.now() + timedelta(days=14)

    # then: one row, same token, fresh expiry and the new role
    assert Invitation.objects.count() == 1
    assert second.pk == first.pk
    second.refresh_from_db()
    assert second.token == first.token
    assert second.role == Membership.Role.PROFESSIONAL
    assert second.full_name == "Nia"
    assert abs((second.expires_at - later_expiry).total_seconds()) < 60


def test_inviting_after_a_revoked_invitation_makes_a_new_one(group_with_members, facilitator):
    first = invite(group_with_members, facilitator)
    services.invitation_revoke(invitation=first, acting_user=facilitator)

    second = invite(group_with_members, facilitator)

    assert second.pk != first.pk
    assert second.token != first.token
    assert Invitation.objects.count() == 2


def test_database_refuses_two_open_invitations_for_one_address(group_with_members, facilitator):
    first = invite(group_with_members, facilitator)

    with pytest.raises(IntegrityError), transaction.atomic():
        Invitation.objects.create(
            group=group_with_members,
            email=first.email.upper(),
            token="another-token",
            invited_by=facilitator,
            expires_at=first.expires_at,
        )


def test_invitation_email_is_sent_after_commit(
    group_with_members, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = invite(group_with_members, facilitator, full_name="Nia Jones")
        # then: nothing is sent before the transaction commits
        assert mailoutbox == []
    assert len(callbacks) == 1

    # when: it commits
    callbacks[0]()

    # then
    assert len(mailoutbox) == 1
    message = mailoutbox[0]
    assert message.to == [invitation.email]
    assert message.subject == "You are invited to join Mothers' group"
    assert "Hello Nia Jones" in message.body
    assert invitation.token in message.body


def test_invitation_email_is_not_sent_when_the_transaction_rolls_back(
    group_with_members, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    class Boom(Exception):
        pass

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(Boom), transaction.atomic():
            invite(group_with_members, facilitator)
            raise Boom

    assert callbacks == []
    assert mailoutbox == []
    assert not Invitation.objects.exists()


def test_the_link_in_the_invitation_email_works(
    client, group_with_members, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        invite(group_with_members, facilitator)
    link = re.search(r"https?://\S+", mailoutbox[0].body).group(0)

    response = client.get(urlsplit(link).path)

    assert response.status_code == 200
    assert response.context["invitation"].email == "new.parent@example.test"
    assert b"Join Mothers" in response.content


def test_invitation_revoke_closes_it(group_with_members, facilitator):
    invitation = invite(group_with_members, facilitator)

    services.invitation_revoke(invitation=invitation, acting_user=facilitator)

    invitation.refresh_from_db()
    assert invitation.revoked_at is not None
    assert not invitation.is_open
    assert services.invitation_find_open(token=invitation.token) is None


# --- accepting an invitation -------------------------------------------------------------------------------


def test_invitation_accept_creates_a_verified_person_and_membership(group_with_members, facilitator):
    # given
    invitation = invite(group_with_members, facilitator, email="Helen@Example.test", role=Membership.Role.PROFESSIONAL)

    # when
    membership = services.invitation_accept(invitation=invitation, full_name="  Helen Firth ", preferred_name="Nell")

    # then
    user = User.objects.get(email="helen@example.test")
    assert (user.full_name, user.preferred_name) == ("Helen Firth", "Nell")
    assert not user.has_usable_password()
    address = EmailAddress.objects.get(user=user)
    assert (address.email, address.verified, address.primary) == ("helen@example.test", True, True)
    assert membership.user == user
    assert membership.group == group_with_members
    assert membership.role == Membership.Role.PROFESSIONAL
    assert membership.added_by == facilitator
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.accepted_by == user
    assert not invitation.is_open


def test_invitation_accept_for_an_existing_person_verifies_their_address(group_with_members, other_group, facilitator):
    # given: the dad of the Fathers' group, whose address has not been verified
    dad = other_group.memberships.get(role=Membership.Role.PARENT).user
    EmailAddress.objects.filter(user=dad).update(verified=False)
    invitation = invite(group_with_members, facilitator, email=dad.email)

    # when (signed in: an existing account accepts only as itself, tests/sessions_app/test_lower_findings.py)
    membership = services.invitation_accept(invitation=invitation, full_name="Dan Dad", signed_in_user=dad)

    # then: no second account, the address is verified, and their own name is kept
    assert User.objects.filter(email__iexact=dad.email).count() == 1
    assert membership.user == dad
    assert EmailAddress.objects.get(user=dad).verified is True
    dad.refresh_from_db()
    assert dad.full_name != "Dan Dad"


def test_invitation_accept_refuses_a_second_acceptance(group_with_members, facilitator):
    invitation = invite(group_with_members, facilitator)
    services.invitation_accept(invitation=invitation, full_name="Nia Jones")

    with pytest.raises(ValidationError, match="expired or has already been used"):
        services.invitation_accept(invitation=invitation, full_name="Nia Jones")

    assert Membership.objects.filter(group=group_with_members, user__email="new.parent@example.test").count() == 1
    assert User.objects.filter(email="new.parent@example.test").count() == 1


def test_invitation_accept_refuses_an_expired_invitation(group_with_members, facilitator, settings):
    invitation = invite(group_with_members, facilitator)

    with time_machine.travel(timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS, minutes=1)):
        assert services.invitation_find_open(token=invitation.token) is None
        with pytest.raises(ValidationError, match="expired"):
            services.invitation_accept(invitation=invitation, full_name="Nia Jones")

    assert not User.objects.filter(email="new.parent@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_invitation_is_still_open_just_before_it_expires(group_with_members, facilitator, settings):
    invitation = invite(group_with_members, facilitator)

    with time_machine.travel(timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS, minutes=-1)):
        membership = services.invitation_accept(invitation=invitation, full_name="Nia Jones")

    assert membership.is_active


def test_invitation_accept_refuses_a_revoked_invitation(group_with_members, facilitator):
    invitation = invite(group_with_members, facilitator)
    services.invitation_revoke(invitation=invitation, acting_user=facilitator)

    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, full_name="Nia Jones")

    assert not User.objects.filter(email="new.parent@example.test").exists()


def test_invitation_accept_refuses_a_signed_in_person_with_another_address(group_with_members, facilitator, parent):
    invitation = invite(group_with_members, facilitator)

    with pytest.raises(ValidationError, match="different email address"):
        services.invitation_accept(invitation=invitation, full_name="Pat Parent", signed_in_user=parent)

    assert not User.objects.filter(email="new.parent@example.test").exists()
    invitation.refresh_from_db()
    assert invitation.is_open


def test_invitation_accept_by_the_signed_in_person_it_was_sent_to(group_with_members, other_group, facilitator):
    dad = other_group.memberships.get(role=Membership.Role.PARENT).user
    invitation = invite(group_with_members, facilitator, email=dad.email.upper())

    membership = services.invitation_accept(invitation=invitation, full_name="", signed_in_user=dad)

    assert membership.user == dad


# --- invariants the database keeps -------------------------------------------------------------------------


@pytest.mark.parametrize("preference", ["text", "both"])
def test_database_refuses_text_messages_without_a_phone(make_user, preference):
    user = make_user()

    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.filter(pk=user.pk).update(contact_preference=preference, phone="")

    user.refresh_from_db()
    assert user.contact_preference == "email"


def test_database_refuses_a_new_person_wanting_texts_without_a_phone(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="texter@example.test", contact_preference="text").save()

    assert not User.objects.filter(email="texter@example.test").exists()


def test_text_messages_with_a_phone_are_fine(make_user):
    user = make_user()

    services.user_update_profile(user=user, contact_preference="text", phone="07700 900123")

    user.refresh_from_db()
    assert (user.contact_preference, user.phone) == ("text", "07700 900123")


def test_profile_service_refuses_texts_without_a_phone_in_plain_english(make_user):
    user = make_user()

    with pytest.raises(ValidationError, match="Add a mobile phone number to get text messages."):
        services.user_update_profile(user=user, contact_preference="text", phone="")

    user.refresh_from_db()
    assert user.contact_preference == "email"


def test_database_refuses_a_pathway_role_ending_before_it_starts(organisation, parent):
    with pytest.raises(IntegrityError), transaction.atomic():
        PathwayRole.objects.create(
            organisation=organisation,
            user=parent,
            role=PathwayRole.Role.CHAMPION,
            starts_on=date(2025, 5, 1),
            ends_on=date(2025, 4, 30),
        )

    assert not PathwayRole.objects.exists()


def test_a_pathway_role_may_end_on_the_day_it_starts(organisation, parent):
    role = PathwayRole.objects.create(
        organisation=organisation,
        user=parent,
        role=PathwayRole.Role.CHAMPION,
        starts_on=date(2025, 5, 1),
        ends_on=date(2025, 5, 1),
    )

    assert role.is_current(on=date(2025, 5, 1))
    assert not role.is_current(on=date(2025, 5, 2))


def test_email_addresses_are_unique_whatever_the_capitals(make_user):
    make_user(email="sam@example.test")

    with pytest.raises(IntegrityError), transaction.atomic():
        User(email="SAM@example.test").save()


def test_sign_in_sessions_clear_expired_deletes_only_expired(db):
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session

    expired = SessionStore()
    expired.set_expiry(60)
    expired.create()
    live = SessionStore()
    live.create()

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        deleted = services.sign_in_sessions_clear_expired()

    assert deleted == 1
    assert list(Session.objects.values_list("session_key", flat=True)) == [live.session_key]
