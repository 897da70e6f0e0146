"""The sessions tasks through the real Redis broker, with a real Celery worker running coprod's own app.

Message delivery goes through the broker here (MESSAGE_DELIVERY="queue"): every message logged is handed to the
`deliver_message` task after its transaction commits, and the worker sends it. The worker runs in a thread of
this process, so time-machine's travel applies to it too; time keeps moving (`tick=True`) so the worker's own
timers work. Emails go to Django's in-memory outbox and texts to the "locmem" SMS backend, both shared with the
worker thread. The tests use the database for real (transactional), because the worker has its own connection
and sees only what is committed.
"""

import os
import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import celery.contrib.testing.tasks  # noqa: F401  (registers the worker's start-up ping task)
import pytest
import time_machine
from django.core import mail

from coprod.celery import app as coprod_app
from groups import services as group_services
from groups.models import Group, Membership, StaffRole
from notifications import backends as sms
from notifications import tasks as message_tasks
from notifications.models import Fanout
from sessions_app import services, tasks
from sessions_app.models import Answer, Message, QuorumCheck, Session
from tests.sessions_app.factories import plan_session

pytestmark = pytest.mark.django_db(transaction=True)

LONDON = ZoneInfo("Europe/London")
PUBLISHED_AT = datetime(2030, 6, 1, 10, 0, tzinfo=LONDON)
START = datetime(2030, 6, 14, 18, 0, tzinfo=LONDON)  # Friday 14 June 2030, 18:00 BST
PHONE = "07700 900123"
WAIT = 30


# This run's own queue: another test run on this machine (its own database, the same Redis) has its own
# worker, which must not take these tasks, nor this worker theirs.
QUEUE = f"coprod-tests-{os.getpid()}"
_ROUTING_CACHES = ("queues", "default_queue", "router")


def _use_queue(name, routes):
    coprod_app.conf.task_default_queue = name
    coprod_app.conf.task_routes = routes
    for cached in _ROUTING_CACHES:  # celery works out its queues and router once; make it read them again
        coprod_app.amqp.__dict__.pop(cached, None)
    coprod_app.amqp.flush_routes()  # the routing table is kept too


@pytest.fixture
def celery_app():
    """The worker runs coprod's own app, configured from Django settings, not a throw-away test app, on this
    run's own queue: deliveries ("messages") and jobs ("jobs") alike go to it while the test runs. Nothing
    left from an earlier test reaches this worker, and nothing this test leaves (a retry waiting for its
    countdown, put back when the worker stops) reaches the next one."""
    default, routes = coprod_app.conf.task_default_queue, coprod_app.conf.task_routes
    _use_queue(QUEUE, {})
    coprod_app.control.purge()
    yield coprod_app
    coprod_app.control.purge()
    with coprod_app.connection_for_write() as connection:  # and forget the queue, so runs leave nothing behind
        connection.default_channel.client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
    _use_queue(default, routes)


@pytest.fixture
def celery_worker_parameters():
    return {"queues": [QUEUE]}


@pytest.fixture(autouse=True)
def deliver_through_the_queue(settings):
    settings.MESSAGE_DELIVERY = "queue"


@pytest.fixture(autouse=True)
def outboxes():
    sms.LocmemSmsBackend.outbox.clear()
    mail.outbox = []
    yield
    sms.LocmemSmsBackend.outbox.clear()


@pytest.fixture
def clock(celery_worker):
    """Starts once the worker is up; time moves on by itself from each point the test travels to."""
    with time_machine.travel(PUBLISHED_AT, tick=True) as traveller:
        yield traveller


