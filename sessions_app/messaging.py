"""sessions_app's side of messaging. The message log, channels, quiet hours, retries and delivery live in the
`notifications` app; here sessions_app registers what it sends there (its kinds, with their templates, its
personal links, and the organisations' quiet hours from ReminderSettings), and `message_send` sends a message
about a session (its topic is the session).

The names below that come from `notifications.services` are kept here for the code that imported them from
here before the log moved.
"""

from datetime import datetime

from notifications import registry
from notifications.registry import MessageKind
from notifications.services import (  # noqa: F401  (kept importable from here)
    MAX_ATTEMPTS,
    STUCK_AFTER,
    DeliveryFailed,
    channels_for,
    message_deliver,
    messages_due,
    messages_sweep_stuck,
    quiet_hours_end,
)
from notifications.services import message_send as notifications_message_send
from notifications.services import messages_send_many as notifications_messages_send_many

from .answer_links import ANSWER_SALT, answer_link, answer_token, answer_token_read  # noqa: F401
from .models import Message, ReminderSettings, Session, session_topic

# Kinds whose message is about something a facilitator must look at for someone else: none is sensitive (the
# log keeps their bodies for staff); their texts say little and link to the page.
SENSITIVE_KINDS: frozenset[str] = frozenset()

# Kinds sessions_app sends that are not about one session, so not in Message.Kind: name -> label.
EXTRA_KINDS: dict[str, str] = {
    "support_digest": "New support requests (a digest, to facilitators)",
}


def reminder_settings_for(organisation_id: int) -> ReminderSettings:
    found = ReminderSettings.objects.filter(organisation_id=organisation_id).first()
    return found or ReminderSettings(organisation_id=organisation_id)


def register_with_notifications() -> None:
    """Called from SessionsAppConfig.ready()."""
    for kind in Message.Kind:
        registry.register_kind(
            MessageKind(
                name=kind.value,
                label=kind.label,
                email_template=f"sessions_app/messages/{kind.value}.txt",
                text_template=f"sessions_app/messages/{kind.value}_text.txt",
                sensitive=kind.value in SENSITIVE_KINDS,
            )
        )
    for name, label in EXTRA_KINDS.items():
        registry.register_kind(
            MessageKind(
                name=name,
                label=label,
                email_template=f"sessions_app/messages/{name}.txt",
                text_template=f"sessions_app/messages/{name}_text.txt",
                sensitive=name in SENSITIVE_KINDS,
            )
        )
    registry.register_personal_link(r"^/a/[^/]+/?$")  # one-tap answers
    registry.register_personal_link(r"^/calendar/[^/]+\.ics$")  # a person's private calendar feed
    registry.set_quiet_hours_resolver(reminder_settings_for)
    from . import notify  # notify imports this module

    registry.register_fanout(notify.FANOUT_PUBLISHED, notify.invite_members)
    registry.register_fanout(notify.FANOUT_CANCELLED, notify.tell_cancelled)


def message_send(
    *,
    person,
    kind: str,
    key: str,
    body: str = "",
    subject: str = "",
    text_body: str = "",
    context: dict | None = None,
    session: Session | None = None,
    organisation_id: int | None = None,
    now: datetime | None = None,
):
    """notifications.services.message_send for a message about a session: the topic is the session, and the
    organisation (for its quiet hours) is the session's unless given."""
    org_id = organisation_id or (session.group.organisation_id if session else None)
    created = notifications_message_send(
        person=person,
        kind=kind,
        key=key,
        body=body,
        subject=subject,
        text_body=text_body,
        context=context,
        topic=session_topic(session) if session is not None else "",
        organisation_id=org_id,
        now=now,
    )
    for message in created:
        message.__class__ = Message  # the same row, read as sessions_app's proxy (it knows its session)
    return created


def messages_send_many(*, kind: str, outgoing, session: Session, now: datetime | None = None) -> int:
    """notifications.services.messages_send_many for messages about a session (a whole group, everyone with a
    place): the topic is the session, the organisation (for its quiet hours) the session's group's."""
    return notifications_messages_send_many(
        kind=kind,
        outgoing=outgoing,
        topic=session_topic(session),
        organisation_id=session.group.organisation_id,
        now=now,
    )
