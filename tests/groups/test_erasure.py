"""Removing a person anonymises them: what they took part in (answers, attendance, support, follow-ups) is kept,
pointing at a person with nothing personal left on them; deleting a person or a group with evidence is refused
by the database."""

from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.sessions.models import Session as SignInSession
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone

from core import extensions
from core.extensions import ErasureReport
from core.models import AuditEvent
from groups import events, services
from groups.models import Invitation, Membership, PathwayRole, StaffRole, User
from sessions_app import services as session_services
from sessions_app.models import CalendarFeed, CheckIn, FollowUp, Rsvp, SupportRequest
from tests.conftest import PASSWORD
from tests.sessions_app.factories import plan_session


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, venue):
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    return plan_session(group_with_members, facilitator, facilitator2, starts_at=starts, venue=venue)


@pytest.fixture
def evidence(session, parent, facilitator, time_machine):
    """The parent answered yes, asked for travel support (approved), came, left feeling low, asked to talk, and
    was phoned; they also have a private calendar address and a pathway role."""
    session_services.rsvp_answer(session=session, user=parent, answer="yes")
    support = session_services.support_request_create(
        session=session,
        user=parent,
        kind=SupportRequest.Kind.TRAVEL,
        travel_mode=SupportRequest.TravelMode.BUS_TRAIN,
        expected_cost_pence=450,
        details="My son is autistic, so I need to leave by three.",
    )
    support = session_services.support_request_decide(request=support, approve=True, acting_user=facilitator)
    session_services.calendar_feed_get_or_create(user=parent)
    PathwayRole.objects.create(
        organisation=session.group.organisation, user=parent, role="champion", starts_on=timezone.localdate()
    )
    time_machine.move_to(session.starts_at + timedelta(minutes=5), tick=False)
    session_services.checkin_record(session=session, person=parent, acting_user=facilitator, feeling=2)
    session_services.checkout_record(session=session, person=parent, acting_user=parent, feeling=1, wants_to_talk=True)
    follow_up = FollowUp.objects.get(session=session, person=parent)
    session_services.follow_up_close(
        follow_up=follow_up, note="Pat told me about her son's school exclusion.", acting_user=facilitator
    )
    return {"support": support, "follow_up": follow_up}


PERSONAL = ["Pat", "Parent", "parent@example.test", "her son", "autistic", "exclusion", "07700", "she/her"]


def test_anonymising_keeps_attendance_and_support_pointing_at_a_person_with_nothing_personal_left(
    evidence, session, parent, org_admin
):
    # given
    services.user_update_profile(
        user=parent,
        pronouns="she/her",
        phone="07700 900123",
        contact_preference="both",
        access_needs="Step-free access",
        name_pronunciation="PAT",
        preferred_name="Pat",
    )
    # when
    services.person_anonymise(person=parent, acting_user=org_admin, reason="asked")
    # then: the evidence is all there, pointing at the same row
    parent.refresh_from_db()
    checkin = CheckIn.objects.get(session=session, user=parent)
    support = SupportRequest.objects.get(pk=evidence["support"].pk)
    follow_up = FollowUp.objects.get(pk=evidence["follow_up"].pk)
    assert Rsvp.objects.get(session=session, user=parent).answer == "yes"
    assert checkin.checked_in_at and checkin.checked_out_at
    assert (support.kind, support.status, support.approved_amount_pence) == ("travel", "approved", 450)
    assert support.travel_mode == "public" and support.decided_by_id is not None
    assert follow_up.reason == FollowUp.Reason.TALK and follow_up.closed_at is not None
    # and nothing personal is left: not on the person, not in what they felt or wrote
    assert checkin.checkin_feeling is None and checkin.checkout_feeling is None and not checkin.wants_to_talk
    assert support.details == "" and "exclusion" not in follow_up.note
    assert parent.email == f"erased-{parent.pk}@invalid.example"
    assert parent.full_name == parent.preferred_name == "Former member" == str(parent)
    assert (parent.pronouns, parent.phone, parent.access_needs, parent.name_pronunciation) == ("", "", "", "")
    assert parent.contact_preference == "email"
    assert not parent.is_active and not parent.has_usable_password() and parent.erased_at is not None
    person_text = " ".join(str(getattr(parent, f.attname)) for f in User._meta.concrete_fields)
    assert not [word for word in PERSONAL if word in person_text]
    assert not CalendarFeed.objects.filter(user=parent).exists()


