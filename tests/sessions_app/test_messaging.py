"""The one notification service (notifications.services, through sessions_app.messaging for messages about a
session): channels, the message log, quiet hours and delivery.

Time is pinned with time-machine in Europe/London. "Now" is Monday 3 June 2030, 12:00 in London (BST, so 11:00
UTC). Messages are delivered in-process after the transaction commits (MESSAGE_DELIVERY="inline" in the test
settings), so each send that should go out runs inside `django_capture_on_commit_callbacks(execute=True)`.
Text messages go to the "locmem" SMS backend; a failing provider is a small backend class registered in
notifications.backends.BACKENDS for the test.
"""

import threading
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from groups.models import User
from notifications import backends as sms
from sessions_app import messaging, services
from sessions_app.messaging import DeliveryFailed, channels_for, message_deliver, message_send, quiet_hours_end
from sessions_app.models import Message, ReminderSettings, Session

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 6, 3, 12, 0, tzinfo=LONDON)  # a Monday, BST
PHONE = "07700 900123"


def local(year, month, day, hour, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.LocmemSmsBackend.outbox.clear()
    yield sms.LocmemSmsBackend.outbox
    sms.LocmemSmsBackend.outbox.clear()


@pytest.fixture
def texter(make_user):
    return make_user(email="tariq@example.test", full_name="Tariq Text", phone=PHONE, contact_preference="text")


@pytest.fixture
def both(make_user):
    return make_user(email="bo@example.test", full_name="Bo Both", phone="07700 900456", contact_preference="both")


@pytest.fixture
def session(group_with_members, facilitator):
    [created] = services.session_create(
        group=group_with_members,
        acting_user=facilitator,
        title="Planning the summer fun day",
        purpose="Decide together what families need on the day.",
        starts_at=local(2030, 6, 14, 18),
        ends_at=local(2030, 6, 14, 20),
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/summer",
    )
    return created


def send(person, organisation, *, key="note:1", session=None, kind=Message.Kind.INVITATION):
    return message_send(
        person=person,
        kind=kind,
        key=key,
        subject="Will you come?",
        body="Hello, this is the long email version.",
        text_body="Short text version.",
        session=session,
        organisation_id=organisation.pk,
    )


# --- channels --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("preference", "phone", "expected"),
    [
        ("email", "", ["email"]),
        ("email", PHONE, ["email"]),
        ("text", PHONE, ["text"]),
        ("both", PHONE, ["email", "text"]),
        # A text preference without a phone number cannot be reached by text: email instead, never nothing.
        ("text", "", ["email"]),
        ("both", "", ["email"]),
    ],
)
def test_channels_follow_the_contact_preference(preference, phone, expected):
    person = User(
        email="someone@example.test",
        contact_preference=preference,
        phone=phone,
        phone_confirmed_at=datetime(2020, 1, 1, tzinfo=UTC) if phone else None,  # a confirmed phone (groups.phone)
    )

    assert channels_for(person) == expected


