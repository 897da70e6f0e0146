"""Periodic housekeeping for the bottom layer. Tasks take ids, never objects, and call a service."""

from celery import shared_task

from .idempotency import form_submissions_clear


@shared_task(name="core.tasks.clear_form_submissions", ignore_result=True)
def clear_form_submissions() -> int:
    """Forgets form tokens more than a day old (``core.idempotency``)."""
    return form_submissions_clear()