def wait_until(condition, *, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


def wait_for_deliveries(expected_sent=None):
    """Until no fan-out is waiting and no message is waiting to send (held ones wait for the morning) and, if
    given, this many are sent."""

    def settled():
        busy = (
            Fanout.objects.filter(done_at=None).exists()  # the invitations of a publish are not made yet
            or Message.objects.filter(status__in=[Message.Status.PENDING, Message.Status.SENDING]).exists()
        )
        sent = Message.objects.filter(status=Message.Status.SENT).count()
        return not busy and (expected_sent is None or sent == expected_sent)

    wait_until(settled, what=f"messages to be delivered ({expected_sent} expected)")


def emails(subject_start):
    return [m for m in mail.outbox if m.subject.startswith(subject_start)]


def make_session(group, lead, support, *, title, starts_at=START, capacity=None):
    return plan_session(
        group,
        lead,
        support,
        starts_at=starts_at,
        title=title,
        purpose="Decide together what families need.",
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/room",
        capacity=capacity,
    )


def add_parent(group, user, by):
    group_services.membership_add(group=group, user=user, role=Membership.Role.PARENT, acting_user=by)
    return user


@pytest.fixture
def committee(organisation, facilitator, facilitator2, make_user, grant):
    """A governance committee (two parents needed) with three parents; Gina is the governance lead."""
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
    for email, name in [
        ("amara@example.test", "Amara Okoye"),
        ("ben@example.test", "Ben Carter"),
        ("chloe@example.test", "Chloe Davies"),
    ]:
        add_parent(group, make_user(email=email, full_name=name), facilitator)
    return group


def parent_named(group, first_name):
    return Membership.objects.get(group=group, user__full_name__startswith=first_name).user


ALERTED = ["facilitator2@example.test", "facilitator@example.test", "gov@example.test"]


# --- (1) quorum alerts ------------------------------------------------------------------------------------


def test_a_quorum_alert_goes_once_through_the_worker_when_parents_are_short(
    clock, committee, facilitator, facilitator2
):
    assert tasks.check_quorums.delay().get(timeout=WAIT) == 0  # through this run's own queue
    assert coprod_app.amqp.router.route({}, tasks.check_quorums.name)["queue"].name == QUEUE

    # given: a committee meeting, published (the invitations go through the worker), one parent of two says yes
    meeting = make_session(committee, facilitator, facilitator2, title="Committee meeting")
    wait_for_deliveries(expected_sent=3)
    assert sorted(m.to[0] for m in emails("Will you come?")) == [
        "amara@example.test",
        "ben@example.test",
        "chloe@example.test",
    ]
    services.rsvp_answer(session=meeting, user=parent_named(committee, "Amara"), answer=Answer.YES)

    # when: the beat job runs inside 72 hours
    clock.move_to(START - timedelta(hours=71))
    assert tasks.check_quorums.delay().get(timeout=WAIT) == 1
    wait_for_deliveries(expected_sent=6)

    # then: one check, one alert each to the governance lead and the facilitators, naming who has not answered
    check = QuorumCheck.objects.get()
    assert (check.session_id, check.hours_before, check.met, check.parents_yes) == (meeting.pk, 72, False, 1)
    alerts = Message.objects.filter(kind=Message.Kind.QUORUM_ALERT)
    assert sorted(alerts.values_list("person__email", flat=True)) == ALERTED
    assert set(alerts.values_list("status", flat=True)) == {Message.Status.SENT}
    sent = emails("Parents short for Committee meeting")
    assert sorted(m.to[0] for m in sent) == ALERTED
    assert all("- Ben Carter" in m.body and "- Chloe Davies" in m.body and "Amara" not in m.body for m in sent)

    # when: the beat job runs again, twice
    assert tasks.check_quorums.delay().get(timeout=WAIT) == 1
    assert tasks.check_quorums.delay().get(timeout=WAIT) == 1
    wait_for_deliveries()

    # then: nothing new
    assert QuorumCheck.objects.count() == 1
    assert Message.objects.filter(kind=Message.Kind.QUORUM_ALERT).count() == 3
    assert len(emails("Parents short")) == 3


def test_no_quorum_alert_goes_when_enough_parents_said_yes(clock, committee, facilitator, facilitator2):
    meeting = make_session(committee, facilitator, facilitator2, title="Committee meeting")
    services.rsvp_answer(session=meeting, user=parent_named(committee, "Amara"), answer=Answer.YES)
    services.rsvp_answer(session=meeting, user=parent_named(committee, "Chloe"), answer=Answer.YES)
    wait_for_deliveries(expected_sent=3)

    clock.move_to(START - timedelta(hours=23))
    assert tasks.check_quorums.delay().get(timeout=WAIT) == 1
    wait_for_deliveries(expected_sent=3)

    check = QuorumCheck.objects.get()
    assert (check.hours_before, check.met, check.parents_yes) == (24, True, 2)
    assert not Message.objects.filter(kind=Message.Kind.QUORUM_ALERT).exists()
    assert emails("Parents short") == []


# --- (2) the reminders beat job running twice ------------------------------------------------------------


def test_the_reminders_job_running_twice_sends_each_message_once(
    clock, group_with_members, facilitator, facilitator2, parent, professional, make_user
):
    # given: one session three days away (chaser time) and one tomorrow (reminder time)
    una = add_parent(group_with_members, make_user(email="una@example.test", full_name="Una Unanswered"), facilitator)
    soon = make_session(group_with_members, facilitator, facilitator2, title="Tomorrow's session")
    later = make_session(
        group_with_members, facilitator, facilitator2, title="Later session", starts_at=START + timedelta(days=2)
    )
    services.rsvp_answer(session=soon, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=soon, user=una, answer=Answer.YES)
    services.rsvp_answer(session=soon, user=professional, answer=Answer.NO)
    services.rsvp_answer(session=later, user=parent, answer=Answer.YES)
    wait_for_deliveries(expected_sent=6)  # the invitations: parent, professional and Una, for each session
    clock.move_to(START - timedelta(days=1))

    # when: the beat job runs twice, back to back
    first = tasks.send_reminders.delay()
    second = tasks.send_reminders.delay()
    results = [first.get(timeout=WAIT), second.get(timeout=WAIT)]
    wait_for_deliveries(expected_sent=6 + 4)

    # then: a reminder each to the two with a place tomorrow; a chaser each to the two who have not answered
    assert results == [
        {"chasers": 2, "reminders": 2, "follow_ups": 0},
        {"chasers": 0, "reminders": 0, "follow_ups": 0},
    ]
    reminders = Message.objects.filter(kind=Message.Kind.REMINDER_DAYS)
    chasers = Message.objects.filter(kind=Message.Kind.CHASER)
    assert sorted(reminders.values_list("person__email", flat=True)) == ["parent@example.test", "una@example.test"]
    assert sorted(chasers.values_list("person__email", flat=True)) == [
        "professional@example.test",
        "una@example.test",
    ]
    assert sorted(m.to[0] for m in emails("Reminder: Tomorrow's session")) == [
        "parent@example.test",
        "una@example.test",
    ]
    assert sorted(m.to[0] for m in emails("Can you come? Later session")) == [
        "professional@example.test",
        "una@example.test",
    ]
    assert len(mail.outbox) == 10

    # when: it runs once more later in the same windows
    clock.shift(timedelta(hours=2))
    assert tasks.send_reminders.delay().get(timeout=WAIT) == {"chasers": 0, "reminders": 0, "follow_ups": 0}
    wait_for_deliveries()

    # then: still nothing more
    assert Message.objects.count() == 10
    assert len(mail.outbox) == 10


# --- (3) a retried deliver task ---------------------------------------------------------------------------


def test_a_deliver_task_run_again_for_the_same_message_sends_once(clock, group_with_members, facilitator, facilitator2):
    # given: publishing queues the invitations (a fan-out task), which logs one to the parent and queues it
    session = make_session(group_with_members, facilitator, facilitator2, title="Summer fun day")
    invitation = Message.objects.filter(person__email="parent@example.test", kind=Message.Kind.INVITATION)
    wait_until(invitation.exists, what="the invitations to be made")
    message = invitation.get()

    # when: the delivery task is sent twice more for the same message, as a redelivery or retry would
    again = [message_tasks.deliver_message.delay(message_id=message.pk) for _ in range(2)]
    outcomes = [result.get(timeout=WAIT) for result in again]
    wait_for_deliveries(expected_sent=2)  # the parent's and the professional's invitations

    # then: sent once
    assert set(outcomes) <= {"sent", "skipped"}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Message.Status.SENT, 1)
    assert [m.to for m in mail.outbox if m.to == ["parent@example.test"]] == [["parent@example.test"]]

    # when: the task runs again after the message was sent, through the worker and in-process
    assert message_tasks.deliver_message.delay(message_id=message.pk).get(timeout=WAIT) == "skipped"
    assert message_tasks.deliver_message.apply(kwargs={"message_id": message.pk}).get() == "skipped"

    # then
    message.refresh_from_db()
    assert message.attempts == 1
    assert len(mail.outbox) == 2
    assert Message.objects.filter(session=session).count() == 2


