"""Celery tasks for safeguarding's follow-up escalation. Tasks take ids, never objects, and call a service; the
periodic one is declared in CELERY_BEAT_SCHEDULE (coprod/settings/base.py) and runs on the "jobs" queue.

It is idempotent (each follow-up is raised once: a unique key on FollowUpEscalation, and the message log's key),
so after a database error it retries with a backoff, a bounded number of times."""

from celery import shared_task

from notifications.tasks import JOB_RETRY

from .services import escalation


@shared_task(name="safeguarding.escalation_tasks.escalate_overdue_follow_ups", **JOB_RETRY)
def escalate_overdue_follow_ups() -> int:
    """Raises every follow-up open past its two working days to the organisation's safeguarding leads."""
    return len(escalation.follow_ups_escalate())
