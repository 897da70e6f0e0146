"""Celery tasks for messages. Tasks take ids, never objects, and call a service; the dispatcher is declared in
CELERY_BEAT_SCHEDULE (coprod/settings/base.py).

Queues (coprod/celery.py): the deliveries and fan-outs below run on the "messages" queue; the dispatcher, like
every scheduled check, on "jobs", so a check never waits behind thousands of deliveries."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

# A scheduled job that meets a database blip (a restart, a failover) tries again soon rather than at its next
# interval; it is idempotent, so a repeat does nothing twice.
DATABASE_ERRORS = (OperationalError, InterfaceError)
JOB_RETRY = {
    "autoretry_for": DATABASE_ERRORS,
    "retry_backoff": 5,
    "retry_backoff_max": 60,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="notifications.tasks.deliver_message", bind=True, max_retries=services.MAX_ATTEMPTS)
def deliver_message(self, *, message_id: int) -> str:
    """One message (a support request's notice, an invitation to a group), as soon as it is made."""
    try:
        return services.message_deliver(message_id=message_id)
    except services.DeliveryFailed as failure:
        raise self.retry(countdown=failure.retry_in) from failure


@shared_task(name="notifications.tasks.deliver_messages")
def deliver_messages(*, message_ids: list[int]) -> dict:
    """A batch of up to BATCH_SIZE messages, claimed together and sent over one mail connection. A failed send
    is not retried here: it goes back to pending with its backoff, and the dispatcher queues it when due."""
    outcome = services.messages_deliver_batch(message_ids=message_ids)
    return {"claimed": outcome.claimed, "sent": outcome.sent, "retrying": outcome.retrying, "failed": outcome.failed}


@shared_task(name="notifications.tasks.run_fanout", **JOB_RETRY)
def run_fanout(*, fanout_id: int) -> int | None:
    """Makes the messages of one fan-out (a whole group invited) and queues their batches."""
    return services.fanout_run(fanout_id=fanout_id)


@shared_task(name="notifications.tasks.dispatch_due_messages", **JOB_RETRY)
def dispatch_due_messages() -> int:
    """Queues held messages whose quiet hours are over, retries that are due, messages and fan-outs the broker
    never received; marks stuck ones "unknown"."""
    return services.messages_dispatch(
        deliver_batch=lambda ids: deliver_messages.apply_async(kwargs={"message_ids": ids}, ignore_result=True),
        run_fanout=lambda fanout_id: run_fanout.apply_async(kwargs={"fanout_id": fanout_id}, ignore_result=True),
    )
