"""The one notification service: every message to anyone goes through `message_send`.

- It picks the channels from the person's contact preference (email, text message, or both; text needs a
  phone number, otherwise it falls back to email). A message to an address with no account goes by email.
- It logs every message (`Message`). The unique key (recipient, channel, key) makes sending idempotent: the same
  reminder is never sent twice, whether a beat job runs twice or a task is retried.
- Text messages are never sent in the organisation's quiet hours (21:00–08:00 unless the organisation's own,
  from the resolver an app registers): they are held until the morning.
- Delivery is at most once: a message is claimed (status "sending") in its own transaction before it goes out,
  so a worker killed mid-send leaves it "sending" rather than sending it again; `messages_sweep_stuck` marks
  such messages failed for staff to see. Any error the send raises is recorded, and the message retried with
  backoff, up to MAX_ATTEMPTS.
- A sensitive kind's body is never stored: it is rendered when the message goes out. A message's `link` (which
  may be personal) is put into the body only when it goes out, so no stored body holds it.
"""

import logging
import unicodedata
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from . import registry
from .backends import get_backend
from .display import PERSONAL_LINK
from .models import Channel, Message, Status

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=15)
SENSITIVE_BODY = ""  # what the log keeps of a sensitive message's body: nothing


def topic_key(label: str, pk: int) -> str:
    """The topic of a message about one object: topic_key("sessions_app.session", 12) -> "sessions_app.session:12"."""
    return f"{label}:{pk}"


def channels_for(person) -> list[str]:
    """Reads `contact_preference` ("email", "text" or "both"), `phone` and `phone_confirmed_at` off the user.
    Texts go only to a phone the person has confirmed with a code: until then, they get email."""
    pref = person.contact_preference
    confirmed = getattr(person, "phone_confirmed_at", None) is not None
    wants_text = pref in ("text", "both") and bool(person.phone) and confirmed
    wants_email = pref in ("email", "both") or not wants_text
    return [c for c, on in ((Channel.EMAIL, wants_email), (Channel.TEXT, wants_text)) if on]


def quiet_hours_end(moment: datetime, rules) -> datetime | None:
    """If `moment` falls in the quiet hours `rules` (anything with quiet_from and quiet_until), the local time
    they end; otherwise None."""
    local = timezone.localtime(moment)
    start, end = rules.quiet_from, rules.quiet_until
    if isinstance(start, str):
        start = datetime.strptime(start, "%H:%M").time()
    if isinstance(end, str):
        end = datetime.strptime(end, "%H:%M").time()
    t = local.time()
    in_quiet = (t >= start or t < end) if start > end else (start <= t < end)
    if not in_quiet:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return timezone.make_aware(datetime.combine(day, end), timezone.get_current_timezone())


def _one_line(text: str) -> str:
    """A subject is one line: a line break (say, from a session title stored before forms refused them) would
    make every send fail with "header values can't contain newlines"; any control character becomes a space."""
    text = "".join(" " if unicodedata.category(c) == "Cc" or c in "\u2028\u2029" else c for c in text or "")
    return " ".join(text.split())


def _render(template: str, context: dict) -> str:
    return render_to_string(template, context).strip()


def message_send(
    *,
    kind: str,
    key: str,
    person=None,
    address: str = "",
    context: dict | None = None,
    subject: str = "",
    body: str = "",
    text_body: str = "",
    link: str = "",
    topic: str = "",
    organisation_id: int | None = None,
    now: datetime | None = None,
    channels: list[str] | None = None,
) -> list[Message]:
    """Logs one message per channel and queues it after the transaction commits. Returns the messages created
    now; a message already logged with the same recipient, channel and key is not created or sent again.

    The kind must be registered (ValidationError "unknown_kind"). The bodies come from the kind's templates
    rendered with `context` (plus `person` and `link`), or are given as `body` (and `text_body`; a caller that
    gives one body means it for both channels). `link` is the path the message points to: templates see it as
    "[personal link]" and the real address goes in at delivery. A sensitive kind stores no body at all.
    `person` or `address` (an email address with no account yet) is needed (code "no_recipient"); with an
    address, the message goes there by email only. Nobody messages a person who has left (inactive).
    `channels` overrides the person's preference: only the code that confirms a phone goes by text to a phone
    not yet confirmed."""
    kind_def = registry.get_kind(kind)
    address = (address or "").strip().lower()
    if person is None and not address:
        raise ValidationError("A message needs a person or an address.", code="no_recipient")
    if address:
        channels = [Channel.EMAIL]
    elif not person.is_active:
        return []
    elif channels is None:
        channels = channels_for(person)
    if Channel.TEXT in channels and person is not None and not person.phone:
        channels = [c for c in channels if c != Channel.TEXT]
    if kind_def.sensitive:
        email_body = text_message_body = SENSITIVE_BODY
    elif context is not None:
        ctx = {**context, "person": person}
        if link:
            ctx["link"] = PERSONAL_LINK
        email_body = _render(kind_def.email_template, ctx)
        text_message_body = _render(kind_def.text_template, ctx)  # never the email body
    else:
        email_body, text_message_body = body, text_body or body

    now = now or timezone.now()
    created = []
    for channel in channels:
        send_after, status = now, Status.PENDING
        if channel == Channel.TEXT and organisation_id:
            held_until = quiet_hours_end(now, registry.quiet_hours_for(organisation_id))
            if held_until:
                send_after, status = held_until, Status.HELD
        # The constraint that makes this idempotent is on the person when there is one, else on the address.
        recipient = {"person": person} if person is not None else {"person": None, "address": address}
        message, was_created = Message.objects.get_or_create(
            **recipient,
            channel=channel,
            key=key[:120],
            defaults={
                "address": address,
                "kind": kind,
                "topic": topic[:100],
                "organisation_id": organisation_id,
                "subject": _one_line(subject)[:200],
                "body": text_message_body if channel == Channel.TEXT else email_body,
                "link": link[:500],
                "status": status,
                "send_after": send_after,
            },
        )
        if was_created:
            created.append(message)
            if status == Status.PENDING:
                _queue_after_commit(message.pk)
    return created


