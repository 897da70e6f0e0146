"""Every groups service that changes something leaves exactly one audit event of its own, naming who acted
and what it was about, inside its transaction: a call that fails leaves none."""

from contextlib import contextmanager
from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.models import AuditEvent
from groups import events, services
from groups.models import Group, Invitation, Membership, StaffRole


@contextmanager
def new_events():
    """The audit events written inside the block, oldest first."""
    before = AuditEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    found: list[AuditEvent] = []
    yield found
    found.extend(AuditEvent.objects.filter(pk__gt=before).order_by("pk"))


def only(found, action):
    """The one event with `action` among `found` (and the test fails if there is not exactly one)."""
    matching = [e for e in found if e.action == action]
    assert len(matching) == 1, [e.action for e in found]
    return matching[0]


def names(obj):
    return {"object_type": obj._meta.label_lower, "object_id": str(obj.pk)}


def assert_about(event, obj, *, actor, organisation_id=None):
    assert event.actor_id == (actor.pk if actor else None)
    assert {"object_type": event.object_type, "object_id": event.object_id} == names(obj)
    if organisation_id is not None:
        assert event.organisation_id == organisation_id


# --- people ---------------------------------------------------------------------------------------------


def test_user_create_names_who_created_the_account(org_admin):
    with new_events() as found:
        user = services.user_create(email="new@example.test", full_name="New Person", acting_user=org_admin)
    assert [e.action for e in found] == ["user.created"]
    assert_about(found[0], user, actor=org_admin)


def test_user_create_by_the_person_themselves_names_them(db):
    with new_events() as found:
        user = services.user_create(email="self@example.test", full_name="Self Made", by_themselves=True)
    assert_about(only(found, "user.created"), user, actor=user)


def test_user_create_with_nobody_named_is_set_up_and_records_nothing(db):
    with new_events() as found:
        services.user_create(email="fixture@example.test")
    assert found == []


def test_user_create_from_a_script_names_the_script(db):
    with new_events() as found:
        user = services.user_create(email="seeded@example.test", actor_label="command:seed_demo")
    event = only(found, "user.created")
    assert event.actor is None and event.actor_label == "command:seed_demo"
    assert event.object_id == str(user.pk)


def test_user_create_that_fails_leaves_no_event(parent):
    with new_events() as found, pytest.raises(ValidationError):
        services.user_create(email=parent.email.upper(), by_themselves=True)
    assert found == []


def test_user_update_profile_records_the_fields_changed_not_their_values(parent):
    with new_events() as found:
        services.user_update_profile(user=parent, pronouns="she/her", access_needs="A quiet room, please")
    event = only(found, "profile.updated")
    assert_about(event, parent, actor=parent)
    assert event.data == {"fields": ["access_needs", "pronouns"]}
    assert "quiet room" not in str(event.data)


def test_user_update_profile_that_changes_nothing_records_nothing(parent):
    with new_events() as found:
        services.user_update_profile(user=parent, full_name=parent.full_name)
    assert found == []


def test_user_update_profile_that_fails_leaves_no_event(parent):
    with new_events() as found, pytest.raises(ValidationError):
        services.user_update_profile(user=parent, contact_preference="text", phone="")
    assert found == []


def test_user_update_profile_refuses_fields_the_profile_does_not_have(parent):
    with new_events() as found, pytest.raises(TypeError):
        services.user_update_profile(user=parent, is_staff=True)
    parent.refresh_from_db()
    assert not parent.is_staff and found == []


def test_staff_role_grant_names_who_granted_it(organisation, org_admin, parent):
    with new_events() as found:
        role = services.staff_role_grant(
            organisation=organisation, user=parent, role=StaffRole.Role.FACILITATOR, acting_user=org_admin
        )
    event = only(found, "staff_role.granted")
    assert_about(event, role, actor=org_admin, organisation_id=organisation.pk)
    assert event.data == {"user_id": parent.pk, "role": "facilitator"}
    assert len(found) == 1


def test_staff_role_grant_of_a_role_already_held_changes_nothing_and_records_nothing(organisation, facilitator):
    with new_events() as found:
        services.staff_role_grant(organisation=organisation, user=facilitator, role=StaffRole.Role.FACILITATOR)
    assert found == []


# --- groups and memberships -----------------------------------------------------------------------------


def test_group_create_records_the_group_and_its_creator_joining(organisation, facilitator):
    with new_events() as found:
        group = services.group_create(
            organisation=organisation,
            name="Carers",
            kind=Group.Kind.WORKING,
            purpose="Carers.",
            acting_user=facilitator,
        )
    assert [e.action for e in found] == ["group.created", "membership.added"]
    assert_about(found[0], group, actor=facilitator, organisation_id=organisation.pk)
    assert found[0].data == {"kind": "working", "parent_quorum": 0, "agreement_version": 1}


