"""Domain events that sessions_app sends, after the service's transaction commits (`core.events.send_on_commit`),
so higher apps (payments, safeguarding) react without sessions_app importing them.

Every event is sent with ``sender`` = the model class of the thing it is about and the keyword arguments listed
below. Receivers get ids and model instances as they were when the change committed; a receiver that must do
real work should queue a task with the ids. Connect in your AppConfig.ready():

    from sessions_app import events
    events.attendance_closed.connect(make_claims)
"""

from django.dispatch import Signal

attendance_recorded = Signal()
"""A person was checked in or out. Sender: ``CheckIn``. Arguments: ``checkin`` (the CheckIn), ``session_id``,
``person_id``, ``kind`` ("checkin" or "checkout"), ``acting_user_id`` (who tapped: the person themselves or a
facilitator)."""

attendance_closed = Signal()
"""A facilitator said a session's register is final. Sender: ``Session``. Arguments: ``session`` (with
``attendance_closed_at`` and ``attendance_closed_by`` set), ``acting_user_id``, ``person_ids`` (everyone checked
in, sorted)."""

support_request_decided = Signal()
"""A facilitator approved or declined a support request. Sender: ``SupportRequest``. Arguments: ``request``,
``session_id``, ``person_id``, ``approved`` (bool), ``amount_pence`` (the approved amount, None when declined),
``acting_user_id``."""

session_cancelled = Signal()
"""A session was cancelled. Sender: ``Session``. Arguments: ``session``, ``acting_user_id``."""

session_published = Signal()
"""A session was published. Sender: ``Session``. Arguments: ``session``, ``acting_user_id``."""

ALL = {
    "attendance_recorded": attendance_recorded,
    "attendance_closed": attendance_closed,
    "support_request_decided": support_request_decided,
    "session_cancelled": session_cancelled,
    "session_published": session_published,
}
