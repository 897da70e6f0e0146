"""Domain events of the "who": sent after the change commits (`core.events.send_on_commit`), so apps above
(sessions_app, payments, safeguarding) react without groups importing them. Each says what it is sent with.

Receivers connect in their own AppConfig.ready(): ``events.member_left.connect(fn)``. They must not raise for
ordinary reasons (a failure is logged, not shown to the person who acted) and queue a task for anything slow.
"""

from django.dispatch import Signal

member_left = Signal()
"""A person's membership of a group has ended: they left, were removed, or were anonymised.
Sent with ``sender=Membership, membership=<Membership, left_at set>, acting_user=<User who ended it>``."""
