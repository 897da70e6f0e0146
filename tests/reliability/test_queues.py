"""Deliveries and scheduled jobs on separate queues, and scheduled jobs that retry after a database error
(issue 10, item 5).

A check ran 74 s late behind 720 deliveries when one queue carried both: deliveries now go to "messages",
everything else (the scheduled checks, the dispatcher) to "jobs", each with a worker of its own in
docker-compose.yml. A check that met a database blip waited for its next interval: it now retries soon, a
bounded number of times.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.db import InterfaceError, OperationalError

from coprod.celery import JOBS_QUEUE, MESSAGES_QUEUE
from coprod.celery import app as coprod_app
from notifications import services as message_services
from notifications import tasks as message_tasks
from sessions_app import checks
from sessions_app import tasks as session_tasks

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DELIVERIES = [
    "notifications.tasks.deliver_message",
    "notifications.tasks.deliver_messages",
    "notifications.tasks.run_fanout",
    "sessions_app.tasks.deliver_message",
]


@pytest.fixture
def router():
    """The real app's router, worked out afresh from its configuration (a test may have changed the default
    queue for a worker of its own and put it back)."""
    coprod_app.loader.import_default_modules()
    for cached in ("queues", "default_queue", "router"):
        coprod_app.amqp.__dict__.pop(cached, None)
    coprod_app.amqp.flush_routes()  # the routing table is kept too
    return coprod_app.amqp.router


def queue_of(router, task_name: str) -> str:
    return router.route({}, task_name)["queue"].name


@pytest.mark.parametrize("task_name", DELIVERIES)
def test_deliveries_go_to_the_messages_queue(router, task_name):
    assert task_name in coprod_app.tasks
    assert queue_of(router, task_name) == MESSAGES_QUEUE == "messages"


def test_every_scheduled_job_goes_to_the_jobs_queue(router):
    jobs = {job["task"] for job in coprod_app.conf.beat_schedule.values()}

    assert "notifications.tasks.dispatch_due_messages" in jobs
    assert "sessions_app.tasks.send_reminders" in jobs
    assert {name: queue_of(router, name) for name in jobs} == dict.fromkeys(jobs, JOBS_QUEUE)
    assert JOBS_QUEUE == "jobs"


def test_no_task_is_left_on_celerys_own_default_queue(router):
    ours = [name for name in coprod_app.tasks if not name.startswith("celery.")]

    assert ours
    assert {queue_of(router, name) for name in ours} == {MESSAGES_QUEUE, JOBS_QUEUE}


def compose_commands() -> dict[str, str]:
    """Each service's command in docker-compose.yml (no YAML library needed for this simple file)."""
    text = (BASE_DIR / "docker-compose.yml").read_text()
    services = re.split(r"\n  (?=[a-z][\w-]*:\n)", text.split("\nservices:\n", 1)[1])
    commands = {}
    for block in services:
        name = block.split(":", 1)[0].strip()
        found = re.search(r"command: (.+)", block)
        if found:
            commands[name] = found.group(1)
    return commands


def test_docker_compose_runs_a_worker_for_each_queue():
    workers = {name: cmd for name, cmd in compose_commands().items() if "celery -A coprod worker" in cmd}

    queues = sorted(re.search(r"-Q (\S+)", cmd).group(1) for cmd in workers.values())
    assert queues == ["jobs", "messages"]
    assert len(workers) == 2


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="docker-compose is not installed")
def test_docker_compose_file_is_valid_with_two_workers(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin:/usr/local/bin",
        "SECRET_KEY": "x",
        "FIELD_ENCRYPTION_SALT": "x",
        "POSTGRES_PASSWORD": "x",
        "EMAIL_URL": "smtp://localhost:25",
        "SMS_BACKEND": "govuk_notify",
        "SMS_API_KEY": "x",
        "SMS_TEMPLATE_ID": "x",
    }
    (tmp_path / "empty.env").write_text("")
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [shutil.which("docker-compose"), "--env-file", str(tmp_path / "empty.env")]
        + ["-f", str(BASE_DIR / "docker-compose.yml"), "config", "--services"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert {"worker", "worker-jobs", "beat", "web"} <= set(result.stdout.split())


# --- scheduled jobs retry after a database error ---------------------------------------------------------


class FailsOnce:
    """Stands in for a service: raises a database error the first time, then does what the real one would."""

    def __init__(self, error, result):
        self.error, self.result, self.calls = error, result, 0

    def __call__(self, **kwargs):
        self.calls += 1
        if self.calls == 1:
            raise self.error
        return self.result


JOBS = [
    (
        session_tasks.send_reminders,
        checks,
        "reminders_run",
        checks.ReminderRun(),
        {"chasers": 0, "reminders": 0, "follow_ups": 0},
    ),
    (session_tasks.check_quorums, checks, "quorum_checks_run", [], 0),
    (session_tasks.record_quorums, checks, "quorum_records_run", 0, 0),
    (session_tasks.watch_facilitators, checks, "facilitator_watch_run", [], 0),
    (message_tasks.dispatch_due_messages, message_services, "messages_dispatch", 3, 3),
]


@pytest.mark.parametrize("error", [OperationalError("server closed the connection"), InterfaceError("gone")])
@pytest.mark.parametrize(
    ("task", "module", "service", "result", "expected"), JOBS, ids=lambda v: getattr(v, "name", None)
)
def test_a_scheduled_job_retries_after_a_database_error(monkeypatch, task, module, service, result, expected, error):
    # given: the database fails the job's first run
    stand_in = FailsOnce(error, result)
    monkeypatch.setattr(module, service, stand_in)

    # when: the job runs (in this process; a retry runs at once here, after its backoff on a worker)
    outcome = task.apply()

    # then: it ran again and did its work, rather than waiting for its next interval
    assert outcome.get() == expected
    assert stand_in.calls == 2
    assert task.max_retries == 5
    assert OperationalError in task.autoretry_for and InterfaceError in task.autoretry_for
    assert task.retry_backoff == 5 and task.retry_backoff_max == 60


def test_a_scheduled_job_gives_up_after_its_retries(monkeypatch):
    def always_down(**kwargs):
        raise OperationalError("the database is down")

    monkeypatch.setattr(checks, "quorum_checks_run", always_down)

    outcome = session_tasks.check_quorums.apply()

    assert outcome.failed()
    with pytest.raises(OperationalError):
        outcome.get()


def test_a_job_error_that_is_not_the_databases_is_not_retried(monkeypatch):
    stand_in = FailsOnce(ValueError("a bug"), [])
    monkeypatch.setattr(checks, "quorum_checks_run", stand_in)

    outcome = session_tasks.check_quorums.apply()

    assert outcome.failed()
    assert stand_in.calls == 1
