"""Celery tasks for messages. Tasks take ids, never objects, and call a service; the dispatcher is declared in
CELERY_BEAT_SCHEDULE (coprod/settings/base.py)."""

from celery import shared_task

from . import services


@shared_task(name="notifications.tasks.deliver_message", bind=True, max_retries=services.MAX_ATTEMPTS)
def deliver_message(self, *, message_id: int) -> str:
    try:
        return services.message_deliver(message_id=message_id)
    except services.DeliveryFailed as failure:
        raise self.retry(countdown=failure.retry_in) from failure


@shared_task(name="notifications.tasks.dispatch_due_messages")
def dispatch_due_messages() -> int:
    """Queues held messages whose quiet hours are over and retries that are due; marks stuck ones failed."""
    return services.messages_dispatch(deliver=lambda message_id: deliver_message.delay(message_id=message_id))