class DownSmsBackend:
    def send(self, *, to, body):
        raise sms.SmsError("The text message provider is not responding.")


def test_a_failed_delivery_is_retried_by_the_worker_with_a_backoff(
    clock, monkeypatch, settings, group_with_members, facilitator, facilitator2, make_user
):
    # given: a member who gets texts, and a text provider that is down
    texter = add_parent(
        group_with_members,
        make_user(email="tariq@example.test", full_name="Tariq Text", phone=PHONE, contact_preference="text"),
        facilitator,
    )
    monkeypatch.setitem(sms.BACKENDS, "down", DownSmsBackend)
    settings.SMS_BACKEND = "down"

    # when: an invitation is sent
    make_session(group_with_members, facilitator, facilitator2, title="Summer fun day")
    wait_until(Message.objects.filter(person=texter).exists, what="the invitation to be made")
    text = Message.objects.get(person=texter)
    wait_until(
        lambda: Message.objects.filter(pk=text.pk, attempts=1, status=Message.Status.PENDING).exists(),
        what="the first attempt to fail",
    )

    # then: the task asked Celery to retry it a minute later, and the message says why it has not gone
    text.refresh_from_db()
    assert text.error == "The text message provider is not responding."
    assert timedelta(seconds=55) < text.send_after - text.claimed_at <= timedelta(seconds=65)
    assert sms.LocmemSmsBackend.outbox == []

    # when: the provider is back and the minute has passed. The worker's own retry (if it was received after
    # the clock moved, its time has come) or the dispatcher, whichever is first, delivers it; the other finds
    # it already sent.
    settings.SMS_BACKEND = "locmem"
    clock.shift(timedelta(seconds=61))
    assert message_tasks.dispatch_due_messages.delay().get(timeout=WAIT) in (0, 1)
    wait_until(
        lambda: Message.objects.filter(pk=text.pk, status=Message.Status.SENT).exists(), what="the text to be sent"
    )

    # then: sent once, on the second attempt
    text.refresh_from_db()
    assert (text.attempts, text.error) == (2, "")
    assert [s["to"] for s in sms.LocmemSmsBackend.outbox] == [PHONE]