def _queue_after_commit(message_id: int) -> None:
    if settings.MESSAGE_DELIVERY == "inline":
        transaction.on_commit(lambda: _deliver_inline(message_id))
    else:
        transaction.on_commit(lambda: _queue(message_id))


def _deliver_inline(message_id: int) -> None:
    """Inline delivery (tests, a laptop without a worker) must not break the page either: a failure is
    recorded on the message, and the dispatcher retries it."""
    try:
        message_deliver(message_id=message_id)
    except DeliveryFailed:
        pass


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


def _full_link(link: str) -> str:
    return settings.SITE_URL.rstrip("/") + link if link.startswith("/") else link


def _outgoing_body(message: Message) -> str:
    """The body as it goes out: a sensitive kind rendered now from the link alone; a personal link put in."""
    link = _full_link(message.link)
    kind = registry.get_kind(message.kind)
    if kind.sensitive:
        template = kind.text_template if message.channel == Channel.TEXT else kind.email_template
        context = {"link": link, "person": message.person}
        if kind.delivery_context is not None:
            # what must never be stored (a confirmation code) is worked out now; an error fails the delivery
            context.update(kind.delivery_context(person=message.person, key=message.key))
        return _render(template, context)
    if link:
        return message.body.replace(PERSONAL_LINK, link)
    return message.body


def _send(message: Message) -> None:
    body = _outgoing_body(message)
    if message.channel == Channel.EMAIL:
        to = message.address or message.person.email
        send_mail(_one_line(message.subject) or "A message from coprod", body, None, [to])
    else:
        get_backend().send(to=message.person.phone, body=body)


def _error_text(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:1000]


def message_deliver(*, message_id: int) -> str:
    """Claims a due message (skipping one another worker holds), sends it, and records the outcome. Returns
    "sent", "skipped" (already claimed, sent, or not yet due) or "failed". Raises DeliveryFailed with a backoff
    when a retry should follow. Any error from the backend is recorded with its own words; only the worker
    itself stopping (not an Exception) leaves the message "sending", for the sweep."""
    now = timezone.now()
    with transaction.atomic():
        message = (
            # Lock only the message row: the claim. Locking the joined person row too would skip a message
            # nobody has claimed whenever another message to the same person is being claimed.
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("person")
            .filter(pk=message_id, status__in=[Status.PENDING, Status.HELD], send_after__lte=now)
            .first()
        )
        if message is None:
            return "skipped"
        message.status = Status.SENDING
        message.attempts += 1
        message.claimed_at = now
        message.save(update_fields=["status", "attempts", "claimed_at"])
    try:
        _send(message)
    except Exception as exc:  # noqa: BLE001 - whatever the backend raises is a failed attempt, recorded
        retry_in = 60 * 2 ** (message.attempts - 1)
        final = message.attempts >= MAX_ATTEMPTS
        Message.objects.filter(pk=message.pk).update(
            status=Status.FAILED if final else Status.PENDING,
            send_after=timezone.now() + timedelta(seconds=retry_in),
            error=_error_text(exc),
        )
        log.warning("Message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
        if final:
            return "failed"
        raise DeliveryFailed(message.pk, retry_in) from exc
    Message.objects.filter(pk=message.pk).update(status=Status.SENT, sent_at=timezone.now(), error="")
    return "sent"


def messages_due(*, now: datetime | None = None, limit: int = 500) -> list[int]:
    """Held and retrying messages whose time has come, for the dispatcher to queue."""
    now = now or timezone.now()
    return list(
        Message.objects.filter(status__in=[Status.PENDING, Status.HELD], send_after__lte=now)
        .order_by("send_after")
        .values_list("pk", flat=True)[:limit]
    )


def messages_sweep_stuck(*, now: datetime | None = None) -> int:
    """A message left "sending" (its worker died mid-send) is marked failed, not re-sent: it may have gone."""
    now = now or timezone.now()
    return Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Status.FAILED, error="The worker stopped while sending. Not re-sent, to avoid a duplicate."
    )


def messages_dispatch(*, deliver) -> int:
    """The dispatcher's run: marks stuck messages failed, then hands each due message to `deliver(message_id)`
    (a task's .delay, or message_deliver itself). Returns how many were due."""
    messages_sweep_stuck()
    due = messages_due()
    for message_id in due:
        deliver(message_id)
    return len(due)
