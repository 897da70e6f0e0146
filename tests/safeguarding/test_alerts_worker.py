"""Immediate-risk alerts through the real Redis broker and a real Celery worker (issue 13, item 2).

A concern raised with someone in danger queues `safeguarding.tasks.alert_leads` after it is saved; the worker
makes one alert per safeguarding lead and sends each the urgent message, by email and by text to a confirmed
phone. The alert is made once, whatever runs again (the task, the sweep), and a send that fails is retried by the
message log until it goes, and goes once.
"""

import os
import smtplib
import time
from datetime import timedelta

import celery.contrib.testing.tasks  # noqa: F401  (the worker's start-up ping task)
import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemEmailBackend
from django.utils import timezone

from coprod.celery import app as coprod_app
from notifications import tasks as message_tasks
from notifications.models import Message
from safeguarding import tasks
from safeguarding.models import Concern, ImmediateRiskAlert
from tests.safeguarding import factories_s1
from tests.safeguarding.factories_s1 import raise_concern

pytestmark = pytest.mark.django_db(transaction=True)
second_lead, texts = factories_s1.second_lead, factories_s1.texts

WAIT = 30
QUEUE = f"coprod-tests-safeguarding-alerts-{os.getpid()}"
_ROUTING_CACHES = ("queues", "default_queue", "router")
URGENT = "safeguarding.urgent_concern"


def _use(queue, routes):
    coprod_app.conf.task_default_queue = queue
    coprod_app.conf.task_routes = routes
    for cached in _ROUTING_CACHES:
        coprod_app.amqp.__dict__.pop(cached, None)
    coprod_app.amqp.flush_routes()


@pytest.fixture
def celery_app():
    """coprod's own app on this run's own queue (alerts and deliveries both), so another run sharing the Redis
    database never takes our tasks."""
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


class FailsOnceEmailBackend(LocmemEmailBackend):
    """The mail server refuses the next `failures_left` sends, then takes them."""

    failures_left = 0

    def send_messages(self, messages):
        if FailsOnceEmailBackend.failures_left > 0:
            FailsOnceEmailBackend.failures_left -= 1
            raise smtplib.SMTPServerDisconnected("The mail server went away.")
        return super().send_messages(messages)


@pytest.fixture
def through_the_queue(settings):
    settings.MESSAGE_DELIVERY = "queue"
    settings.EMAIL_BACKEND = f"{__name__}.FailsOnceEmailBackend"
    FailsOnceEmailBackend.failures_left = 0
    mail.outbox = []  # the worker thread appends to this list too
    yield
    FailsOnceEmailBackend.failures_left = 0


def wait_until(condition, *, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout}s waiting for {what}")


def urgent_to(person):
    return [m for m in mail.outbox if m.to == [person.email] and "urgent safeguarding concern" in m.body]


def test_each_lead_is_alerted_once_through_the_worker(
    group_with_members, parent, safeguarding_lead, second_lead, texts, through_the_queue, celery_worker
):
    # when: a parent raises a concern with someone in danger now
    concern = raise_concern(group_with_members.organisation, parent, immediate_risk=True)

    # then: the worker alerts both leads, by email, and by text to the one with a confirmed phone
    messages = Message.objects.filter(kind=URGENT)
    wait_until(lambda: messages.filter(status="sent").count() == 3, what="the three alert messages sent")
    assert set(ImmediateRiskAlert.objects.values_list("concern", "lead")) == {
        (concern.pk, safeguarding_lead.pk),
        (concern.pk, second_lead.pk),
    }
    assert (len(urgent_to(safeguarding_lead)), len(urgent_to(second_lead))) == (1, 1)
    assert [t["to"] for t in texts] == ["07700900123"]
    assert {m.key for m in messages} == {
        f"urgent-concern:{concern.pk}:{safeguarding_lead.pk}",
        f"urgent-concern:{concern.pk}:{second_lead.pk}",
    }

    # when: the task runs again (a redelivery), and the sweep runs
    assert tasks.alert_leads.delay(concern.pk, "raised").get(timeout=WAIT) == 0
    assert tasks.alerts_sweep.delay().get(timeout=WAIT) == 0
    time.sleep(0.5)

    # then: nothing more
    assert ImmediateRiskAlert.objects.count() == 2
    assert messages.count() == 3
    assert (len(urgent_to(safeguarding_lead)), len(urgent_to(second_lead))) == (1, 1)
    assert len(texts) == 1


def test_an_alert_whose_send_fails_is_retried_until_it_goes_once(
    group_with_members, parent, safeguarding_lead, through_the_queue, celery_worker
):
    # given: the mail server refuses the first send
    FailsOnceEmailBackend.failures_left = 1

    # when
    concern = raise_concern(group_with_members.organisation, parent, immediate_risk=True)

    # then: the first try failed and is recorded, the message waits for its retry
    message = Message.objects.filter(kind=URGENT)
    wait_until(lambda: message.filter(attempts=1, status="pending").exclude(error="").exists(), what="the failure")
    assert urgent_to(safeguarding_lead) == []
    assert "mail server went away" in message.get().error

    # when: the retry is due (the message log's backoff), and the dispatcher runs on the worker
    with time_machine.travel(timezone.now() + timedelta(minutes=2), tick=True):
        message_tasks.dispatch_due_messages.delay().get(timeout=WAIT)
        wait_until(lambda: message.filter(status="sent").exists(), what="the retried alert sent")

    # then: delivered once, on the second attempt
    sent = message.get()
    assert (sent.attempts, sent.person_id) == (2, safeguarding_lead.pk)
    assert sent.key == f"urgent-concern:{concern.pk}:{safeguarding_lead.pk}"
    assert len(urgent_to(safeguarding_lead)) == 1
    assert ImmediateRiskAlert.objects.filter(concern=concern).count() == 1
    assert Concern.objects.filter(pk=concern.pk).exists()