# --- (4) quiet hours through the queue --------------------------------------------------------------------


def test_a_text_made_in_quiet_hours_is_held_then_dispatched_at_eight(
    clock, group_with_members, facilitator, facilitator2, make_user
):
    # given: a member who gets both emails and texts has a place at a session on Friday evening
    bo = add_parent(
        group_with_members,
        make_user(email="bo@example.test", full_name="Bo Both", phone=PHONE, contact_preference="both"),
        facilitator,
    )
    session = make_session(group_with_members, facilitator, facilitator2, title="Summer fun day")
    services.rsvp_answer(session=session, user=bo, answer=Answer.YES)
    wait_for_deliveries()
    mail.outbox.clear()
    sms.LocmemSmsBackend.outbox.clear()

    # when: the reminders job runs at 22:30 on Wednesday, inside two days of the session
    clock.move_to(datetime(2030, 6, 12, 22, 30, tzinfo=LONDON))
    assert tasks.send_reminders.delay().get(timeout=WAIT)["reminders"] == 2
    wait_for_deliveries()

    # then: the email went, the text is held until the morning
    email = Message.objects.get(kind=Message.Kind.REMINDER_DAYS, channel=Message.Channel.EMAIL)
    text = Message.objects.get(kind=Message.Kind.REMINDER_DAYS, channel=Message.Channel.TEXT)
    assert email.status == Message.Status.SENT
    assert [m.to for m in mail.outbox] == [["bo@example.test"]]
    assert text.status == Message.Status.HELD
    assert text.send_after == datetime(2030, 6, 13, 8, 0, tzinfo=LONDON)
    assert sms.LocmemSmsBackend.outbox == []

    # when: the dispatcher runs in the night, and even a stray delivery task for the text
    clock.move_to(datetime(2030, 6, 13, 7, 59, tzinfo=LONDON))
    assert message_tasks.dispatch_due_messages.delay().get(timeout=WAIT) == 0
    assert message_tasks.deliver_message.delay(message_id=text.pk).get(timeout=WAIT) == "skipped"

    # then: still held
    text.refresh_from_db()
    assert text.status == Message.Status.HELD
    assert sms.LocmemSmsBackend.outbox == []

    # when: it is eight o'clock
    clock.move_to(datetime(2030, 6, 13, 8, 0, 5, tzinfo=LONDON))
    assert message_tasks.dispatch_due_messages.delay().get(timeout=WAIT) == 1
    wait_until(
        lambda: Message.objects.filter(pk=text.pk, status=Message.Status.SENT).exists(), what="the held text to go"
    )

    # then: the text goes, once
    assert [s["to"] for s in sms.LocmemSmsBackend.outbox] == [PHONE]
    assert "Reminder: Summer fun day" in sms.LocmemSmsBackend.outbox[0]["body"]
    assert message_tasks.dispatch_due_messages.delay().get(timeout=WAIT) == 0
    assert len(sms.LocmemSmsBackend.outbox) == 1
