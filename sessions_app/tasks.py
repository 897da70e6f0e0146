"""Celery tasks for sessions. Tasks take ids, never objects, and call a service; the periodic ones are declared
in CELERY_BEAT_SCHEDULE (coprod/settings/base.py). Message delivery and the dispatcher are
`notifications.tasks`.

The scheduled checks run on the "jobs" queue (coprod/celery.py). Each is idempotent (what it sends is keyed in
the message log, what it records has a unique key), so after a database error (a restart, a failover) it
retries with a backoff, a bounded number of times, rather than waiting for its next interval."""

from celery import shared_task

from notifications.tasks import JOB_RETRY
from notifications.tasks import deliver_message as notifications_deliver_message

from . import checks


@shared_task(name="sessions_app.tasks.deliver_message")
def deliver_message(*, message_id: int) -> None:
    """Only for deliveries queued under the old name before the message log moved to notifications: hands them
    on. New deliveries are queued as notifications.tasks.deliver_message."""
    notifications_deliver_message.delay(message_id=message_id)


@shared_task(name="sessions_app.tasks.send_reminders", **JOB_RETRY)
def send_reminders() -> dict:
    run = checks.reminders_run()
    return {"chasers": run.chasers, "reminders": run.reminders, "follow_ups": run.follow_ups}


@shared_task(name="sessions_app.tasks.check_quorums", **JOB_RETRY)
def check_quorums() -> int:
    return len(checks.quorum_checks_run())


@shared_task(name="sessions_app.tasks.record_quorums", **JOB_RETRY)
def record_quorums() -> int:
    return checks.quorum_records_run()


@shared_task(name="sessions_app.tasks.watch_facilitators", **JOB_RETRY)
def watch_facilitators() -> int:
    return len(checks.facilitator_watch_run())


@shared_task(name="sessions_app.tasks.send_support_digests", **JOB_RETRY)
def send_support_digests() -> int:
    return checks.support_digests_run()
