"""Roles that end (issue 9): access rests on a current standing. Removing a staff role ends the management of
groups; removing someone from the organisation ends their roles and memberships, withdraws their future places,
passes their open follow-ups on (telling the new holder), and nothing more is sent to them; a parent who leaves
keeps no place and gets no reminders."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEvent
from groups import events, services
from groups.models import Membership, StaffRole
from groups.permissions import forget_standing, has_perm
from notifications.models import Message
from sessions_app import checks
from sessions_app import services as session_services
from sessions_app.models import Answer, FollowUp, Rsvp, Session, SessionFacilitator, SupportRequest
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 3, 10, 9, 0, tzinfo=LONDON)
PAST = NOW - timedelta(days=3)  # a session that has been held
FUTURE = NOW + timedelta(days=2)  # a session still to come, inside the reminder window


@pytest.fixture(autouse=True)
def planned_now():
    with time_machine.travel(NOW - timedelta(days=10), tick=False) as traveller:
        yield traveller


@pytest.fixture
def world(group_with_members, facilitator, facilitator2, parent, planned_now):
    """A past session (with a follow-up for the parent, assigned to `facilitator`, the lead) and a future one,
    both led by `facilitator` with `facilitator2` supporting; the parent said yes to the future one."""
    online = {"format": Session.Format.ONLINE, "joining_link": "https://meet.example.test/group"}
    past = plan_session(group_with_members, facilitator, facilitator2, starts_at=PAST, title="Held", **online)
    future = plan_session(group_with_members, facilitator, facilitator2, starts_at=FUTURE, capacity=1, **online)
    planned_now.move_to(PAST + timedelta(minutes=5))
    session_services.checkin_record(session=past, person=parent, acting_user=facilitator)
    planned_now.move_to(PAST + timedelta(hours=2))
    session_services.checkout_record(session=past, person=parent, acting_user=facilitator, wants_to_talk=True)
    planned_now.move_to(NOW)
    session_services.rsvp_answer(session=future, user=parent, answer=Answer.YES)
    return {"past": past, "future": future, "follow_up": FollowUp.objects.get(session=past, person=parent)}


def _fresh(user):
    forget_standing(user)
    return user


def test_removing_a_persons_staff_role_ends_their_management_of_the_group(
    client, group_with_members, facilitator, org_admin
):
    # given: the facilitator manages the group they facilitate
    assert has_perm(facilitator, "group.manage", group_with_members)

    # when: their staff role is removed (their membership of the group is untouched)
    services.staff_roles_remove(organisation=group_with_members.organisation, user=facilitator, acting_user=org_admin)

    # then: they manage it no more: no editing, no invitations, no support queue
    assert Membership.objects.active().filter(group=group_with_members, user=facilitator).exists()
    assert not has_perm(_fresh(facilitator), "group.manage", group_with_members)
    client.force_login(facilitator)
    assert client.get(reverse("groups:edit", args=[group_with_members.pk])).status_code == 403
    assert client.get(reverse("groups:invite", args=[group_with_members.pk])).status_code == 403
    assert client.get(reverse("sessions_app:support_queue")).status_code == 403


def test_removing_a_person_from_the_organisation_ends_everything_there(
    world, group_with_members, organisation, facilitator, facilitator2, org_admin, django_capture_on_commit_callbacks
):
    left = []

    def receiver(sender, membership, **kwargs):
        left.append(membership.pk)

    events.member_left.connect(receiver)
    try:
        # when
        with django_capture_on_commit_callbacks(execute=True):
            result = services.person_remove_from_organisation(
                organisation=organisation, person=facilitator, acting_user=org_admin
            )
    finally:
        events.member_left.disconnect(receiver)

    # then: no staff role, no membership (kept, ended), member_left for each membership
    membership = Membership.objects.get(group=group_with_members, user=facilitator)
    assert membership.left_at is not None
    assert not StaffRole.objects.filter(organisation=organisation, user=facilitator).exists()
    assert left == [membership.pk] and result["roles"] == [StaffRole.Role.FACILITATOR]
    # one event for the removal itself
    [event] = AuditEvent.objects.filter(action="person.removed_from_organisation")
    assert event.actor == org_admin and event.data["roles"] == ["facilitator"]
    # their place at the session to come is withdrawn; the one held keeps its record
    assert SessionFacilitator.objects.get(session=world["future"], user=facilitator).withdrawn_at is not None
    assert SessionFacilitator.objects.get(session=world["past"], user=facilitator).withdrawn_at is None
    # their open follow-up passes to the remaining facilitator, who is told
    follow_up = FollowUp.objects.get(pk=world["follow_up"].pk)
    assert follow_up.assigned_to == facilitator2
    assert Message.objects.filter(person=facilitator2, kind="follow_up_reassigned").exists()
    assert AuditEvent.objects.filter(action="follow_ups.reassigned", data__to_user_ids=[facilitator2.pk]).exists()
    assert AuditEvent.objects.filter(action="facilitator.withdrawn", data__person_id=facilitator.pk).exists()


def test_a_facilitator_who_was_removed_gets_no_further_messages(
    world, organisation, facilitator, org_admin, django_capture_on_commit_callbacks, planned_now
):
    # given: removed while a follow-up of theirs is open and a session of theirs is coming
    with django_capture_on_commit_callbacks(execute=True):
        services.person_remove_from_organisation(organisation=organisation, person=facilitator, acting_user=org_admin)
    before = Message.objects.filter(person=facilitator).count()

    # when: every scheduled check runs, on the follow-up's due day and after it
    for day in range(0, 6):
        moment = NOW + timedelta(days=day, hours=1)
        planned_now.move_to(moment)
        with django_capture_on_commit_callbacks(execute=True):
            checks.reminders_run(now=moment)
            checks.quorum_checks_run(now=moment)
            checks.facilitator_watch_run(now=moment)

    # then: nothing more goes to them
    assert Message.objects.filter(person=facilitator).count() == before


def test_the_follow_up_reminder_skips_someone_who_left_the_group(
    world, group_with_members, facilitator, django_capture_on_commit_callbacks, planned_now
):
    # given: the facilitator left the group (still staff), before the follow-up's reminder was due
    membership = group_with_members.memberships.get(user=facilitator)
    services.membership_leave(membership=membership, acting_user=facilitator)  # receivers not run: the job alone

    # when: the reminders run on the due day
    moment = datetime.combine(world["follow_up"].due_on, datetime.min.time(), tzinfo=LONDON) + timedelta(hours=9)
    planned_now.move_to(moment)
    checks.reminders_run(now=moment)

    # then
    assert not Message.objects.filter(person=facilitator, kind="follow_up_due").exists()


def test_a_facilitator_who_left_the_group_can_no_longer_run_its_sessions(
    client, world, group_with_members, facilitator
):
    # given: they left the group (receivers not run, so their places stay: the standing alone must close it)
    membership = group_with_members.memberships.get(user=facilitator)
    services.membership_leave(membership=membership, acting_user=facilitator)
    client.force_login(facilitator)

    # then: the check-in screen (feelings) and the debrief close, and the follow-ups queue shows nothing
    for session in (world["past"], world["future"]):
        assert client.get(reverse("sessions_app:checkin_screen", args=[session.pk])).status_code == 403
        assert client.get(reverse("sessions_app:debrief", args=[session.pk])).status_code == 403
    assert client.get(reverse("sessions_app:follow_ups")).status_code == 403


def test_a_parent_who_leaves_keeps_no_place_and_gets_no_reminders(
    world, group_with_members, parent, professional, django_capture_on_commit_callbacks, planned_now
):
    # given: the parent holds the one place and has asked for support; the professional waits for a place
    future = world["future"]
    session_services.rsvp_answer(session=future, user=professional, answer=Answer.YES)
    assert Rsvp.objects.get(session=future, user=professional).is_waitlisted
    request = session_services.support_request_create(
        session=future, user=parent, kind=SupportRequest.Kind.CHILDCARE, children_count=1
    )

    # when: the parent leaves
    with django_capture_on_commit_callbacks(execute=True):
        services.membership_leave(membership=group_with_members.memberships.get(user=parent), acting_user=parent)

    # then: no place, the request ended, the waiting list moved up
    assert Rsvp.objects.get(session=future, user=parent).answer == Answer.NO
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.WITHDRAWN
    assert Rsvp.objects.get(session=future, user=professional).has_place
    assert AuditEvent.objects.filter(action="rsvp.ended_on_leaving", data__person_id=parent.pk).exists()

    # and no reminder reaches them
    for hours_before in (47, 23, 2):
        moment = FUTURE - timedelta(hours=hours_before)
        planned_now.move_to(moment)
        with django_capture_on_commit_callbacks(execute=True):
            checks.reminders_run(now=moment)
    assert not Message.objects.filter(person=parent, kind__startswith="reminder").exists()
    assert Message.objects.filter(person=professional, kind__startswith="reminder").exists()
