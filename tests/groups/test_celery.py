"""The project's Celery app through the real Redis broker, with a real worker running in this process."""

import os
import uuid
from datetime import timedelta

import celery.contrib.testing.tasks  # noqa: F401  (registers the worker's start-up ping task)
import pytest
from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from coprod.celery import app as coprod_app
from groups import tasks


@pytest.fixture
def private_queue():
    """A queue of this test run's own: another run sharing the Redis database (a developer's run beside CI,
    or parallel helpers) then never takes our tasks, and our worker never takes theirs."""
    return f"coprod-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture
def celery_app(private_queue):
    """The worker runs coprod's own app, configured from Django settings, not a throw-away test app. While the
    test runs, tasks sent with .delay() go to the private queue; afterwards the app is as it was."""
    queues = coprod_app.amqp.queues  # built now, from the real defaults, before the default queue changes
    previous = coprod_app.conf.task_default_queue
    coprod_app.conf.task_default_queue = private_queue
    yield coprod_app
    coprod_app.conf.task_default_queue = previous
    private = queues.pop(private_queue, None)
    # The worker's queue selection stays on the app; undo it so a later worker in this process consumes the
    # default queues again.
    queues._consume_from = None
    if private is not None:
        # Leave no binding behind in Redis: declare on this channel (so it knows the binding), then delete.
        with coprod_app.connection_for_write() as connection:
            bound = private.bind(connection.default_channel)
            bound.declare()
            bound.delete()


@pytest.fixture
def celery_worker_parameters(private_queue):
    return {"queues": [private_queue]}


def make_session(expire_date):
    store = SessionStore()
    store["note"] = "test"
    store.create()
    Session.objects.filter(session_key=store.session_key).update(expire_date=expire_date)
    return store.session_key


def test_clear_expired_sign_in_sessions_runs_on_a_real_worker(transactional_db, celery_worker):
    # given: one expired and one live browser session, committed so the worker's connection sees them
    expired = make_session(timezone.now() - timedelta(days=1))
    live = make_session(timezone.now() + timedelta(days=1))

    # when
    result = tasks.clear_expired_sign_in_sessions.delay()

    # then
    assert result.get(timeout=20) == 1
    assert result.status == "SUCCESS"
    assert not Session.objects.filter(session_key=expired).exists()
    assert Session.objects.filter(session_key=live).exists()


def test_the_task_goes_through_redis_with_json(celery_worker, transactional_db, private_queue):
    assert coprod_app.conf.task_always_eager is False
    assert coprod_app.conf.broker_url.startswith("redis://")
    assert coprod_app.conf.result_backend.startswith("redis://")
    assert coprod_app.conf.broker_url == settings.CELERY_BROKER_URL
    # Tests keep results (in their own database) to wait for the worker's answer; the app stores none
    # (tests/reliability/test_redis_down_signin.py checks the production settings).
    assert coprod_app.conf.result_backend.endswith("/15")
    assert coprod_app.conf.task_ignore_result is False
    # The worker knows the task by the name the beat schedule uses.
    assert "groups.tasks.clear_expired_sign_in_sessions" in coprod_app.tasks

    result = coprod_app.send_task("groups.tasks.clear_expired_sign_in_sessions", queue=private_queue)

    assert result.get(timeout=20) == 0


def test_celery_app_configuration():
    conf = coprod_app.conf

    assert conf.task_serializer == "json"
    assert conf.result_serializer == "json"
    assert conf.accept_content == ["json"]
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.timezone == "Europe/London"
    # Sending a task tries the broker once and gives up within a moment, so a request never waits on Redis.
    assert conf.task_publish_retry_policy == {"max_retries": 0}
    assert conf.broker_connection_timeout == 1


def test_beat_schedule_has_the_housekeeping_job():
    schedule = coprod_app.conf.beat_schedule

    job = schedule["clear-expired-sign-in-sessions"]
    assert job["task"] == "groups.tasks.clear_expired_sign_in_sessions"
    assert job["task"] == tasks.clear_expired_sign_in_sessions.name
    assert job["schedule"] == 60 * 60