def test_each_channel_is_logged_and_delivered_the_way_the_person_asked(
    organisation, session, both, parent, texter, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    # when
    with django_capture_on_commit_callbacks(execute=True):
        created = [m for person in (both, parent, texter) for m in send(person, organisation, session=session)]

    # then: one row per person and channel, each with what was sent and when
    assert sorted((m.person.email, m.channel) for m in created) == [
        ("bo@example.test", "email"),
        ("bo@example.test", "text"),
        ("parent@example.test", "email"),
        ("tariq@example.test", "text"),
    ]
    for message in Message.objects.all():
        assert message.kind == Message.Kind.INVITATION
        assert message.session == session
        assert message.status == Message.Status.SENT
        assert message.sent_at == NOW
        assert message.attempts == 1
        assert message.error == ""
    assert sorted(m.to[0] for m in mailoutbox) == ["bo@example.test", "parent@example.test"]
    assert mailoutbox[0].subject == "Will you come?"
    assert mailoutbox[0].body == "Hello, this is the long email version."
    # Texts carry the short version, to the phone number.
    assert sorted(s["to"] for s in sms_outbox) == ["07700 900123", "07700 900456"]
    assert {s["body"] for s in sms_outbox} == {"Short text version."}


def test_an_email_without_a_subject_gets_a_plain_one(
    organisation, parent, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message_send(person=parent, kind=Message.Kind.CHASER, key="k", body="Hi", organisation_id=organisation.pk)

    assert [m.subject for m in mailoutbox] == ["A message from coprod"]


def test_the_same_key_never_makes_a_second_message(
    organisation, both, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = send(both, organisation, key="reminder_days:7")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        again = send(both, organisation, key="reminder_days:7")

    assert len(first) == 2
    assert again == []
    assert callbacks == []  # nothing queued the second time
    assert Message.objects.filter(person=both).count() == 2
    assert len(mailoutbox) == 1
    assert len(sms_outbox) == 1


def test_a_different_key_is_a_different_message(organisation, parent, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send(parent, organisation, key="reminder_days:7")
        send(parent, organisation, key="reminder_days:8")

    assert Message.objects.filter(person=parent).count() == 2
    assert len(mailoutbox) == 2


def test_the_database_refuses_a_duplicate_person_channel_and_key(organisation, parent):
    send(parent, organisation, key="quorum:12:72")

    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            person=parent, channel=Message.Channel.EMAIL, key="quorum:12:72", kind=Message.Kind.QUORUM_ALERT, body="x"
        )

    # The same key on the other channel is a different message.
    Message.objects.create(
        person=parent, channel=Message.Channel.TEXT, key="quorum:12:72", kind=Message.Kind.QUORUM_ALERT, body="x"
    )
    assert Message.objects.filter(person=parent, key="quorum:12:72").count() == 2


def test_a_long_key_is_trimmed_to_fit_and_still_deduplicates(organisation, parent):
    long_key = "place_offered:" + "9" * 200

    assert len(send(parent, organisation, key=long_key)) == 1
    assert send(parent, organisation, key=long_key) == []
    assert len(Message.objects.get(person=parent).key) == 120


def test_nobody_messages_a_person_who_has_left(organisation, parent, mailoutbox, django_capture_on_commit_callbacks):
    User.objects.filter(pk=parent.pk).update(is_active=False)
    parent.refresh_from_db()

    with django_capture_on_commit_callbacks(execute=True):
        assert send(parent, organisation) == []

    assert not Message.objects.exists()
    assert mailoutbox == []


# --- quiet hours -----------------------------------------------------------------------------------------


def test_a_text_at_half_past_ten_at_night_is_held_until_eight_in_the_morning(
    clock, organisation, texter, sms_outbox, django_capture_on_commit_callbacks
):
    # given
    clock.move_to(local(2030, 6, 3, 22, 30))

    # when
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        [message] = send(texter, organisation)

    # then
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert message.send_after == local(2030, 6, 4, 8, 0)
    assert callbacks == []  # not queued for delivery
    assert sms_outbox == []
    assert message_deliver(message_id=message.pk) == "skipped"  # not due, even if a worker is asked
    assert sms_outbox == []

    clock.move_to(local(2030, 6, 4, 7, 59))
    assert messaging.messages_due() == []

    clock.move_to(local(2030, 6, 4, 8, 0))
    assert messaging.messages_due() == [message.pk]
    assert message_deliver(message_id=message.pk) == "sent"
    assert sms_outbox == [{"to": PHONE, "body": "Short text version."}]
    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.sent_at == local(2030, 6, 4, 8, 0)
    assert messaging.messages_due() == []


def test_emails_are_not_held_in_quiet_hours(
    clock, organisation, both, mailoutbox, sms_outbox, django_capture_on_commit_callbacks
):
    clock.move_to(local(2030, 6, 3, 23, 15))

    with django_capture_on_commit_callbacks(execute=True):
        send(both, organisation)

    email = Message.objects.get(channel=Message.Channel.EMAIL)
    text = Message.objects.get(channel=Message.Channel.TEXT)
    assert email.status == Message.Status.SENT
    assert [m.to for m in mailoutbox] == [["bo@example.test"]]
    assert text.status == Message.Status.HELD
    assert text.send_after == local(2030, 6, 4, 8, 0)
    assert sms_outbox == []


@pytest.mark.parametrize(
    ("moment", "held_until"),
    [
        (local(2030, 6, 3, 20, 59), None),
        (local(2030, 6, 3, 21, 0), local(2030, 6, 4, 8, 0)),
        (local(2030, 6, 3, 23, 59), local(2030, 6, 4, 8, 0)),
        (local(2030, 6, 4, 0, 0), local(2030, 6, 4, 8, 0)),
        (local(2030, 6, 4, 6, 15), local(2030, 6, 4, 8, 0)),  # early morning: held until later the same day
        (local(2030, 6, 4, 7, 59), local(2030, 6, 4, 8, 0)),
        (local(2030, 6, 4, 8, 0), None),
        (local(2030, 6, 4, 13, 0), None),
    ],
)
def test_default_quiet_hours_run_from_nine_at_night_to_eight_in_the_morning(moment, held_until, organisation):
    rules = messaging.reminder_settings_for(organisation.pk)

    assert quiet_hours_end(moment, rules) == held_until


def test_an_organisations_own_quiet_hours_are_respected(
    clock, organisation, other_organisation, texter, django_capture_on_commit_callbacks, sms_outbox
):
    # given: Bayside keeps texts back from 20:00 until 09:30; Hillside uses the defaults (21:00 to 08:00)
    ReminderSettings.objects.create(organisation=organisation, quiet_from=time(20, 0), quiet_until=time(9, 30))
    clock.move_to(local(2030, 6, 3, 20, 30))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        [bayside] = send(texter, organisation, key="bayside")
        [hillside] = send(texter, other_organisation, key="hillside")

    # then
    bayside.refresh_from_db()
    hillside.refresh_from_db()
    assert (bayside.status, bayside.send_after) == (Message.Status.HELD, local(2030, 6, 4, 9, 30))
    assert hillside.status == Message.Status.SENT
    assert len(sms_outbox) == 1

    # At 09:00 Hillside's morning has begun but Bayside's has not.
    clock.move_to(local(2030, 6, 4, 9, 0))
    assert messaging.messages_due() == []
    with django_capture_on_commit_callbacks(execute=True):
        [morning] = send(texter, organisation, key="bayside-morning")
    assert (morning.status, morning.send_after) == (Message.Status.HELD, local(2030, 6, 4, 9, 30))

    clock.move_to(local(2030, 6, 4, 9, 30))
    assert sorted(messaging.messages_due()) == sorted([bayside.pk, morning.pk])


def test_quiet_hours_that_end_before_midnight_and_start_later_are_respected(clock, organisation, texter):
    # Quiet only over lunch, 12:00 to 14:00 (the window does not cross midnight).
    ReminderSettings.objects.create(organisation=organisation, quiet_from=time(12, 0), quiet_until=time(14, 0))
    rules = messaging.reminder_settings_for(organisation.pk)

    assert quiet_hours_end(local(2030, 6, 3, 11, 59), rules) is None
    assert quiet_hours_end(local(2030, 6, 3, 12, 0), rules) == local(2030, 6, 3, 14, 0)
    assert quiet_hours_end(local(2030, 6, 3, 13, 30), rules) == local(2030, 6, 3, 14, 0)
    assert quiet_hours_end(local(2030, 6, 3, 14, 0), rules) is None
    assert quiet_hours_end(local(2030, 6, 3, 23, 0), rules) is None


def test_a_later_start_of_quiet_hours_lets_an_evening_text_go(
    clock, organisation, texter, sms_outbox, django_capture_on_commit_callbacks
):
    ReminderSettings.objects.create(organisation=organisation, quiet_from=time(22, 0), quiet_until=time(7, 0))
    clock.move_to(local(2030, 6, 3, 21, 30))  # quiet by default, not for this organisation

    with django_capture_on_commit_callbacks(execute=True):
        [message] = send(texter, organisation)

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert len(sms_outbox) == 1


def test_the_night_the_clocks_go_forward(clock, organisation, texter, sms_outbox, django_capture_on_commit_callbacks):
    # 22:30 GMT on Saturday 30 March 2030; at 01:00 UTC the clocks go forward, so 08:00 BST is 07:00 UTC.
    clock.move_to(datetime(2030, 3, 30, 22, 30, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        [message] = send(texter, organisation)

    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert message.send_after == datetime(2030, 3, 31, 7, 0, tzinfo=UTC)
    assert message.send_after == local(2030, 3, 31, 8, 0)

    clock.move_to(datetime(2030, 3, 31, 6, 59, tzinfo=UTC))  # 07:59 BST
    assert messaging.messages_due() == []
    clock.move_to(datetime(2030, 3, 31, 7, 0, tzinfo=UTC))  # 08:00 BST
    assert messaging.messages_due() == [message.pk]
    assert message_deliver(message_id=message.pk) == "sent"
    assert len(sms_outbox) == 1


def test_the_night_the_clocks_go_back(clock, organisation, texter, django_capture_on_commit_callbacks):
    # 22:30 BST on Saturday 26 October 2030 (21:30 UTC); the clocks go back at 02:00 BST, so 08:00 GMT is 08:00 UTC.
    clock.move_to(datetime(2030, 10, 26, 21, 30, tzinfo=UTC))

    with django_capture_on_commit_callbacks(execute=True):
        [message] = send(texter, organisation)

    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert message.send_after == datetime(2030, 10, 27, 8, 0, tzinfo=UTC)

    # 01:30 happens twice that night; both are quiet and both wait for 08:00 GMT.
    rules = messaging.reminder_settings_for(organisation.pk)
    first_half_past_one = datetime(2030, 10, 27, 0, 30, tzinfo=UTC)  # 01:30 BST
    second_half_past_one = datetime(2030, 10, 27, 1, 30, tzinfo=UTC)  # 01:30 GMT
    assert quiet_hours_end(first_half_past_one, rules) == datetime(2030, 10, 27, 8, 0, tzinfo=UTC)
    assert quiet_hours_end(second_half_past_one, rules) == datetime(2030, 10, 27, 8, 0, tzinfo=UTC)


# --- delivery: failures, retries, claims -----------------------------------------------------------------


class FailingSmsBackend:
    """A text provider that is down."""

    calls = 0

    def send(self, *, to, body):
        FailingSmsBackend.calls += 1
        raise sms.SmsError("The text message provider is not responding.")


class FlakySmsBackend:
    """A provider that fails once, then works."""

    calls = 0

    def send(self, *, to, body):
        FlakySmsBackend.calls += 1
        if FlakySmsBackend.calls == 1:
            raise sms.SmsError("Temporary failure.")
        return sms.LocmemSmsBackend().send(to=to, body=body)


class WorkerKilled(BaseException):
    """The worker process stopping under the send (not an Exception: no error a backend raises)."""


class CrashingSmsBackend:
    """The worker dies in the middle of the send (not an error the service handles)."""

    def send(self, *, to, body):
        raise WorkerKilled("worker killed")


def use_sms_backend(monkeypatch, settings, name, backend):
    monkeypatch.setitem(sms.BACKENDS, name, backend)
    settings.SMS_BACKEND = name


class BrokenEmailBackend:
    """The mail server refuses the connection."""

    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionRefusedError("Connection refused by the mail server.")


def test_a_failing_text_is_retried_with_doubling_backoff_then_marked_failed(
    clock, monkeypatch, settings, organisation, texter, sms_outbox
):
    # given
    FailingSmsBackend.calls = 0
    use_sms_backend(monkeypatch, settings, "failing", FailingSmsBackend)
    [message] = send(texter, organisation)

    # when / then: attempts 1 to 4 fail and come back with a wait of 1, 2, 4 and 8 minutes
    for attempt, wait in enumerate((60, 120, 240, 480), start=1):
        with pytest.raises(DeliveryFailed) as failure:
            message_deliver(message_id=message.pk)
        assert failure.value.retry_in == wait
        message.refresh_from_db()
        assert message.status == Message.Status.PENDING
        assert message.attempts == attempt
        assert message.error == "The text message provider is not responding."
        assert message.send_after == timezone.now() + timedelta(seconds=wait)
        assert message.sent_at is None
        # Asked again before the wait is over, nothing is tried.
        assert message_deliver(message_id=message.pk) == "skipped"
        assert messaging.messages_due() == []
        clock.shift(timedelta(seconds=wait))
        assert messaging.messages_due() == [message.pk]

    # The fifth attempt is the last: the message is marked failed, no retry is asked for.
    assert message_deliver(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == Message.Status.FAILED
    assert message.attempts == messaging.MAX_ATTEMPTS == 5
    assert FailingSmsBackend.calls == 5
    clock.shift(timedelta(days=1))
    assert messaging.messages_due() == []
    assert message_deliver(message_id=message.pk) == "skipped"
    assert FailingSmsBackend.calls == 5
    assert sms_outbox == []


def test_a_retry_after_a_passing_failure_sends_the_text_and_clears_the_error(
    clock, monkeypatch, settings, organisation, texter, sms_outbox
):
    FlakySmsBackend.calls = 0
    use_sms_backend(monkeypatch, settings, "flaky", FlakySmsBackend)
    [message] = send(texter, organisation)

    with pytest.raises(DeliveryFailed):
        message_deliver(message_id=message.pk)
    clock.shift(timedelta(minutes=1))
    assert message_deliver(message_id=message.pk) == "sent"

    message.refresh_from_db()
    assert message.status == Message.Status.SENT
    assert message.attempts == 2
    assert message.error == ""
    assert message.sent_at == NOW + timedelta(minutes=1)
    assert sms_outbox == [{"to": PHONE, "body": "Short text version."}]


def test_a_mail_server_that_is_down_is_retried_like_a_text_provider(settings, organisation, parent, mailoutbox):
    settings.EMAIL_BACKEND = f"{__name__}.BrokenEmailBackend"
    [message] = send(parent, organisation)

    with pytest.raises(DeliveryFailed) as failure:
        message_deliver(message_id=message.pk)

    assert failure.value.retry_in == 60
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert "Connection refused" in message.error
    assert mailoutbox == []


def test_a_message_claimed_by_another_worker_is_skipped(organisation, parent, mailoutbox):
    [message] = send(parent, organisation)
    # Another worker has claimed it (status "sending").
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENDING, attempts=1, claimed_at=NOW)

    assert message_deliver(message_id=message.pk) == "skipped"

    message.refresh_from_db()
    assert message.status == Message.Status.SENDING
    assert message.attempts == 1
    assert mailoutbox == []


def test_a_message_already_sent_is_not_sent_again(organisation, parent, mailoutbox):
    [message] = send(parent, organisation)

    assert message_deliver(message_id=message.pk) == "sent"
    assert message_deliver(message_id=message.pk) == "skipped"

    message.refresh_from_db()
    assert message.attempts == 1
    assert len(mailoutbox) == 1


def test_an_unknown_message_is_skipped(db):
    assert message_deliver(message_id=987654) == "skipped"


@pytest.mark.django_db(transaction=True)
def test_a_message_locked_by_a_worker_mid_claim_is_skipped_not_waited_for(clock, organisation, texter, sms_outbox):
    # given: a text held overnight and due at 08:00, and this thread holding its row lock as a first worker
    # claiming it would
    clock.move_to(local(2030, 6, 3, 23, 0))
    [message] = send(texter, organisation)
    clock.move_to(local(2030, 6, 4, 8, 0))
    assert messaging.messages_due() == [message.pk]
    results = []

    def second_worker():
        try:
            results.append(message_deliver(message_id=message.pk))
        finally:
            connection.close()

    # when
    with transaction.atomic():
        Message.objects.select_for_update().get(pk=message.pk)
        worker = threading.Thread(target=second_worker)
        worker.start()
        worker.join(timeout=10)

    # then: the second worker did not block on the lock and did not send
    assert not worker.is_alive()
    assert results == ["skipped"]
    assert sms_outbox == []
    message.refresh_from_db()
    assert message.status == Message.Status.HELD
    assert message.attempts == 0
    # Once the lock is gone, it goes out once.
    assert message_deliver(message_id=message.pk) == "sent"
    assert len(sms_outbox) == 1


@pytest.mark.django_db(transaction=True)
def test_a_message_is_not_skipped_because_its_persons_row_is_locked(clock, organisation, texter, sms_outbox):
    # given: a text held overnight, due at 08:00; at that moment the person's row is locked for a moment (a
    # first worker claiming another message to them, or the person saving their profile)
    clock.move_to(local(2030, 6, 3, 23, 0))
    [message] = send(texter, organisation)
    clock.move_to(local(2030, 6, 4, 8, 0))
    results = []

    def worker():
        try:
            results.append(message_deliver(message_id=message.pk))
        finally:
            connection.close()

    # when
    with transaction.atomic():
        User.objects.select_for_update().get(pk=texter.pk)
        thread = threading.Thread(target=worker)
        thread.start()
        thread.join(timeout=10)

    # then: the text is claimed and sent; only the message row is the claim
    assert not thread.is_alive()
    assert results == ["sent"]
    assert [s["to"] for s in sms_outbox] == [PHONE]


def test_a_message_stuck_sending_is_marked_unknown_and_never_sent_again(
    clock, monkeypatch, settings, organisation, texter, parent, sms_outbox, mailoutbox
):
    # given: a worker died in the middle of sending a text, so the message is left "sending"
    use_sms_backend(monkeypatch, settings, "crashing", CrashingSmsBackend)
    [stuck] = send(texter, organisation, key="stuck")
    with pytest.raises(WorkerKilled):
        message_deliver(message_id=stuck.pk)
    stuck.refresh_from_db()
    assert (stuck.status, stuck.claimed_at, stuck.attempts) == (Message.Status.SENDING, NOW, 1)
    use_sms_backend(monkeypatch, settings, "locmem", sms.LocmemSmsBackend)

    # and one claimed more recently, which may still be sending
    clock.shift(timedelta(minutes=10))
    [recent] = send(parent, organisation, key="recent")
    Message.objects.filter(pk=recent.pk).update(status=Message.Status.SENDING, claimed_at=timezone.now())

    # when: 14 minutes after the first claim nothing is stuck yet
    clock.move_to(NOW + timedelta(minutes=14))
    assert messaging.messages_sweep_stuck() == 0

    # 16 minutes after, the first is
    clock.move_to(NOW + timedelta(minutes=16))
    assert messaging.messages_sweep_stuck() == 1

    # then
    stuck.refresh_from_db()
    recent.refresh_from_db()
    assert stuck.status == Message.Status.UNKNOWN
    assert "Not re-sent" in stuck.error
    assert recent.status == Message.Status.SENDING
    assert stuck.pk not in messaging.messages_due()
    assert message_deliver(message_id=stuck.pk) == "skipped"
    clock.shift(timedelta(days=1))
    assert messaging.messages_sweep_stuck() == 1  # the recent one, now stuck too
    assert messaging.messages_due() == []
    assert sms_outbox == []
    assert mailoutbox == []


def test_messages_due_lists_held_and_retrying_messages_oldest_first(clock, organisation, texter, parent):
    # given, at 22:00: a held text (due 08:00), an email waiting to retry at 07:00, and a sent email
    clock.move_to(local(2030, 6, 3, 22, 0))
    [held] = send(texter, organisation, key="held")
    [retry] = send(parent, organisation, key="retry")
    Message.objects.filter(pk=retry.pk).update(send_after=local(2030, 6, 4, 7, 0), attempts=1, error="Timed out")
    [sent] = send(parent, organisation, key="sent")
    Message.objects.filter(pk=sent.pk).update(status=Message.Status.SENT, sent_at=local(2030, 6, 3, 22, 0))

    clock.move_to(local(2030, 6, 4, 6, 59))
    assert messaging.messages_due() == []
    clock.move_to(local(2030, 6, 4, 7, 0))
    assert messaging.messages_due() == [retry.pk]
    clock.move_to(local(2030, 6, 4, 9, 0))
    assert messaging.messages_due() == [retry.pk, held.pk]
    assert messaging.messages_due(limit=1) == [retry.pk]


# --- one-tap answer tokens -------------------------------------------------------------------------------


def test_an_answer_token_reads_back_and_a_tampered_one_does_not(session, parent):
    token = messaging.answer_token(session=session, person=parent, answer="yes")

    assert messaging.answer_token_read(token) == {"s": session.pk, "u": parent.pk, "a": "yes"}
    assert messaging.answer_token_read(token[:-2] + ("AA" if token[-2:] != "AA" else "BB")) is None
    assert messaging.answer_token_read("not-a-token") is None
    link = messaging.answer_link(session=session, person=parent, answer="no")
    assert link.startswith("http://") and "/a/" in link


def test_a_broker_that_is_down_leaves_the_message_pending_for_the_dispatcher(
    settings, monkeypatch, make_user, django_capture_on_commit_callbacks
):
    # given messages go through the queue, and the broker refuses connections
    from kombu.exceptions import OperationalError

    settings.MESSAGE_DELIVERY = "queue"

    def broker_down(task, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("notifications.services.broker_publish", broker_down)
    person = make_user(email="queued@example.test")

    # when a message is sent and the transaction commits: no error reaches the caller
    with django_capture_on_commit_callbacks(execute=True):
        [message] = message_send(person=person, kind=Message.Kind.CHASER, key="chaser:broker-down", body="Hello")

    # then the message is kept, pending, and the dispatcher finds it due
    message.refresh_from_db()
    assert message.status == Message.Status.PENDING
    assert message.pk in messaging.messages_due()
