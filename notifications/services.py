"""The one notification service: every message to anyone goes through `message_send`.

- It picks the channels from the person's contact preference (email, text message, or both; text needs a
  phone number, otherwise it falls back to email). A message to an address with no account goes by email.
- It logs every message (`Message`). The unique key (recipient, channel, key) makes sending idempotent: the same
  reminder is never sent twice, whether a beat job runs twice or a task is retried.
- Text messages are never sent in the organisation's quiet hours (21:00–08:00 unless the organisation's own,
  from the resolver an app registers): they are held until the morning.
- Delivery is at most once: a message is claimed (status "sending") in its own transaction before it goes out,
  so a worker killed mid-send leaves it "sending" rather than sending it again; `messages_sweep_stuck` marks
  such messages "unknown" (not known if sent) for staff to see. Any error the send raises is recorded, and the
  message retried with backoff, up to MAX_ATTEMPTS.
- Many messages at once (`messages_send_many`) are inserted in bulk and delivered in batches
  (`messages_deliver_batch`): up to BATCH_SIZE due messages claimed in one transaction, the emails sent over
  one mail connection, the outcomes recorded in bulk.
- Queueing never blocks the request: the broker is asked once, with no retries and no result kept; if it is
  down, the messages stay pending and the dispatcher queues them when it is back.
- A sensitive kind's body is never stored: it is rendered when the message goes out. A message's `link` (which
  may be personal) is put into the body only when it goes out, so no stored body holds it.
"""

import logging
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import timezone

from . import registry
from .backends import get_backend
from .display import PERSONAL_LINK
from .models import Channel, Fanout, Message, Status

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
STUCK_AFTER = timedelta(minutes=15)
# How many messages one delivery task claims and sends together, over one mail connection.
BATCH_SIZE = 100
# Within a batch, what has been sent is recorded every this many messages, so a worker killed mid-batch leaves
# at most this many whose outcome is not known.
RECORD_EVERY = 25
# A new message was queued when it was made; the dispatcher leaves it this long before queueing it again
# (in case the broker was down), and a new fan-out the same.
QUEUED_GRACE = timedelta(minutes=1)
# How long a request waits for the broker before leaving the work to the dispatcher.
BROKER_CONNECT_TIMEOUT = 1
UNKNOWN_EXPLANATION = (
    "The worker stopped after taking this message and before recording what happened, so it may or may not "
    "have gone. Not re-sent, to avoid sending it twice."
)
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


