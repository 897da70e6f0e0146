"""The one notification service: every message to a person goes through `message_send`.

- It picks the channels from the person's contact preference (email, text message, or both; text needs a
  phone number, otherwise it falls back to email).
- It logs every message (`Message`). The unique key (person, channel, key) makes sending idempotent: the same
  reminder is never sent twice, whether a beat job runs twice or a task is retried.
- Text messages are never sent in the organisation's quiet hours (21:00–08:00 by default): they are held until
  the morning.
- Delivery is at most once: a message is claimed (status "sending") in its own transaction before it goes out,
  so a worker killed mid-batch leaves it "sending" rather than sending it again; `messages_sweep_stuck` marks
  such messages failed for staff to see.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from groups.models import User

from .models import Message, ReminderSettings, Session
from .sms import SmsError, get_backend

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=15)


def reminder_settings_for(organisation_id: int) -> ReminderSettings:
    found = ReminderSettings.objects.filter(organisation_id=organisation_id).first()
    return found or ReminderSettings(organisation_id=organisation_id)


def channels_for(person: User) -> list[str]:
    pref = person.contact_preference
    wants_text = pref in (User.ContactPreference.TEXT, User.ContactPreference.BOTH) and bool(person.phone)
    wants_email = pref in (User.ContactPreference.EMAIL, User.ContactPreference.BOTH) or not wants_text
    return [c for c, on in ((Message.Channel.EMAIL, wants_email), (Message.Channel.TEXT, wants_text)) if on]


def quiet_hours_end(moment: datetime, rules: ReminderSettings) -> datetime | None:
    """If `moment` falls in the quiet hours, the local time they end; otherwise None."""
    local = timezone.localtime(moment)
    start, end = rules.quiet_from, rules.quiet_until
    if isinstance(start, str):
        start = datetime.strptime(start, "%H:%M").time()
        end = datetime.strptime(end, "%H:%M").time()
    t = local.time()
    in_quiet = (t >= start or t < end) if start > end else (start <= t < end)
    if not in_quiet:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), timezone.get_current_timezone())


def message_send(
    *,
    person: User,
    kind: str,
    key: str,
    body: str,
    subject: str = "",
    text_body: str = "",
    session: Session | None = None,
    organisation_id: int | None = None,
    now: datetime | None = None,
) -> list[Message]:
    """Logs one message per channel and queues it after the transaction commits. Returns the messages created
    now; a message already logged with the same key is not created or sent again."""
    if not person.is_active:
        return []
    now = now or timezone.now()
    org_id = organisation_id or (session.group.organisation_id if session else None)
    created = []
    for channel in channels_for(person):
        send_after, status = now, Message.Status.PENDING
        if channel == Message.Channel.TEXT and org_id:
            held_until = quiet_hours_end(now, reminder_settings_for(org_id))
            if held_until:
                send_after, status = held_until, Message.Status.HELD
        message, was_created = Message.objects.get_or_create(
            person=person,
            channel=channel,
            key=key[:120],
            defaults={
                "kind": kind,
                "session": session,
                "subject": subject[:200],
                "body": (text_body or body) if channel == Message.Channel.TEXT else body,
                "status": status,
                "send_after": send_after,
            },
        )
        if was_created:
            created.append(message)
            if status == Message.Status.PENDING:
                _queue_after_commit(message.pk)
    return created


def _queue_after_commit(message_id: int) -> None:
    if settings.MESSAGE_DELIVERY == "inline":
        transaction.on_commit(lambda: message_deliver(message_id=message_id))
    else:
        transaction.on_commit(lambda: _queue(message_id))


def _queue(message_id: int) -> None:
    """A broker that is down must not break the page that caused the message: the message stays pending and
    the dispatcher (every minute) queues it once the broker is back."""
    from .tasks import deliver_message

    try:
        deliver_message.delay(message_id=message_id)
    except Exception:  # noqa: BLE001 - any broker failure; the row is safe in the database
        log.warning("Could not queue message %s now; the dispatcher will send it.", message_id, exc_info=True)


class DeliveryFailed(Exception):
    def __init__(self, message_id: int, retry_in: int):
        super().__init__(f"Message {message_id} failed; retry in {retry_in}s")
        self.retry_in = retry_in


def message_deliver(*, message_id: int) -> str:
    """Claims a due message (skipping one another worker holds), sends it, and records the outcome. Returns
    "sent", "skipped" (already claimed, sent, or not yet due) or "failed". Raises DeliveryFailed with a backoff
    when a retry should follow."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            # Lock only the message row: the claim. Locking the joined person row too would skip a message
            # nobody has claimed whenever another message to the same person is being claimed.
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("person")
            .filter(pk=message_id, status__in=[Message.Status.PENDING, Message.Status.HELD], send_after__lte=now)
            .first()
        )
        if message is None:
            return "skipped"
        message.status = Message.Status.SENDING
        message.attempts += 1
        message.claimed_at = now
        message.save(update_fields=["status", "attempts", "claimed_at"])
    try:
        if message.channel == Message.Channel.EMAIL:
            send_mail(message.subject or "A message from coprod", message.body, None, [message.person.email])
        else:
            get_backend().send(to=message.person.phone, body=message.body)
    except (SmsError, OSError) as exc:
        retry_in = 60 * 2 ** (message.attempts - 1)
        final = message.attempts >= MAX_ATTEMPTS
        Message.objects.filter(pk=message.pk).update(
            status=Message.Status.FAILED if final else Message.Status.PENDING,
            send_after=timezone.now() + timedelta(seconds=retry_in),
            error=str(exc)[:1000],
        )
        log.warning("Message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
        if final:
            return "failed"
        raise DeliveryFailed(message.pk, retry_in) from exc
    Message.objects.filter(pk=message.pk).update(status=Message.Status.SENT, sent_at=timezone.now(), error="")
    return "sent"


def messages_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Held and retrying messages whose time has come, for the dispatcher to queue."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(status__in=[Message.Status.PENDING, Message.Status.HELD], send_after__lte=now)
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )


def messages_sweep_stuck(*, now: datetime | None = None) -> int:
    """A message left "sending" (its worker died mid-send) is marked failed, not re-sent: it may have gone."""
    now = now or timezone.now()
    return Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Message.Status.FAILED, error="The worker stopped while sending. Not re-sent, to avoid a duplicate."
    )


# --- one-tap answers --------------------------------------------------------------------------------------

ANSWER_SALT = "coprod.one-tap-answer"


def answer_token(*, session: Session, person: User, answer: str) -> str:
    return signing.dumps({"s": session.pk, "u": person.pk, "a": answer}, salt=ANSWER_SALT, compress=True)


def answer_link(*, session: Session, person: User, answer: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "sessions_app:one_tap_answer", args=[answer_token(session=session, person=person, answer=answer)]
    )


def answer_token_read(token: str) -> dict | None:
    """The token's session, person and answer, or None if it was tampered with. Links stop working when the
    session starts (checked against the session, so a moved session moves the expiry too)."""
    try:
        data = signing.loads(token, salt=ANSWER_SALT, max_age=timedelta(days=120))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or {"s", "u", "a"} - set(data):
        return None
    return data
