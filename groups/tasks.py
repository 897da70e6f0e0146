"""Periodic housekeeping for people and groups. Tasks take ids, never objects, and call a service."""

from celery import shared_task

from . import services


@shared_task(name="groups.tasks.clear_expired_sign_in_sessions")
def clear_expired_sign_in_sessions() -> int:
    return services.sign_in_sessions_clear_expired()