def _message_rows(
    *,
    kind_def: registry.MessageKind,
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
    now: datetime,
    channels: list[str] | None = None,
    quiet_hours: dict | None = None,
) -> list[Message]:
    """The messages (not yet saved) that one send makes, one per channel; [] for a person who has left.
    `quiet_hours` caches each organisation's rules across many sends."""
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
        email_body = _render(kind_def.email_template, ctx) if Channel.EMAIL in channels else ""
        text_message_body = _render(kind_def.text_template, ctx) if Channel.TEXT in channels else ""
    else:
        email_body, text_message_body = body, text_body or body
    rows = []
    for channel in channels:
        send_after, status = now, Status.PENDING
        if channel == Channel.TEXT and organisation_id:
            if quiet_hours is None:
                rules = registry.quiet_hours_for(organisation_id)
            else:
                if organisation_id not in quiet_hours:
                    quiet_hours[organisation_id] = registry.quiet_hours_for(organisation_id)
                rules = quiet_hours[organisation_id]
            held_until = quiet_hours_end(now, rules)
            if held_until:
                send_after, status = held_until, Status.HELD
        rows.append(
            Message(
                person=person,
                address=address,
                channel=channel,
                key=key[:120],
                kind=kind_def.name,
                topic=topic[:100],
                organisation_id=organisation_id,
                subject=_one_line(subject)[:200],
                body=text_message_body if channel == Channel.TEXT else email_body,
                link=link[:500],
                status=status,
                send_after=send_after,
                created_at=now,
            )
        )
    return rows


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
    not yet confirmed. For many people at once, `messages_send_many` does the same in bulk."""
    kind_def = registry.get_kind(kind)
    rows = _message_rows(
        kind_def=kind_def,
        key=key,
        person=person,
        address=address,
        context=context,
        subject=subject,
        body=body,
        text_body=text_body,
        link=link,
        topic=topic,
        organisation_id=organisation_id,
        now=now or timezone.now(),
        channels=channels,
    )
    created = []
    for row in rows:
        # The constraint that makes this idempotent is on the person when there is one, else on the address.
        recipient = {"person": row.person} if row.person is not None else {"person": None, "address": row.address}
        defaults = {
            f: getattr(row, f)
            for f in ("address", "kind", "topic", "organisation_id", "subject", "body", "link", "status", "send_after")
        }
        message, was_created = Message.objects.get_or_create(
            **recipient, channel=row.channel, key=row.key, defaults=defaults
        )
        if was_created:
            created.append(message)
            if message.status == Status.PENDING:
                _queue_after_commit(message.pk)
    return created


@dataclass(frozen=True)
class Outgoing:
    """One recipient of `messages_send_many`: what `message_send` takes per person (person or address, key,
    context or bodies, subject, link)."""

    key: str
    person: object = None
    address: str = ""
    context: dict | None = None
    subject: str = ""
    body: str = ""
    text_body: str = ""
    link: str = ""


def messages_send_many(
    *,
    kind: str,
    outgoing: Iterable[Outgoing],
    topic: str = "",
    organisation_id: int | None = None,
    now: datetime | None = None,
    chunk_size: int = 1000,
) -> int:
    """`message_send` for many recipients of one kind at once (a whole group, every reminder due): the rows are
    inserted in bulk, a chunk at a time (one query for what is already logged under the same recipient,
    channel and key, which is left alone as `message_send` does; one insert for the rest), and delivered in
    batches of BATCH_SIZE, one task per batch, after the transaction commits. Returns how many messages were
    created."""
    kind_def = registry.get_kind(kind)
    now = now or timezone.now()
    quiet_hours: dict = {}
    created_pending: list[int] = []
    created = 0
    chunk: list[Message] = []

    def identity(person_id, address, channel, key):
        # what the two unique constraints hold: the person when there is one, else the address
        return (person_id, "" if person_id else address, channel, key)

    def flush():
        nonlocal created
        if not chunk:
            return
        recipients = Q()
        if persons := {m.person_id for m in chunk if m.person_id}:
            recipients |= Q(person_id__in=persons)
        if addresses := {m.address for m in chunk if m.person_id is None}:
            recipients |= Q(person__isnull=True, address__in=addresses)
        seen = set(
            identity(*row)
            for row in Message.objects.filter(recipients, key__in={m.key for m in chunk})
            .order_by()
            .values_list("person_id", "address", "channel", "key")
        )
        new = []
        for message in chunk:
            ident = identity(message.person_id, message.address, message.channel, message.key)
            if ident not in seen:
                seen.add(ident)
                new.append(message)
        chunk.clear()
        try:
            with transaction.atomic():
                Message.objects.bulk_create(new)
        except IntegrityError:
            # another process logged some of them in the meantime: one by one, as message_send does
            made = []
            for message in new:
                recipient = {"person_id": message.person_id} if message.person_id else {"address": message.address}
                defaults = {f.attname: getattr(message, f.attname) for f in Message._meta.concrete_fields}
                defaults.pop("id")
                row, was_created = Message.objects.get_or_create(
                    **recipient,
                    person__isnull=not message.person_id,
                    channel=message.channel,
                    key=message.key,
                    defaults=defaults,
                )
                if was_created:
                    made.append(row)
            new = made
        created += len(new)
        created_pending.extend(m.pk for m in new if m.status == Status.PENDING)

    for item in outgoing:
        chunk.extend(
            _message_rows(
                kind_def=kind_def,
                key=item.key,
                person=item.person,
                address=item.address,
                context=item.context,
                subject=item.subject,
                body=item.body,
                text_body=item.text_body,
                link=item.link,
                topic=topic,
                organisation_id=organisation_id,
                now=now,
                quiet_hours=quiet_hours,
            )
        )
        if len(chunk) >= chunk_size:
            flush()
    flush()
    for start in range(0, len(created_pending), BATCH_SIZE):
        _queue_batch_after_commit(created_pending[start : start + BATCH_SIZE])
    return created


# --- queueing ----------------------------------------------------------------------------------------------


def _queue_after_commit(message_id: int) -> None:
    if settings.MESSAGE_DELIVERY == "inline":
        transaction.on_commit(lambda: _deliver_inline(message_id))
    else:
        transaction.on_commit(lambda: _queue(message_id))


def _queue_batch_after_commit(message_ids: list[int]) -> None:
    if settings.MESSAGE_DELIVERY == "inline":
        transaction.on_commit(lambda: messages_deliver_batch(message_ids=message_ids))
    else:
        transaction.on_commit(lambda: _queue_batch(message_ids))


def _deliver_inline(message_id: int) -> None:
    """Inline delivery (tests, a laptop without a worker) must not break the page either: a failure is
    recorded on the message, and the dispatcher retries it."""
    try:
        message_deliver(message_id=message_id)
    except DeliveryFailed:
        pass


def broker_publish(task, **kwargs) -> None:
    """Sends `task` with `kwargs` without blocking: one attempt to reach the broker, waiting at most
    BROKER_CONNECT_TIMEOUT seconds, no retries, no result kept (nobody reads it). Raises what the broker
    raised; callers leave the work in the database for the dispatcher."""
    with task.app.producer_or_acquire() as producer:
        producer.connection.ensure_connection(max_retries=0, timeout=BROKER_CONNECT_TIMEOUT)
        task.apply_async(kwargs=kwargs, producer=producer, retry=False, ignore_result=True)


def _queue(message_id: int) -> None:
    """A broker that is down must not break the page that caused the message: the message stays pending and
    the dispatcher (every minute) queues it once the broker is back."""
    from .tasks import deliver_message

    try:
        broker_publish(deliver_message, message_id=message_id)
    except Exception:  # noqa: BLE001 - any broker failure; the row is safe in the database
        log.warning("Could not queue message %s now; the dispatcher will send it.", message_id, exc_info=True)


def _queue_batch(message_ids: list[int]) -> None:
    from .tasks import deliver_messages

    try:
        broker_publish(deliver_messages, message_ids=message_ids)
    except Exception:  # noqa: BLE001 - as in _queue
        log.warning("Could not queue %s messages now; the dispatcher will send them.", len(message_ids))


# --- delivery ----------------------------------------------------------------------------------------------


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


def _email(message: Message, connection=None) -> EmailMessage:
    to = message.address or message.person.email
    email = EmailMessage(
        _one_line(message.subject) or "A message from coprod",
        _outgoing_body(message),
        None,
        [to],
        connection=connection,
        # which row this is, for a mail server's log (and the delivery benchmark's count of duplicates)
        headers={"X-Coprod-Message": str(message.pk)},
    )
    return email


def _send(message: Message) -> None:
    if message.channel == Channel.EMAIL:
        _email(message).send()
    else:
        get_backend().send(to=message.person.phone, body=_outgoing_body(message))


def _error_text(exc: BaseException) -> str:
    return (str(exc) or type(exc).__name__)[:1000]


def _retry_in(attempts: int) -> int:
    return 60 * 2 ** (attempts - 1)


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
        retry_in = _retry_in(message.attempts)
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


@dataclass
class BatchOutcome:
    """What one batch did: how many it claimed, sent, put back to retry later, and failed for good."""

    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def messages_deliver_batch(
    *, message_ids: list[int] | None = None, limit: int = BATCH_SIZE, now: datetime | None = None
) -> BatchOutcome:
    """Claims up to `limit` due messages together (of `message_ids` if given, else the oldest due), sends them
    (the emails over one mail connection, the texts through one text backend), and records the outcomes in
    bulk. Exactly once, as `message_deliver`: the claim (SELECT ... FOR UPDATE SKIP LOCKED, then "sending") is
    committed before anything goes, so a second batch given the same ids finds nothing to claim; a worker
    killed mid-batch leaves the messages not yet recorded "sending", which the sweep marks "unknown". A failed
    send goes back to pending with a backoff (the dispatcher queues it when due), or fails after MAX_ATTEMPTS."""
    now = now or timezone.now()
    with transaction.atomic():
        due = (
            Message.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("person")
            .filter(status__in=[Status.PENDING, Status.HELD], send_after__lte=now)
            .order_by("send_after", "pk")
        )
        if message_ids is not None:
            due = due.filter(pk__in=message_ids)
        batch = list(due[:limit])
        if not batch:
            return BatchOutcome()
        Message.objects.filter(pk__in=[m.pk for m in batch]).update(
            status=Status.SENDING, attempts=F("attempts") + 1, claimed_at=now
        )
    outcome = BatchOutcome(claimed=len(batch))
    sent: list[int] = []
    failures: list[tuple[Message, BaseException]] = []

    def record_sent():
        if sent:
            Message.objects.filter(pk__in=sent).update(status=Status.SENT, sent_at=timezone.now(), error="")
            outcome.sent += len(sent)
            sent.clear()

    def send_each(messages, send_one):
        for message in messages:
            try:
                send_one(message)
            except Exception as exc:  # noqa: BLE001 - recorded on the message, as in message_deliver
                failures.append((message, exc))
            else:
                sent.append(message.pk)
                if len(sent) >= RECORD_EVERY:
                    record_sent()

    for message in batch:
        message.attempts += 1
    emails = [m for m in batch if m.channel == Channel.EMAIL]
    texts = [m for m in batch if m.channel == Channel.TEXT]
    if emails:
        connection = get_connection()
        try:
            connection.open()
        except Exception as exc:  # noqa: BLE001 - the mail server is down: every email of the batch waits
            failures.extend((m, exc) for m in emails)
        else:
            try:
                send_each(emails, lambda m: _email(m, connection).send())
            finally:
                try:
                    connection.close()
                except Exception:  # noqa: BLE001 - what was sent is sent
                    log.warning("Could not close the mail connection cleanly.", exc_info=True)
    if texts:
        try:
            backend = get_backend()
        except Exception as exc:  # noqa: BLE001 - misconfigured or unreachable: every text waits
            failures.extend((m, exc) for m in texts)
        else:
            send_each(texts, lambda m: backend.send(to=m.person.phone, body=_outgoing_body(m)))
    record_sent()
    if failures:
        later = timezone.now()
        for message, exc in failures:
            final = message.attempts >= MAX_ATTEMPTS
            message.status = Status.FAILED if final else Status.PENDING
            message.send_after = later + timedelta(seconds=_retry_in(message.attempts))
            message.error = _error_text(exc)
            outcome.failed += final
            outcome.retrying += not final
            log.warning("Message %s failed (attempt %s): %s", message.pk, message.attempts, exc)
        Message.objects.bulk_update([m for m, _ in failures], ["status", "send_after", "error"])
    return outcome


# --- the dispatcher ----------------------------------------------------------------------------------------


def messages_due(*, now: datetime | None = None, limit: int = 500, queued_grace: timedelta | None = None) -> list[int]:
    """Held and retrying messages whose time has come, for the dispatcher to queue. With `queued_grace`, a new
    message (pending, never tried) made less than that long ago is left out: it was queued when it was made."""
    now = now or timezone.now()
    due = Message.objects.filter(status__in=[Status.PENDING, Status.HELD], send_after__lte=now)
    if queued_grace:
        due = due.exclude(status=Status.PENDING, attempts=0, created_at__gt=now - queued_grace)
    return list(due.order_by("send_after").values_list("pk", flat=True)[:limit])


def messages_sweep_stuck(*, now: datetime | None = None) -> int:
    """A message left "sending" (its worker died between the claim and recording the outcome) is marked
    "unknown", not re-sent and not "failed": it may have gone."""
    now = now or timezone.now()
    return Message.objects.filter(status=Status.SENDING, claimed_at__lt=now - STUCK_AFTER).update(
        status=Status.UNKNOWN, error=UNKNOWN_EXPLANATION
    )


def messages_dispatch(
    *,
    deliver: Callable[[int], object] | None = None,
    deliver_batch: Callable[[list[int]], object] | None = None,
    run_fanout: Callable[[int], object] | None = None,
    now: datetime | None = None,
    limit: int = 5000,
) -> int:
    """The dispatcher's run: marks stuck messages "unknown"; hands each fan-out the broker never received to
    `run_fanout(fanout_id)`; then hands the due messages to `deliver_batch(ids)` in batches of BATCH_SIZE, or
    each to `deliver(message_id)` (a task's send, or the service itself). Returns how many messages were due.
    New messages and fan-outs are left for QUEUED_GRACE: they were queued when they were made."""
    now = now or timezone.now()
    messages_sweep_stuck(now=now)
    if run_fanout is not None:
        for fanout_id in fanouts_due(now=now):
            run_fanout(fanout_id)
    grace = QUEUED_GRACE if deliver_batch is not None else None
    due = messages_due(now=now, limit=limit, queued_grace=grace)
    if deliver_batch is not None:
        for start in range(0, len(due), BATCH_SIZE):
            deliver_batch(due[start : start + BATCH_SIZE])
    else:
        for message_id in due:
            deliver(message_id)
    return len(due)


# --- fan-outs: many messages made outside the request ------------------------------------------------------


def fanout_request(*, name: str, object_id: int) -> int:
    """Asks for the fan-out `name` (registered with `registry.register_fanout`) for `object_id`: recorded in
    the caller's transaction (once per name and object) and run by a task after it commits, so the request
    does no message work. With MESSAGE_DELIVERY "inline" (tests, a laptop) it runs now and returns how many
    messages it made; otherwise 0. A broker that is down leaves it for the dispatcher."""
    registry.get_fanout(name)  # an unknown name is an error now, not in the worker
    if settings.MESSAGE_DELIVERY == "inline":
        return registry.get_fanout(name)(object_id)
    fanout, created = Fanout.objects.get_or_create(name=name, object_id=object_id)
    if created:
        transaction.on_commit(lambda: _queue_fanout(fanout.pk))
    return 0


def _queue_fanout(fanout_id: int) -> None:
    from .tasks import run_fanout

    try:
        broker_publish(run_fanout, fanout_id=fanout_id)
    except Exception:  # noqa: BLE001 - as in _queue
        log.warning("Could not queue fan-out %s now; the dispatcher will run it.", fanout_id)


def fanout_run(*, fanout_id: int) -> int | None:
    """Runs a recorded fan-out once: the row is locked (skipping one another worker holds) and marked done in
    the same transaction as the messages it makes, so a repeat finds it done. Returns how many messages it
    made, or None if there was nothing to do."""
    with transaction.atomic():
        fanout = Fanout.objects.select_for_update(skip_locked=True).filter(pk=fanout_id, done_at=None).first()
        if fanout is None:
            return None
        made = registry.get_fanout(fanout.name)(fanout.object_id)
        Fanout.objects.filter(pk=fanout.pk).update(done_at=timezone.now(), messages_created=made)
    return made


def fanouts_due(*, now: datetime | None = None) -> list[int]:
    """Fan-outs not done QUEUED_GRACE after they were asked for: the broker never had them, or their worker
    stopped."""
    now = now or timezone.now()
    return list(
        Fanout.objects.filter(done_at=None, created_at__lte=now - QUEUED_GRACE)
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )
