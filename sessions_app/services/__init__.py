"""Writes for sessions, one module per area. Each service runs in a transaction, states the rule it keeps,
raises ValidationError with a code, and records one audit event naming who acted and on what.

Anything two people can race for (the last place, the facilitator rule) is decided with the session row locked
(``select_for_update``), so PostgreSQL serialises the competitors.

Callers use ``from sessions_app import services; services.session_publish(...)``: every public name of the
area modules is here.
"""

from .answers import AnswerResult, rsvp_answer
from .attendance import (
    CHECKIN_OPENS_BEFORE,
    CHECKIN_UNDO_WITHIN,
    CHECKOUT_CLOSES_AFTER,
    add_working_days,
    checkin_record,
    checkin_undo,
    checkin_undo_until,
    checkout_record,
    follow_up_close,
    session_attendance_close,
)
from .calendar_feeds import calendar_feed_get_or_create, calendar_feed_renew
from .outcomes import action_record, action_set_status, debrief_record, decision_confirm, decision_record, win_record
from .quorum import quorum_record
from .scheduling import (
    ABBREVIATION_RE,
    MAX_SERIES_WEEKS,
    BreakPlan,
    facilitator_join,
    facilitator_rule_problems,
    facilitator_withdraw,
    glossary_term_delete,
    glossary_term_save,
    preparation_add,
    session_cancel,
    session_create,
    session_publish,
    session_update,
    unexplained_abbreviations,
    venue_create,
    venue_retire,
    venue_update,
)
from .settings import reminder_settings_update
from .support import (
    support_request_create,
    support_request_decide,
    support_request_withdraw,
    support_requests_cancel_for_no,
    support_requests_cancelled_for_no,
    support_requests_create,
    support_requests_open,
    support_requests_restore,
)
from .support_decisions import support_requests_decide_together, support_requests_pending_for

__all__ = [
    "ABBREVIATION_RE",
    "CHECKIN_OPENS_BEFORE",
    "CHECKIN_UNDO_WITHIN",
    "CHECKOUT_CLOSES_AFTER",
    "MAX_SERIES_WEEKS",
    "AnswerResult",
    "BreakPlan",
    "action_record",
    "action_set_status",
    "add_working_days",
    "calendar_feed_get_or_create",
    "calendar_feed_renew",
    "checkin_record",
    "checkin_undo",
    "checkin_undo_until",
    "checkout_record",
    "debrief_record",
    "decision_confirm",
    "decision_record",
    "facilitator_join",
    "facilitator_rule_problems",
    "facilitator_withdraw",
    "follow_up_close",
    "glossary_term_delete",
    "glossary_term_save",
    "preparation_add",
    "quorum_record",
    "rsvp_answer",
    "session_attendance_close",
    "session_cancel",
    "session_create",
    "session_publish",
    "session_update",
    "support_request_create",
    "support_request_decide",
    "support_request_withdraw",
    "support_requests_cancel_for_no",
    "support_requests_cancelled_for_no",
    "support_requests_create",
    "support_requests_decide_together",
    "support_requests_open",
    "support_requests_pending_for",
    "support_requests_restore",
    "unexplained_abbreviations",
    "venue_create",
    "venue_retire",
    "venue_update",
    "reminder_settings_update",
    "win_record",
]
