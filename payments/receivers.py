"""payments' receivers of sessions_app's domain events.

When a session's register is closed, its claims are made by a task on the "jobs" queue, so closing the register
never waits for them. A broker that is down never fails the facilitator's request: the task is not queued, and
the sweep (payments.tasks.claims_sweep, every 15 minutes) makes the claims later."""

import logging

from sessions_app import events

log = logging.getLogger(__name__)


def claims_queue(sender, session, acting_user_id=None, **kwargs) -> None:
    from notifications import services as notification_services

    from .tasks import claims_make

    try:
        notification_services.broker_publish(claims_make, session_id=session.pk, acting_user_id=acting_user_id)
    except Exception:  # noqa: BLE001 - any broker failure; the sweep makes the claims later
        log.warning(
            "Could not queue the claims of session %s now; the sweep will make them.", session.pk, exc_info=True
        )


def connect() -> None:
    events.attendance_closed.connect(claims_queue, dispatch_uid="payments.claims_queue")
