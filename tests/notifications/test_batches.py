"""Many messages at once (issue 10, item 5): logged in bulk, delivered in batches over one mail connection,
still exactly once; a worker that stopped mid-send leaves an outcome that is not known, not "failed"; a whole
group's messages made by a fan-out outside the request."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib import admin
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.urls import reverse

from notifications import backends, registry, services
from notifications.models import Fanout, Message, Status
from notifications.services import Outgoing, messages_deliver_batch, messages_send_many

LONDON = ZoneInfo("Europe/London")
NOON = datetime(2030, 6, 3, 12, 0, tzinfo=LONDON)
PHONE = "07700 900123"


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


@pytest.fixture
def people(make_user):
    return [make_user(email=f"p{n}@example.test", full_name=f"Person {n}") for n in range(7)]


class CountingEmailBackend(LocmemEmailBackend):
    """The in-memory backend, counting how often a connection is opened."""

    opened = 0

    def open(self):
        CountingEmailBackend.opened += 1
        return super().open()


@pytest.fixture
def counting_mail(settings):
    settings.EMAIL_BACKEND = f"{__name__}.CountingEmailBackend"
    CountingEmailBackend.opened = 0
    return CountingEmailBackend


def send_many(people, *, key="chaser:1", organisation_id=None, **extra):
    return messages_send_many(
        kind="chaser",
        outgoing=[Outgoing(person=p, key=key, body=f"Hello {p.full_name}", subject="Can you come?") for p in people],
        topic="tests.thing:1",
        organisation_id=organisation_id,
        **extra,
    )


# --- logged in bulk --------------------------------------------------------------------------------------


def test_many_messages_are_logged_in_a_few_queries_and_delivered_in_batches(
    clock, people, counting_mail, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    # when: seven messages are logged in bulk, in chunks of three
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        # per chunk: what exists, then one insert (in a savepoint, so a race falls back to one by one)
        with django_assert_max_num_queries(3 * 4):
            made = send_many(people, chunk_size=3)

    # then: seven rows, pending, one delivery per batch queued after the commit (here inline)
    assert made == 7
    assert Message.objects.filter(status=Status.PENDING, key="chaser:1").count() == 7
    assert len(callbacks) == 1  # one batch of up to BATCH_SIZE
    callbacks[0]()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)
    assert counting_mail.opened == 1  # one mail connection for the batch
    assert set(Message.objects.values_list("status", flat=True)) == {Status.SENT}
    ids = {str(pk) for pk in Message.objects.values_list("pk", flat=True)}
    assert {m.extra_headers["X-Coprod-Message"] for m in mail.outbox} == ids


def test_sending_many_again_makes_nothing_new_and_sends_nothing_again(
    clock, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert send_many(people[:4]) == 4
    with django_capture_on_commit_callbacks(execute=True) as again:
        # the same four and three more: only the three are new
        assert send_many(people) == 3

    assert Message.objects.count() == 7
    assert len(mail.outbox) == 7
    assert len(again) == 1


def test_the_bulk_path_keeps_the_rules_of_message_send(
    clock, make_user, organisation, django_capture_on_commit_callbacks
):
    # given: someone who gets both, someone who has left, and the quiet hours coming
    both = make_user(email="both@example.test", phone=PHONE, contact_preference="both")
    gone = make_user(email="gone@example.test")
    gone.is_active = False
    gone.save()
    clock.move_to(datetime(2030, 6, 3, 22, 0, tzinfo=LONDON))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        made = send_many([both, gone], organisation_id=organisation.pk)

    # then: an email now and a text held until eight; nothing for the person who left
    assert made == 2
    email = Message.objects.get(channel="email")
    text = Message.objects.get(channel="text")
    assert (email.person, email.status) == (both, Status.SENT)
    assert (text.status, text.send_after) == (Status.HELD, datetime(2030, 6, 4, 8, 0, tzinfo=LONDON))
    assert backends.LocmemSmsBackend.outbox == []


def test_the_bulk_path_renders_each_persons_own_message(clock, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        messages_send_many(
            kind="chaser",
            outgoing=[
                Outgoing(person=p, key="k", context={"session": None, "when": "soon", "place": "here", "link": "/x/"})
                for p in people[:2]
            ],
        )

    first = Message.objects.get(person=people[0])
    assert "Person 0" in first.body and "Person 1" not in first.body


# --- delivered in batches --------------------------------------------------------------------------------


def test_a_batch_claims_only_what_is_due_and_not_claimed(clock, people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        send_many(people)
    ids = list(Message.objects.order_by("pk").values_list("pk", flat=True))
    Message.objects.filter(pk=ids[0]).update(status=Status.SENDING, claimed_at=NOON)  # another worker has it
    Message.objects.filter(pk=ids[1]).update(send_after=NOON + timedelta(minutes=5))  # a retry, not yet due

    outcome = messages_deliver_batch(message_ids=ids)
    again = messages_deliver_batch(message_ids=ids)

    assert (outcome.claimed, outcome.sent) == (5, 5)
    assert again.claimed == 0  # a redelivered batch finds nothing to claim
    assert len(mail.outbox) == 5
    assert Message.objects.get(pk=ids[0]).status == Status.SENDING
    assert Message.objects.get(pk=ids[1]).status == Status.PENDING
    assert Message.objects.filter(status=Status.SENT, attempts=1).count() == 5


class FlakySmsBackend:
    """Refuses one number, sends to the rest."""

    def send(self, *, to, body):
        if to.endswith("666"):
            raise backends.SmsError("Number not reachable")
        return backends.LocmemSmsBackend().send(to=to, body=body)


def test_one_failure_in_a_batch_is_retried_alone_with_a_backoff(
    clock, monkeypatch, settings, make_user, django_capture_on_commit_callbacks
):
    monkeypatch.setitem(backends.BACKENDS, "flaky", FlakySmsBackend)
    settings.SMS_BACKEND = "flaky"
    texters = [
        make_user(email=f"t{n}@example.test", phone=f"07700 900{n}", contact_preference="text") for n in (111, 666)
    ]

    with django_capture_on_commit_callbacks(execute=True):
        send_many(texters)

    bad = Message.objects.get(person=texters[1])
    assert Message.objects.get(person=texters[0]).status == Status.SENT
    assert (bad.status, bad.attempts, bad.error) == (Status.PENDING, 1, "Number not reachable")
    assert bad.send_after == NOON + timedelta(minutes=1)
    assert [s["to"] for s in backends.LocmemSmsBackend.outbox] == ["07700 900111"]
    # the dispatcher finds it due a minute later, and only it
    assert services.messages_due(now=NOON + timedelta(minutes=1)) == [bad.pk]


class DownMailBackend(LocmemEmailBackend):
    def open(self):
        raise ConnectionRefusedError("Connection refused")


def test_a_mail_server_that_is_down_puts_the_whole_batch_back_to_retry(
    clock, people, settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.DownMailBackend"

    with django_capture_on_commit_callbacks(execute=True):
        send_many(people)

    assert set(Message.objects.values_list("status", "attempts", "error")) == {
        (Status.PENDING, 1, "Connection refused")
    }
    assert mail.outbox == []


def test_the_last_attempt_fails_for_good(clock, people, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = f"{__name__}.DownMailBackend"
    with django_capture_on_commit_callbacks(execute=False):
        send_many(people[:1])
    Message.objects.update(attempts=services.MAX_ATTEMPTS - 1)

    outcome = messages_deliver_batch()

    assert (outcome.claimed, outcome.failed, outcome.retrying) == (1, 1, 0)
    assert Message.objects.get().status == Status.FAILED


# --- a worker that stopped mid-batch: not known if sent ----------------------------------------------------


class WorkerKilled(BaseException):
    """What a worker process being killed looks like from inside: not an Exception, nothing recorded."""


class DyingMailBackend(LocmemEmailBackend):
    """Sends three emails, then the worker dies."""

    def send_messages(self, messages):
        if len(mail.outbox) >= 3:
            raise WorkerKilled
        return super().send_messages(messages)


def test_a_worker_killed_mid_batch_leaves_its_batch_sending_then_unknown_never_sent_twice(
    clock, people, settings, django_capture_on_commit_callbacks, admin_client
):
    settings.EMAIL_BACKEND = f"{__name__}.DyingMailBackend"
    with django_capture_on_commit_callbacks(execute=False):
        send_many(people)

    # when: the worker dies after three of seven
    with pytest.raises(WorkerKilled):
        messages_deliver_batch()

    # then: the batch is "sending" (three went, nobody knows which); a redelivered task claims none of it
    assert len(mail.outbox) == 3
    assert Message.objects.filter(status=Status.SENDING).count() == 7
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert messages_deliver_batch().claimed == 0

    # when: the sweep runs once it has been stuck for 15 minutes
    clock.shift(timedelta(minutes=16))
    assert services.messages_sweep_stuck() == 7

    # then: not known if sent, explained, never sent again, and staff see it so
    message = Message.objects.first()
    assert (message.status, message.get_status_display()) == (Status.UNKNOWN, "Not known if sent")
    assert "may or may not have gone" in message.error
    assert services.messages_due() == []
    assert messages_deliver_batch().claimed == 0
    assert len(mail.outbox) == 3
    page = admin_client.get(reverse("admin:notifications_message_changelist") + "?status=unknown")
    assert page.status_code == 200
    assert page.content.decode().count("Not known if sent") >= 7


def test_the_admin_lets_staff_filter_messages_whose_outcome_is_unknown():
    model_admin = admin.site._registry[Message]

    assert "status" in model_admin.list_filter
    assert ("unknown", "Not known if sent") in Message._meta.get_field("status").choices


# --- the dispatcher --------------------------------------------------------------------------------------


def test_the_dispatcher_leaves_new_messages_a_minute_then_queues_what_the_broker_never_had(
    clock, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # queued, as far as it knows
        send_many(people)
    batches = []

    assert services.messages_dispatch(deliver_batch=batches.append) == 0

    clock.shift(timedelta(minutes=1, seconds=1))
    assert services.messages_dispatch(deliver_batch=batches.append) == 7
    assert [len(b) for b in batches] == [7]


# --- fan-outs ----------------------------------------------------------------------------------------------


@pytest.fixture
def fanout(people):
    calls = []

    def tell_everyone(object_id):
        calls.append(object_id)
        return send_many(people, key=f"everyone:{object_id}")

    registry.register_fanout("tests.everyone", tell_everyone)
    yield calls
    registry._fanouts.pop("tests.everyone", None)


def test_a_fanout_is_recorded_in_the_request_and_run_once_later(
    clock, settings, fanout, django_capture_on_commit_callbacks
):
    settings.MESSAGE_DELIVERY = "queue"

    # when: the request asks for it (the broker is not reached in this test: the commit is not run)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        assert services.fanout_request(name="tests.everyone", object_id=5) == 0
        assert services.fanout_request(name="tests.everyone", object_id=5) == 0

    # then: one row, nothing made yet, one task to queue
    assert (Fanout.objects.count(), fanout, Message.objects.count(), len(callbacks)) == (1, [], 0, 1)

    # when: the dispatcher finds it not done a minute later, and runs it twice
    clock.shift(timedelta(minutes=2))
    [due] = services.fanouts_due()
    settings.MESSAGE_DELIVERY = "inline"
    with django_capture_on_commit_callbacks(execute=True):
        first = services.fanout_run(fanout_id=due)
    second = services.fanout_run(fanout_id=due)

    # then: seven messages, made and sent once
    assert (first, second, fanout) == (7, None, [5])
    assert Fanout.objects.get().messages_created == 7
    assert services.fanouts_due() == []
    assert len(mail.outbox) == 7


def test_an_unknown_fanout_is_an_error_in_the_request_not_in_the_worker():
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        services.fanout_request(name="tests.nobody", object_id=1)


# --- queueing never blocks --------------------------------------------------------------------------------


def test_queueing_asks_the_broker_once_without_retries_or_a_result(monkeypatch, settings):
    from notifications import tasks

    sent = []

    def apply_async(**options):
        sent.append(options)

    monkeypatch.setattr(tasks.deliver_messages, "apply_async", apply_async)

    services._queue_batch([1, 2, 3])

    [options] = sent
    assert options["kwargs"] == {"message_ids": [1, 2, 3]}
    assert (options["retry"], options["ignore_result"]) == (False, True)
