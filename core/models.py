"""The audit trail (who changed what) and the access trail (who looked at a restricted record).

Both are append-only: rows are written once, inside the service's transaction, and never changed or deleted.
The model refuses updates and deletes, the admin site shows them read-only, and the database refuses them too
(a trigger, see migration 0002), so not even a stray query can rewrite history.

They name the organisation and the object by id and type, not by foreign key: `core` imports nothing of ours,
and a trail must outlive what it talks about.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AppendOnlyError(Exception):
    """Raised on any attempt to change or delete a trail entry."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError("Trail entries cannot be changed.")

    def delete(self):
        raise AppendOnlyError("Trail entries cannot be deleted.")


class TrailEntry(models.Model):
    """Fields both trails share."""

    at = models.DateTimeField(default=timezone.now, db_index=True)
    # The person who acted. PROTECT: a person with a trail is anonymised, never deleted (see person erasure).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # Who acted when it was not a person: "job:send-reminders", "system".
    actor_label = models.CharField(max_length=80, blank=True)
    organisation_id = models.BigIntegerField(null=True, blank=True)
    object_type = models.CharField(max_length=60, blank=True)  # "sessions_app.session"
    object_id = models.CharField(max_length=40, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    data = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-at", "-pk"]

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AppendOnlyError("Trail entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Trail entries cannot be deleted.")

    @property
    def actor_display(self) -> str:
        if self.actor_id:
            return str(self.actor)
        return self.actor_label or "coprod"


class AuditEvent(TrailEntry):
    """One change a service made: `session.published`, `support_request.decided`, ..."""

    action = models.CharField(max_length=80)

    class Meta(TrailEntry.Meta):
        indexes = [
            models.Index(fields=["organisation_id", "-at"], name="audit_org_at"),
            models.Index(fields=["object_type", "object_id"], name="audit_object"),
            models.Index(fields=["actor", "-at"], name="audit_actor_at"),
            models.Index(fields=["action", "-at"], name="audit_action_at"),
        ]

    def __str__(self):
        return f"{self.action} by {self.actor_display} at {self.at:%Y-%m-%d %H:%M}"


class AccessKind(models.TextChoices):
    VIEW = "view", "Viewed"
    DOWNLOAD = "download", "Downloaded"
    PRINT = "print", "Printed"
    EXPORT = "export", "Exported"
    REFUSED = "refused", "Refused"


class AccessEvent(TrailEntry):
    """One read of a restricted record (a safeguarding concern, a safety plan, bank details, an export), or a
    refused attempt to read one."""

    Kind = AccessKind

    kind = models.CharField(max_length=10, choices=AccessKind.choices)

    class Meta(TrailEntry.Meta):
        indexes = [
            models.Index(fields=["object_type", "object_id", "-at"], name="access_object_at"),
            models.Index(fields=["organisation_id", "-at"], name="access_org_at"),
            models.Index(fields=["actor", "-at"], name="access_actor_at"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.object_type}#{self.object_id} by {self.actor_display}"


class FormSubmission(models.Model):
    """One form sent once: the token `{% form_token %}` put in the page, for the person who sent it.

    The first request to claim a token does the work; a double click or a retried POST with the same token finds
    the row and is sent where the first one went (`location`, set once the first one has redirected). A form that
    came back with errors deletes its row, so it can be sent again. See `core.idempotency`. Rows are cleared after
    a day by `core.idempotency.form_submissions_clear`.
    """

    who = models.CharField(max_length=80)  # "user:<id>", or "session:<hash of the session key>"
    token = models.CharField(max_length=64)
    path = models.CharField(max_length=2000)
    location = models.CharField(max_length=2000, blank=True)  # where the first request redirected; "" until then
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["who", "token"], name="form_submission_once")]

    def __str__(self):
        return f"{self.path} by {self.who}"
