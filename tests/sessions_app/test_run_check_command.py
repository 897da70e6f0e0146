"""`python manage.py run_check`: any scheduled check, run now, on the same services the beat jobs call.

Time is pinned with time-machine in Europe/London; the meeting is on Friday 14 June 2030 at 18:00 (BST).
"""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone

from groups import services as group_services
from groups.models import Group, Membership, StaffRole
from sessions_app import services, sms
from sessions_app.messaging import message_send
from sessions_app.models import Answer, FacilitatorAlert, Message, QuorumCheck, QuorumRecord, Session
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
PUBLISHED_AT = datetime(2030, 6, 1, 10, 0, tzinfo=LONDON)
START = datetime(2030, 6, 14, 18, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(PUBLISHED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.LocmemSmsBackend.outbox.clear()
    yield sms.LocmemSmsBackend.outbox
    sms.LocmemSmsBackend.outbox.clear()


@pytest.fixture
def run_check(django_capture_on_commit_callbacks):
    """Runs the command and returns what it printed; messages queued on commit are delivered."""

    def run(*args, **options):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("run_check", *args, stdout=out, **options)
        return out.getvalue()

    return run


def make_session(group, lead, support, *, title="Committee meeting", starts_at=START, publish=True):
    return plan_session(
        group,
        lead,
        support,
        starts_at=starts_at,
        title=title,
        purpose="Hold the partnership to account.",
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/committee",
        publish=publish,
    )


@pytest.fixture
def committee(organisation, facilitator, facilitator2, make_user, grant):
    grant(
        make_user(email="gov@example.test", full_name="Gina Governance"), organisation, StaffRole.Role.GOVERNANCE_LEAD
    )
    group = group_services.group_create(
        organisation=organisation,
        name="Parent governance committee",
        kind=Group.Kind.GOVERNANCE,
        purpose="Parents hold the partnership to account.",
        acting_user=facilitator,
    )
    group_services.membership_add(
        group=group, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator
    )
    for email, name in [("amara@example.test", "Amara Okoye"), ("ben@example.test", "Ben Carter")]:
        group_services.membership_add(
            group=group,
            user=make_user(email=email, full_name=name),
            role=Membership.Role.PARENT,
            acting_user=facilitator,
        )
    return group


@pytest.fixture
def meeting(committee, facilitator, facilitator2):
    return make_session(committee, facilitator, facilitator2)


def parent_named(group, first_name):
    return Membership.objects.get(group=group, user__full_name__startswith=first_name).user


def test_quorum_for_one_session_prints_the_picture_and_records_the_check(
    clock, committee, meeting, run_check, mailoutbox
):
    services.rsvp_answer(session=meeting, user=parent_named(committee, "Amara"), answer=Answer.YES)
    mailoutbox.clear()
    clock.move_to(START - timedelta(hours=71))

    out = run_check("quorum", session=meeting.pk, hours=72)

    assert "Committee meeting (Fri 14 Jun 2030 18:00): 1 of 2 parents said yes (at_risk)" in out
    assert "not answered: Ben Carter" in out
    assert "no check recorded" not in out
    check = QuorumCheck.objects.get()
    assert (check.session, check.hours_before, check.met) == (meeting, 72, False)
    assert sorted(m.to[0] for m in mailoutbox) == [
        "facilitator2@example.test",
        "facilitator@example.test",
        "gov@example.test",
    ]

    # Run again: the picture is printed, but the check and its alert are not repeated.
    run_check("quorum", session=meeting.pk, hours=72)
    assert QuorumCheck.objects.count() == 1
    assert len(mailoutbox) == 3


def test_quorum_for_one_session_defaults_to_the_24_hour_point(clock, committee, meeting, run_check):
    clock.move_to(START - timedelta(hours=10))

    out = run_check("quorum", session=meeting.pk)

    assert "0 of 2 parents said yes (at_risk); not answered: Amara Okoye, Ben Carter" in out
    assert QuorumCheck.objects.get().hours_before == 24


def test_quorum_for_a_group_without_the_rule_says_no_check_was_recorded(
    group_with_members, facilitator, facilitator2, run_check
):
    session = make_session(group_with_members, facilitator, facilitator2, title="Fun day planning")

    out = run_check("quorum", session=session.pk, hours=72)

    assert "(no check recorded: not a published future meeting with a quorum rule)" in out
    assert not QuorumCheck.objects.exists()


def test_quorum_for_every_meeting_runs_the_due_checks(clock, meeting, run_check):
    clock.move_to(START - timedelta(hours=50))

    assert run_check("quorum").strip() == "Quorum checks recorded: 1"
    assert QuorumCheck.objects.get().hours_before == 72


def test_a_check_point_that_is_not_72_or_24_hours_is_refused(meeting):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("run_check", "quorum", "--session", str(meeting.pk), "--hours", "48", stdout=StringIO())


def test_an_unknown_session_is_a_command_error(db):
    with pytest.raises(CommandError, match="There is no session 987654."):
        call_command("run_check", "quorum", session=987654, stdout=StringIO())
    with pytest.raises(CommandError, match="There is no session 987654."):
        call_command("run_check", "quorum-record", session=987654, stdout=StringIO())


def test_an_unknown_check_is_a_command_error(db):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command("run_check", "everything", stdout=StringIO())


def test_reminders_runs_the_reminders(clock, meeting, committee, run_check, mailoutbox):
    services.rsvp_answer(session=meeting, user=parent_named(committee, "Amara"), answer=Answer.YES)
    mailoutbox.clear()
    clock.move_to(START - timedelta(days=4))

    assert run_check("reminders").strip() == "Chasers: 1, reminders: 0, follow-ups: 0"
    assert [m.to for m in mailoutbox] == [["ben@example.test"]]
    assert run_check("reminders").strip() == "Chasers: 0, reminders: 0, follow-ups: 0"

    clock.move_to(START - timedelta(hours=1))
    assert run_check("reminders").strip() == "Chasers: 0, reminders: 1, follow-ups: 0"
    assert Message.objects.get(kind=Message.Kind.REMINDER_HOURS).person.email == "amara@example.test"


def test_facilitators_runs_the_watcher(clock, meeting, facilitator2, run_check, mailoutbox):
    services.facilitator_withdraw(session=meeting, user=facilitator2, acting_user=facilitator2)
    mailoutbox.clear()
    clock.move_to(START - timedelta(days=5))

    assert run_check("facilitators").strip() == "New alerts: 1"
    assert run_check("facilitators").strip() == "New alerts: 0"
    assert FacilitatorAlert.objects.get().problem == "There is no support facilitator."
    assert len(mailoutbox) == 2  # the group's two facilitators (this organisation has no admin)


def test_messages_delivers_what_is_due_and_sweeps_stuck_ones(
    clock, organisation, make_user, parent, run_check, sms_outbox, mailoutbox
):
    # given: a text held overnight, and a message left "sending" by a worker that died
    texter = make_user(email="tariq@example.test", phone="07700 900123", contact_preference="text")
    clock.move_to(datetime(2030, 6, 3, 23, 0, tzinfo=LONDON))
    [held] = message_send(
        person=texter, kind=Message.Kind.CHASER, key="held", body="Hi", organisation_id=organisation.pk
    )
    [stuck] = message_send(person=parent, kind=Message.Kind.CHASER, key="stuck", body="Hi")
    Message.objects.filter(pk=stuck.pk).update(status=Message.Status.SENDING, claimed_at=timezone.now())

    # when: the morning comes
    clock.move_to(datetime(2030, 6, 4, 8, 0, tzinfo=LONDON))
    out = run_check("messages")

    # then
    assert out.strip() == "Messages delivered now: 1"
    held.refresh_from_db()
    stuck.refresh_from_db()
    assert held.status == Message.Status.SENT
    assert sms_outbox == [{"to": "07700 900123", "body": "Hi"}]
    assert stuck.status == Message.Status.UNKNOWN
    assert mailoutbox == []
    assert run_check("messages").strip() == "Messages delivered now: 0"


class DownSmsBackend:
    def send(self, *, to, body):
        raise sms.SmsError("Provider down")


def test_messages_carries_on_past_a_failing_message(
    clock, monkeypatch, settings, organisation, make_user, parent, run_check, mailoutbox
):
    # given: at 08:00 a held text (its provider is down) and an email waiting to retry, both due
    monkeypatch.setitem(sms.BACKENDS, "down", DownSmsBackend)
    settings.SMS_BACKEND = "down"
    texter = make_user(email="tariq@example.test", phone="07700 900123", contact_preference="text")
    clock.move_to(datetime(2030, 6, 3, 23, 0, tzinfo=LONDON))
    [text] = message_send(person=texter, kind=Message.Kind.CHASER, key="t", body="Hi", organisation_id=organisation.pk)
    clock.move_to(datetime(2030, 6, 4, 7, 0, tzinfo=LONDON))
    [email] = message_send(person=parent, kind=Message.Kind.CHASER, key="e", body="Hello", subject="Hello")
    clock.move_to(datetime(2030, 6, 4, 8, 0, tzinfo=LONDON))

    # when
    out = run_check("messages")

    # then: the failure is reported and retried later; the email still goes
    assert "Messages delivered now: 1" in out
    assert "failed, to retry: 1" in out
    text.refresh_from_db()
    email.refresh_from_db()
    assert (text.status, text.attempts, text.error) == (Message.Status.PENDING, 1, "Provider down")
    assert email.status == Message.Status.SENT
    assert [m.to for m in mailoutbox] == [["parent@example.test"]]


def test_quorum_record_for_one_session_and_for_every_ended_meeting(clock, committee, meeting, facilitator, run_check):
    clock.move_to(START - timedelta(minutes=30))
    services.checkin_record(session=meeting, person=parent_named(committee, "Amara"), acting_user=facilitator)

    out = run_check("quorum-record", session=meeting.pk)

    assert out.strip() == f"Inquorate: {meeting}"
    assert QuorumRecord.objects.get().parents_present == 1

    services.checkin_record(session=meeting, person=parent_named(committee, "Ben"), acting_user=facilitator)
    QuorumRecord.objects.all().delete()
    clock.move_to(START + timedelta(hours=3))
    assert run_check("quorum-record").strip() == "Meetings recorded: 1"
    assert QuorumRecord.objects.get().quorate is True
    assert run_check("quorum-record").strip() == "Meetings recorded: 0"


def test_quorum_record_for_a_group_without_the_rule(group_with_members, facilitator, facilitator2, run_check):
    session = make_session(group_with_members, facilitator, facilitator2, title="Fun day planning")

    assert run_check("quorum-record", session=session.pk).strip() == "This group has no quorum rule."
    assert not QuorumRecord.objects.exists()
