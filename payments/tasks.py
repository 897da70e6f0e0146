"""Celery tasks for payments. Tasks take ids, never objects, and call a service. They run on the "jobs" queue
(coprod/celery.py's default); the sweep is declared in CELERY_BEAT_SCHEDULE (coprod/settings/base.py).

Both are idempotent (one claim per person per session is a unique key), so a database blip retries them with
a backoff, and a task that was lost is picked up by the sweep."""

from celery import shared_task

from notifications.tasks import JOB_RETRY

from .services import claims as claim_services


@shared_task(name="payments.tasks.claims_make", **JOB_RETRY)
def claims_make(*, session_id: int, acting_user_id: int | None = None) -> int:
    """The claims of one session whose register was just closed."""
    return len(claim_services.claims_make_for_session(session_id=session_id, acting_user_id=acting_user_id))


@shared_task(name="payments.tasks.claims_sweep", **JOB_RETRY)
def claims_sweep() -> int:
    """Every 15 minutes: claims missing for registers closed in the last 14 days."""
    return claim_services.claims_sweep()
