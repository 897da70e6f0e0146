"""Delivery in batches through the real Redis broker and a real Celery worker, exactly once (issue 10, item 5).

The short version of bench/delivery.py: 500 people with a place at tomorrow's session; the reminders job runs on
the worker, logs the 500 reminders in bulk and queues one delivery task per 100; the worker sends each batch
over one mail connection. Every reminder is delivered once (counted by the message id each email carries),
and a second run of the job sends nothing more. 10,000 used to take 227 to 384 s, one task and one
transaction per message; bench/delivery.py measures the full run.
"""

import os
import time
from datetime import timedelta

import celery.contrib.testing.tasks  # noqa: F401  (the worker's start-up ping task)
import pytest
from django.contrib.auth.hashers import make_password
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.utils import timezone

from coprod.celery import app as coprod_app
from groups.models import Membership, User
from sessions_app import tasks
from sessions_app.models import Answer, Message, Rsvp, Session
from tests.sessions_app.factories import plan_session

pytestmark = pytest.mark.django_db(transaction=True)

PEOPLE = 500
WAIT = 120
QUEUE = f"coprod-tests-batches-{os.getpid()}"
_ROUTING_CACHES = ("queues", "default_queue", "router")


def _use(queue, routes):
    coprod_app.conf.task_default_queue = queue
    coprod_app.conf.task_routes = routes
    for cached in _ROUTING_CACHES:
        coprod_app.amqp.__dict__.pop(cached, None)
    coprod_app.amqp.flush_routes()  # the routing table is kept too


@pytest.fixture
def celery_app():
    """coprod's own app on this run's own queue: the jobs and the deliveries both go to it while the test
    runs, so another run sharing the Redis database never takes them."""
    default, routes = coprod_app.conf.task_default_queue, coprod_app.conf.task_routes
    _use(QUEUE, {})
    coprod_app.control.purge()
    yield coprod_app
    coprod_app.control.purge()
    with coprod_app.connection_for_write() as connection:
        connection.default_channel.client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
    _use(default, routes)


@pytest.fixture
def celery_worker_parameters():
    return {"queues": [QUEUE]}


class CountingEmailBackend(LocmemEmailBackend):
    opened = 0

    def open(self):
        CountingEmailBackend.opened += 1
        return super().open()


@pytest.fixture
def through_the_queue(settings):
    settings.MESSAGE_DELIVERY = "queue"
    settings.EMAIL_BACKEND = f"{__name__}.CountingEmailBackend"
    CountingEmailBackend.opened = 0
    mail.outbox = []  # the worker thread appends to this list too


def wait_until(condition, *, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


@pytest.fixture
def tomorrow(settings, group_with_members, facilitator, facilitator2):
    """A session tomorrow that 500 parents said yes to (published, inline, before they joined)."""
    settings.MESSAGE_DELIVERY = "inline"
    session = plan_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=timezone.now() + timedelta(hours=30),
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/room",
    )
    password = make_password(None)
    people = User.objects.bulk_create(
        [User(email=f"p{n}@example.test", full_name=f"Parent {n:03d}", password=password) for n in range(PEOPLE)]
    )
    Membership.objects.bulk_create(
        [Membership(group=group_with_members, user=p, role=Membership.Role.PARENT) for p in people]
    )
    Rsvp.objects.bulk_create([Rsvp(session=session, user=p, answer=Answer.YES) for p in people])
    return session


def test_500_reminders_go_through_the_worker_in_batches_each_exactly_once(tomorrow, through_the_queue, celery_worker):
    invitations = Message.objects.count()  # the session's own, sent (inline) before the 500 joined
    assert invitations == 2

    # when: the reminders job runs on the worker
    started = time.monotonic()
    result = tasks.send_reminders.delay().get(timeout=WAIT)
    reminders = Message.objects.filter(kind=Message.Kind.REMINDER_DAYS)
    wait_until(lambda: reminders.filter(status=Message.Status.SENT).count() == PEOPLE, what="every reminder sent")
    took = time.monotonic() - started

    # then: 500 reminders, logged and delivered once each, over one mail connection per batch of 100
    assert result == {"chasers": 0, "reminders": PEOPLE, "follow_ups": 0}
    assert reminders.count() == PEOPLE
    delivered = [int(email.extra_headers["X-Coprod-Message"]) for email in mail.outbox]
    assert sorted(delivered) == sorted(reminders.values_list("pk", flat=True))
    assert CountingEmailBackend.opened == PEOPLE // 100
    assert set(reminders.values_list("attempts", flat=True)) == {1}
    assert took < 60, f"500 reminders took {took:.1f}s"

    # when: the job runs again
    assert tasks.send_reminders.delay().get(timeout=WAIT) == {"chasers": 0, "reminders": 0, "follow_ups": 0}
    time.sleep(1)

    # then: nothing more
    assert Message.objects.count() == invitations + PEOPLE
    assert len(mail.outbox) == PEOPLE


# --- a big publish does no message work in the request -------------------------------------------------------

MEMBERS = 600


def test_publishing_to_600_members_records_one_fanout_and_the_task_invites_them_all_once(
    settings, monkeypatch, group_with_members, facilitator, facilitator2, django_assert_max_num_queries
):
    from notifications import services as message_services
    from notifications.models import Fanout
    from sessions_app import services

    # given: a group of 600 more, and messages that go through the queue
    password = make_password(None)
    people = User.objects.bulk_create(
        [User(email=f"m{n}@example.test", full_name=f"Member {n:03d}", password=password) for n in range(MEMBERS)]
    )
    Membership.objects.bulk_create(
        [Membership(group=group_with_members, user=p, role=Membership.Role.PARENT) for p in people]
    )
    draft = plan_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=timezone.now() + timedelta(days=10),
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/room",
        publish=False,
    )
    settings.MESSAGE_DELIVERY = "queue"
    queued = []

    def broker_publish(task, **kwargs):  # the broker is not this test's subject: note what would be queued
        queued.append((task.name, kwargs))

    monkeypatch.setattr(message_services, "broker_publish", broker_publish)

    # when: the session is published
    with django_assert_max_num_queries(50):  # a fixed number; per member it was three or more
        services.session_publish(session=draft, acting_user=facilitator)

    # then: the request made no message, only the fan-out, queued after the commit
    assert Message.objects.count() == 0
    fanout = Fanout.objects.get()
    assert queued == [("notifications.tasks.run_fanout", {"fanout_id": fanout.pk})]

    # when: the task runs it (twice, as a redelivery would)
    made = message_services.fanout_run(fanout_id=fanout.pk)
    again = message_services.fanout_run(fanout_id=fanout.pk)

    # then: 602 invitations (the 600 and the parent and professional), one delivery task per 100
    assert (made, again) == (MEMBERS + 2, None)
    assert Message.objects.filter(kind=Message.Kind.INVITATION).count() == MEMBERS + 2
    batches = [kwargs["message_ids"] for name, kwargs in queued if name == "notifications.tasks.deliver_messages"]
    assert [len(b) for b in batches] == [100] * 6 + [2]
    assert sorted(i for b in batches for i in b) == sorted(Message.objects.values_list("pk", flat=True))