def test_group_create_that_fails_leaves_no_event(group_with_members, facilitator):
    with new_events() as found, pytest.raises(ValidationError):
        services.group_create(
            organisation=group_with_members.organisation,
            name=group_with_members.name,
            kind=Group.Kind.COPRODUCTION,
            purpose="A second group with the same name.",
            acting_user=facilitator,
        )
    assert found == []


def test_group_create_rolls_its_event_back_when_a_later_step_fails(organisation, facilitator, monkeypatch):
    # given: the creator's membership fails after the group (and its event) were written
    def refuse(**kwargs):
        raise ValidationError("no", code="refused")

    monkeypatch.setattr(services, "membership_add", refuse)
    # when
    with new_events() as found, pytest.raises(ValidationError):
        services.group_create(
            organisation=organisation,
            name="Carers",
            kind=Group.Kind.WORKING,
            purpose="Carers.",
            acting_user=facilitator,
        )
    # then: neither the group nor its event is left
    assert found == [] and not Group.objects.filter(name="Carers").exists()


def test_group_update_records_which_fields_changed(group_with_members, facilitator):
    with new_events() as found:
        services.group_update(group=group_with_members, acting_user=facilitator, parent_quorum=2, purpose="New.")
    event = only(found, "group.updated")
    assert_about(event, group_with_members, actor=facilitator, organisation_id=group_with_members.organisation_id)
    assert event.data == {"fields": ["parent_quorum", "purpose"]}


def test_group_update_that_fails_leaves_no_event(group_with_members, facilitator):
    with new_events() as found, pytest.raises(ValidationError):
        services.group_update(group=group_with_members, acting_user=facilitator, kind="not-a-kind")
    assert found == []


def test_membership_add_names_who_added_whom(group_with_members, facilitator, make_user):
    person = make_user()
    with new_events() as found:
        membership = services.membership_add(
            group=group_with_members, user=person, role=Membership.Role.PARENT, acting_user=facilitator
        )
    event = only(found, "membership.added")
    assert_about(event, membership, actor=facilitator, organisation_id=group_with_members.organisation_id)
    assert event.data == {"group_id": group_with_members.pk, "user_id": person.pk, "role": "parent"}
    assert len(found) == 1


def test_membership_add_of_a_member_records_nothing(group_with_members, facilitator, parent):
    with new_events() as found:
        services.membership_add(group=group_with_members, user=parent, role="parent", acting_user=facilitator)
    assert found == []


def test_membership_add_that_fails_leaves_no_event(group_with_members, facilitator, make_user):
    person = make_user()
    with new_events() as found, pytest.raises(ValidationError):
        services.membership_add(group=group_with_members, user=person, role="chair", acting_user=facilitator)
    assert found == []


def test_membership_leave_names_who_ended_it(group_with_members, parent):
    membership = Membership.objects.get(group=group_with_members, user=parent)
    with new_events() as found:
        services.membership_leave(membership=membership, acting_user=parent)
    event = only(found, "membership.left")
    assert_about(event, membership, actor=parent, organisation_id=group_with_members.organisation_id)
    assert len(found) == 1
    with new_events() as again:
        services.membership_leave(membership=membership, acting_user=parent)
    assert again == []


@pytest.fixture
def member_left_calls():
    calls = []

    def receiver(sender, membership, acting_user, **kwargs):
        calls.append((sender, membership.pk, membership.left_at is not None, acting_user.pk))

    events.member_left.connect(receiver)
    yield calls
    events.member_left.disconnect(receiver)


