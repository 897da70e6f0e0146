"""The message log: every message coprod sends, one row per recipient, channel and reason."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from . import registry


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    TEXT = "text", "Text message"


class Status(models.TextChoices):
    PENDING = "pending", "Waiting to send"
    HELD = "held", "Held until morning (quiet hours)"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    # A worker stopped between claiming the message and recording the outcome: it may have gone. Not re-sent,
    # so nobody gets it twice; staff see it and can check with the person.
    UNKNOWN = "unknown", "Not known if sent"


class MessageQuerySet(models.QuerySet):
    def about(self, topic: str):
        """Messages about one thing, e.g. "sessions_app.session:12"."""
        return self.filter(topic=topic)


class Message(models.Model):
    """Every message coprod sends, one row per recipient, channel and reason. The unique key makes sending
    idempotent: a retried task or a beat job running twice finds the row and sends nothing more.

    A message goes to a person, or to an address that has no account yet (an invitation), or to both (an
    invitation to an address that already has one). `topic` says what it is about ("sessions_app.session:12")
    without a foreign key to another app. A sensitive kind keeps no body. `link` is the path the message points
    to; it may be a personal link (a token that works without signing in), so it is never shown to staff."""

    Channel = Channel
    Status = Status

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,  # evidence is kept: erasing a person anonymises, never deletes, their messages
        related_name="messages_received",
    )
    address = models.CharField(
        max_length=254, blank=True, help_text="Where to send when there is no account yet (an email address)."
    )
    channel = models.CharField(max_length=5, choices=Channel.choices)
    kind = models.CharField(max_length=60, help_text="A kind an app registered, e.g. sessions.invitation.")
    key = models.CharField(max_length=120, help_text="What makes this message unique for this person and channel.")
    topic = models.CharField(max_length=100, blank=True, help_text='What it is about, e.g. "sessions_app.session:12".')
    organisation_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.PENDING)
    send_after = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)

    objects = MessageQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "channel", "key"],
                condition=Q(person__isnull=False),
                name="message_once_per_person_channel_key",
            ),
            models.UniqueConstraint(
                fields=["address", "channel", "key"],
                condition=Q(person__isnull=True),
                name="message_once_per_address_channel_key",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(address=""), name="message_has_person_or_address"
            ),
            models.CheckConstraint(condition=Q(channel__in=Channel.values), name="message_known_channel"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="message_known_status"),
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False), name="message_sent_has_time"
            ),
        ]
        indexes = [
            # the dispatcher: what is due
            models.Index(fields=["status", "send_after"], name="message_due_idx"),
            models.Index(fields=["person", "-created_at"], name="message_person_idx"),
            # "messages about this session", newest first
            models.Index(fields=["topic", "-created_at"], name="message_topic_idx"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} to {self.recipient} by {self.get_channel_display().lower()}"

    @property
    def outcome_unknown(self) -> bool:
        return self.status == Status.UNKNOWN

    @property
    def recipient(self) -> str:
        return str(self.person) if self.person_id else self.address

    def get_kind_display(self) -> str:
        return registry.kind_label(self.kind)

    @property
    def is_sensitive(self) -> bool:
        kind = registry.find_kind(self.kind)
        return bool(kind and kind.sensitive)

    @property
    def body_for_staff(self) -> str:
        """The stored body with every personal link replaced by "[personal link]"."""
        from .display import redact_personal_links

        if self.is_sensitive:
            return "(Not kept: this kind of message is sensitive.)"
        return redact_personal_links(self.body)


class Fanout(models.Model):
    """Work that makes many messages at once (inviting a whole group when a session is published), recorded in
    the request's own transaction and done later by a task, outside the request. `name` is a fan-out an app
    registered (`registry.register_fanout`), `object_id` what it is about. One row per (name, object): the
    task that does it marks it done in the same transaction as the messages it creates, so it is done once;
    the dispatcher runs any the broker never received."""

    name = models.CharField(max_length=60)
    object_id = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    done_at = models.DateTimeField(null=True, blank=True)
    messages_created = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "object_id"], name="fanout_once_per_object")]
        indexes = [
            models.Index(fields=["created_at"], condition=Q(done_at__isnull=True), name="fanout_not_done_idx"),
        ]

    def __str__(self):
        return f"{self.name} for {self.object_id}" + (" (done)" if self.done_at else "")
