"""The delivery task and the dispatcher are notifications' own; the beat schedule names them."""

from coprod.celery import app as coprod_app
from notifications import tasks


def test_the_dispatcher_beat_job_runs_the_notifications_task():
    job = coprod_app.conf.beat_schedule["dispatch-due-messages"]

    assert job["task"] == tasks.dispatch_due_messages.name == "notifications.tasks.dispatch_due_messages"
    assert job["schedule"] == 60


def test_every_beat_job_names_a_task_the_worker_knows():
    coprod_app.loader.import_default_modules()

    unknown = {
        name: job["task"] for name, job in coprod_app.conf.beat_schedule.items() if job["task"] not in coprod_app.tasks
    }

    assert unknown == {}


def test_deliveries_queued_under_the_old_name_are_still_handled():
    assert "sessions_app.tasks.deliver_message" in coprod_app.tasks
    assert tasks.deliver_message.name == "notifications.tasks.deliver_message"
