"""Celery tasks for sessions. Tasks take ids, never objects, and call a service; the periodic ones are declared
in CELERY_BEAT_SCHEDULE (coprod/settings/base.py)."""

from celery import shared_task

from . import checks, messaging


@shared_task(name="sessions_app.tasks.deliver_message", bind=True, max_retries=messaging.MAX_ATTEMPTS)
def deliver_message(self, *, message_id: int) -> str:
    try:
        return messaging.message_deliver(message_id=message_id)
    except messaging.DeliveryFailed as failure:
        raise self.retry(countdown=failure.retry_in) from failure


@shared_task(name="sessions_app.tasks.dispatch_due_messages")
def dispatch_due_messages() -> int:
    """Queues held messages whose quiet hours are over and retries that are due; marks stuck ones failed."""
    messaging.messages_sweep_stuck()
    due = messaging.messages_due()
    for message_id in due:
        deliver_message.delay(message_id=message_id)
    return len(due)


@shared_task(name="sessions_app.tasks.send_reminders")
def send_reminders() -> dict:
    run = checks.reminders_run()
    return {"chasers": run.chasers, "reminders": run.reminders, "follow_ups": run.follow_ups}


@shared_task(name="sessions_app.tasks.check_quorums")
def check_quorums() -> int:
    return len(checks.quorum_checks_run())


@shared_task(name="sessions_app.tasks.record_quorums")
def record_quorums() -> int:
    return checks.quorum_records_run()


@shared_task(name="sessions_app.tasks.watch_facilitators")
def watch_facilitators() -> int:
    return len(checks.facilitator_watch_run())
