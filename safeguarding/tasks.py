"""Celery tasks for safeguarding. Tasks take ids and call a service; they run on the "jobs" queue (the default,
coprod/celery.py) and the sweep is declared in CELERY_BEAT_SCHEDULE (coprod/settings/base.py). Each is
idempotent (an alert has a unique key, a message too), so a database blip retries it soon."""

from celery import shared_task

from notifications.tasks import JOB_RETRY

from .services import alerts


@shared_task(name="safeguarding.tasks.alert_leads", **JOB_RETRY)
def alert_leads(concern_id: int, reason: str = alerts.RAISED) -> int:
    """Alerts every safeguarding lead of the concern's organisation now (immediate risk, or break glass)."""
    return alerts.concern_alert_leads(concern_id=concern_id, reason=reason)


@shared_task(name="safeguarding.tasks.alerts_sweep", **JOB_RETRY)
def alerts_sweep() -> int:
    """Every minute: alerts that could not be queued when the concern was raised (the broker was down)."""
    return alerts.alerts_sweep()


# Celery's autodiscovery reads tasks.py: the hourly escalation check lives beside its service.
from .escalation_tasks import escalate_overdue_follow_ups  # noqa: E402, F401