def test_anonymising_ends_memberships_and_roles_and_signs_the_person_out(
    group_with_members, organisation, facilitator2, org_admin, client, member_left_calls
):
    # given: a facilitator with a staff role, a membership, a verified address, a two-step key and a session
    person = facilitator2
    Authenticator.objects.create(user=person, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"})
    client.login(email=person.email, password=PASSWORD)
    assert SignInSession.objects.count() == 1
    # when
    services.person_anonymise(person=person, acting_user=org_admin)
    # then
    membership = Membership.objects.get(group=group_with_members, user=person)
    assert membership.left_at is not None
    assert not StaffRole.objects.filter(user=person).exists()
    assert not EmailAddress.objects.filter(user=person).exists()
    assert not Authenticator.objects.filter(user=person).exists()
    assert SignInSession.objects.count() == 0
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("account_login") in response["Location"]
    assert not client.login(email=person.email, password=PASSWORD)


@pytest.fixture
def member_left_calls():
    calls = []

    def receiver(sender, membership, acting_user, **kwargs):
        calls.append(membership.pk)

    events.member_left.connect(receiver)
    yield calls
    events.member_left.disconnect(receiver)


def test_anonymising_tells_the_apps_above_that_each_membership_ended(
    group_with_members, parent, org_admin, member_left_calls, django_capture_on_commit_callbacks
):
    membership = Membership.objects.get(group=group_with_members, user=parent)
    with django_capture_on_commit_callbacks(execute=True):
        services.person_anonymise(person=parent, acting_user=org_admin)
    assert member_left_calls == [membership.pk]


def test_anonymising_blanks_invitations_to_the_person_and_cancels_open_ones(
    group_with_members, other_group, facilitator, facilitator2, org_admin, parent
):
    open_one = services.invitation_create(
        group=other_group, email=parent.email, role="parent", acting_user=facilitator2, full_name="Pat Parent"
    )
    services.person_anonymise(person=parent, acting_user=org_admin)
    open_one.refresh_from_db()
    assert open_one.revoked_at is not None
    assert open_one.email == f"erased-{parent.pk}@invalid.example" and open_one.full_name == ""
    assert not Invitation.objects.filter(email__iexact="parent@example.test").exists()


def test_the_audit_event_records_what_each_app_erased_and_kept_with_no_personal_data(
    evidence, group_with_members, parent, org_admin
):
    services.person_anonymise(person=parent, acting_user=org_admin, reason="asked")
    event = AuditEvent.objects.get(action="person.anonymised")
    assert event.actor == org_admin
    assert (event.object_type, event.object_id) == ("groups.user", str(parent.pk))
    assert event.organisation_id == group_with_members.organisation_id
    assert event.data["reason"] == "asked"
    assert event.data["memberships_ended"] == 1
    apps = ["groups", "notifications", "sessions_app", "payments", "safeguarding"]
    assert [r["app"] for r in event.data["reports"]] == apps
    assert all(r["erased"] and r["kept"] for r in event.data["reports"])
    text = str(event.data) + event.object_repr
    assert not [word for word in PERSONAL if word in text]


def test_the_receivers_reports_are_returned(group_with_members, parent, org_admin):
    def another_receiver(*, person, acting_user):
        return ErasureReport(app="another", erased=["their notes"], kept=["paid claims"])

    extensions.person_erasure.register(another_receiver)
    try:
        reports = services.person_anonymise(person=parent, acting_user=org_admin)
    finally:
        extensions.person_erasure.unregister(another_receiver)
    assert [r.app for r in reports][-3:] == ["payments", "safeguarding", "another"]
    assert reports[-1].kept == ["paid claims"]
    assert all(isinstance(r, ErasureReport) for r in reports)


def test_a_receiver_that_fails_undoes_the_whole_anonymisation(group_with_members, parent, org_admin):
    def broken(*, person, acting_user):
        raise RuntimeError("payments could not erase")

    extensions.person_erasure.register(broken)
    try:
        with pytest.raises(RuntimeError):
            services.person_anonymise(person=parent, acting_user=org_admin)
    finally:
        extensions.person_erasure.unregister(broken)
    parent.refresh_from_db()
    assert parent.email == "parent@example.test" and parent.is_active
    assert Membership.objects.active().filter(user=parent).exists()
    assert not AuditEvent.objects.filter(action="person.anonymised").exists()


# --- who may -------------------------------------------------------------------------------------------


def code_of(call) -> str:
    with pytest.raises(ValidationError) as error:
        call()
    return error.value.code


def test_only_an_admin_of_the_persons_organisation_may_anonymise_them(
    group_with_members, parent, facilitator, outsider, make_user, other_organisation, grant
):
    other_admin = grant(make_user(email="hill.admin@example.test"), other_organisation, StaffRole.Role.ADMIN)
    assert code_of(lambda: services.person_anonymise(person=parent, acting_user=facilitator)) == "not_allowed"
    assert code_of(lambda: services.person_anonymise(person=parent, acting_user=outsider)) == "not_found"
    assert code_of(lambda: services.person_anonymise(person=parent, acting_user=other_admin)) == "not_found"
    parent.refresh_from_db()
    assert parent.is_active and parent.erased_at is None


def test_nobody_anonymises_themselves_or_anyone_twice(group_with_members, org_admin, parent, make_user, grant):
    assert code_of(lambda: services.person_anonymise(person=org_admin, acting_user=org_admin)) == "erase_self"
    services.person_anonymise(person=parent, acting_user=org_admin)
    assert code_of(lambda: services.person_anonymise(person=parent, acting_user=org_admin)) == "already_anonymised"
    assert AuditEvent.objects.filter(action="person.anonymised").count() == 1


def test_the_reason_comes_from_the_list(group_with_members, org_admin, parent):
    with pytest.raises(ValidationError) as error:
        services.person_anonymise(person=parent, acting_user=org_admin, reason="She rang on Tuesday")
    assert error.value.error_dict["reason"][0].code == "unknown_reason"


# --- deleting is refused -------------------------------------------------------------------------------


def test_deleting_a_person_with_evidence_is_refused_by_the_database(evidence, parent):
    with pytest.raises(ProtectedError):
        parent.delete()
    assert User.objects.filter(pk=parent.pk).exists()


def test_deleting_a_group_with_sessions_is_refused_by_the_database(session, group_with_members):
    with pytest.raises(ProtectedError):
        group_with_members.delete()


# --- the admin site ------------------------------------------------------------------------------------


@pytest.fixture
def superuser(make_user):
    user = make_user(email="keeper@example.test")
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    return user


def test_the_admin_site_cannot_delete_people(client, superuser, parent):
    client.force_login(superuser)
    assert client.get(reverse("admin:groups_user_delete", args=[parent.pk])).status_code == 403
    changelist = client.get(reverse("admin:groups_user_changelist"))
    actions = dict(changelist.context["action_form"].fields["action"].choices)
    assert "delete_selected" not in actions and "anonymise" in actions


def test_the_admin_action_asks_why_then_anonymises(client, superuser, group_with_members, parent):
    client.force_login(superuser)
    url = reverse("admin:groups_user_changelist")
    asked = client.post(url, {"action": "anonymise", "_selected_action": [parent.pk]})
    assert asked.status_code == 200 and b"Why are you removing them?" in asked.content
    parent.refresh_from_db()
    assert parent.erased_at is None
    done = client.post(
        url, {"action": "anonymise", "_selected_action": [parent.pk], "confirm": "yes", "reason": "asked"}
    )
    assert done.status_code == 302
    parent.refresh_from_db()
    assert parent.erased_at is not None and parent.full_name == "Former member"
    assert AuditEvent.objects.get(action="person.anonymised").actor == superuser


def test_the_message_log_keeps_that_messages_were_sent_but_not_what_they_said(group_with_members, parent, org_admin):
    from notifications.models import Message
    from notifications.services import message_send

    # given a message sent and one still waiting, to the person and to their address
    message_send(person=parent, kind="support_decided", key="erasure-test-1", body="Your childcare is approved.")
    Message.objects.filter(person=parent).update(status=Message.Status.SENT, sent_at=timezone.now())
    message_send(person=parent, kind="support_decided", key="erasure-test-2", body="Still to go.", subject="Hi")
    Message.objects.filter(key="erasure-test-2").update(status=Message.Status.PENDING)
    # when they are removed
    services.person_anonymise(person=parent, acting_user=org_admin, reason="asked")
    # then the rows stay, with nothing of what they said, and nothing waiting is sent
    rows = list(Message.objects.filter(person=parent))
    assert len(rows) >= 2
    assert all(m.body == "" and m.subject == "" and m.link == "" for m in rows)
    waiting = Message.objects.get(key="erasure-test-2")
    assert waiting.status == Message.Status.FAILED
    assert "removed" in waiting.error