def test_member_left_is_sent_once_after_the_leaving_commits(
    group_with_members, parent, member_left_calls, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(group=group_with_members, user=parent)
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_leave(membership=membership, acting_user=parent)
        assert member_left_calls == []  # not before the commit
        services.membership_leave(membership=membership, acting_user=parent)  # already left: nothing more
    assert member_left_calls == [(Membership, membership.pk, True, parent.pk)]


def test_member_left_is_not_sent_when_the_leaving_rolls_back(
    group_with_members, parent, member_left_calls, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(group=group_with_members, user=parent)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        with transaction.atomic():
            services.membership_leave(membership=membership, acting_user=parent)
            raise RuntimeError("something later in the same transaction failed")
    assert member_left_calls == []
    membership.refresh_from_db()
    assert membership.left_at is None


# --- agreements -----------------------------------------------------------------------------------------


def test_agreement_publish_records_the_new_version(group_with_members, facilitator):
    with new_events() as found:
        version = services.agreement_publish(group=group_with_members, text="We listen.", acting_user=facilitator)
    event = only(found, "agreement.version_created")
    assert_about(event, version, actor=facilitator, organisation_id=group_with_members.organisation_id)
    assert event.data == {"group_id": group_with_members.pk, "number": 2}
    assert "listen" not in str(event.data)


@pytest.mark.parametrize(("text", "code"), [("   ", "agreement_empty"), (None, "agreement_unchanged")])
def test_agreement_publish_that_fails_leaves_no_event(group_with_members, facilitator, text, code):
    text = services.agreement_current(group=group_with_members).text if text is None else text
    with new_events() as found, pytest.raises(ValidationError) as error:
        services.agreement_publish(group=group_with_members, text=text, acting_user=facilitator)
    assert found == []
    assert error.value.error_dict["text"][0].code == code


def test_agreement_acknowledge_names_the_member(group_with_members, parent):
    version = services.agreement_current(group=group_with_members)
    with new_events() as found:
        ack = services.agreement_acknowledge(version=version, user=parent)
    event = only(found, "agreement.acknowledged")
    assert_about(event, ack, actor=parent, organisation_id=group_with_members.organisation_id)
    with new_events() as again:
        services.agreement_acknowledge(version=version, user=parent)
    assert again == []


def test_agreement_acknowledge_that_fails_leaves_no_event(group_with_members, org_admin):
    version = services.agreement_current(group=group_with_members)
    with new_events() as found, pytest.raises(ValidationError) as error:
        services.agreement_acknowledge(version=version, user=org_admin)  # staff, but not a member
    assert found == [] and error.value.code == "not_a_member"


# --- invitations ----------------------------------------------------------------------------------------


def invite(group, by, email="new.parent@example.test"):
    return services.invitation_create(group=group, email=email, role=Membership.Role.PARENT, acting_user=by)


def test_invitation_create_records_the_invitation_sent_without_the_address(group_with_members, facilitator):
    with new_events() as found:
        invitation = invite(group_with_members, facilitator)
    event = only(found, "invitation.sent")
    assert_about(event, invitation, actor=facilitator, organisation_id=group_with_members.organisation_id)
    assert event.data == {"group_id": group_with_members.pk, "role": "parent", "resent": False}
    assert len(found) == 1
    with new_events() as again:
        invite(group_with_members, facilitator)
    assert only(again, "invitation.sent").data["resent"] is True


def test_invitation_create_that_fails_leaves_no_event(group_with_members, facilitator, parent):
    with new_events() as found, pytest.raises(ValidationError) as error:
        invite(group_with_members, facilitator, email=parent.email)
    assert found == []
    assert error.value.error_dict["email"][0].code == "already_member"


def test_invitation_revoke_names_who_cancelled_it(group_with_members, facilitator, facilitator2):
    invitation = invite(group_with_members, facilitator)
    with new_events() as found:
        services.invitation_revoke(invitation=invitation, acting_user=facilitator2)
    assert_about(only(found, "invitation.revoked"), invitation, actor=facilitator2)
    assert len(found) == 1
    with new_events() as again:
        services.invitation_revoke(invitation=invitation, acting_user=facilitator2)
    assert again == []


def test_invitation_accept_names_the_new_member_as_the_one_who_acted(group_with_members, facilitator):
    invitation = invite(group_with_members, facilitator)
    with new_events() as found:
        membership = services.invitation_accept(invitation=invitation, full_name="Nia New")
    assert [e.action for e in found] == ["user.created", "membership.added", "invitation.accepted"]
    accepted = only(found, "invitation.accepted")
    assert_about(accepted, invitation, actor=membership.user, organisation_id=group_with_members.organisation_id)
    assert accepted.data == {
        "group_id": group_with_members.pk,
        "membership_id": membership.pk,
        "new_account": True,
    }
    assert found[0].actor == membership.user  # the account was made by the person, following the link


def test_invitation_accept_that_fails_leaves_no_event(group_with_members, facilitator):
    invitation = invite(group_with_members, facilitator)
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with new_events() as found, pytest.raises(ValidationError) as error:
        services.invitation_accept(invitation=invitation, full_name="Too Late")
    assert found == [] and error.value.code == "invitation_closed"


# --- scheduled jobs -------------------------------------------------------------------------------------


def test_clearing_expired_sign_in_sessions_names_the_job(db):
    store = SessionStore()
    store.set_expiry(-60)
    store.save()
    with new_events() as found:
        assert services.sign_in_sessions_clear_expired() == 1
    event = only(found, "sign_in_sessions.cleared")
    assert event.actor is None and event.actor_label == "job:clear-expired-sign-in-sessions"
    assert event.data == {"deleted": 1}
    with new_events() as again:
        assert services.sign_in_sessions_clear_expired() == 0
    assert again == []


# --- removing a person ----------------------------------------------------------------------------------


def test_person_anonymise_records_one_event_naming_the_admin_and_the_person(group_with_members, org_admin, parent):
    with new_events() as found:
        services.person_anonymise(person=parent, acting_user=org_admin, reason="asked")
    assert [e.action for e in found] == ["person.anonymised"]
    assert_about(found[0], parent, actor=org_admin, organisation_id=group_with_members.organisation_id)
    # the trail names a person by number only, so it holds nothing to erase
    assert found[0].object_repr == f"Person {parent.pk}"


def test_person_anonymise_that_is_refused_leaves_no_event(group_with_members, facilitator, parent):
    with new_events() as found, pytest.raises(ValidationError) as error:
        services.person_anonymise(person=parent, acting_user=facilitator)
    assert found == [] and error.value.code == "not_allowed"
