"""Domain events: a lower app says that something happened, after its transaction commits, and higher apps
react (payments makes claims when attendance closes; safeguarding watches low check-outs) without the lower
app importing them.

A domain event is a Django Signal declared in the app that sends it (`sessions_app/events.py`,
`groups/events.py`), documented with its arguments. Send it with `send_on_commit`, so receivers never see a
change that later rolls back, and a receiver's failure never undoes the change that caused it.
"""

import logging

from django.db import transaction
from django.dispatch import Signal

log = logging.getLogger(__name__)


def send_on_commit(signal: Signal, *, sender, **kwargs) -> None:
    """Sends `signal` once the current transaction commits (at once outside a transaction). Receivers that
    raise are logged, not propagated: the change has already happened and the person who made it must not see
    an error page for someone else's reaction. Receivers that must not lose work queue a task."""

    def fire():
        for receiver, result in signal.send_robust(sender=sender, **kwargs):
            if isinstance(result, Exception):
                log.error("Receiver %r of %s failed", receiver, sender, exc_info=result)

    transaction.on_commit(fire)
