"""The safety: concerns (restricted records with a chronology, documents, people involved, time-limited access
grants and "break glass"), emotional safety plans shared by the person's choice, consent with its history, and
the safeguarding lead on duty for a session.

What a concern says, its chronology, its documents and safety plans are encrypted at rest
(django-fernet-encrypted-fields; keys from SECRET_KEY and FIELD_ENCRYPTION_SALT, as for bank details). Records
are never deleted (PROTECT everywhere, no delete in any service): a concern is closed, an edit keeps the earlier
version in the chronology. Every look is in the access trail (core.AccessEvent), every change in the audit trail.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, transition
from encrypted_fields.fields import EncryptedCharField, EncryptedTextField

from groups.models import Group, Organisation
from sessions_app.models import FollowUp, Session

# --- concerns ------------------------------------------------------------------------------------------------


class ConcernStatus(models.TextChoices):
    NEW = "new", "New"
    TRIAGED = "triaged", "Triaged"
    REFERRED = "referred", "Referred"
    CLOSED = "closed", "Closed"


class Severity(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ReferralAgency(models.TextChoices):
    SOCIAL_CARE = "social_care", "Children's social care"
    POLICE = "police", "Police"
    HEALTH = "health", "Health"
    OTHER = "other", "Other"


class Concern(models.Model):
    """A safeguarding concern. To everyone but the organisation's safeguarding leads (with a recent second
    sign-in step), and people given access to it for a while, it does not exist."""

    Status = ConcernStatus

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="concerns")
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(default=timezone.now)
    # Where it was raised from, if anywhere (the check-in screen or a session page).
    session = models.ForeignKey(Session, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    group = models.ForeignKey(Group, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    what_happened = EncryptedTextField()
    when_happened = EncryptedCharField(max_length=200, blank=True, null=True)  # as the person put it
    immediate_risk = models.BooleanField(default=False)

    status = FSMField(default=ConcernStatus.NEW, choices=ConcernStatus.choices, protected=True, max_length=10)
    severity = models.CharField(max_length=8, choices=Severity.choices, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referral_agency = models.CharField(max_length=12, choices=ReferralAgency.choices, blank=True)
    referral_reference = EncryptedCharField(max_length=100, blank=True, null=True)
    outcome = EncryptedTextField(blank=True, null=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ConcernStatus.values), name="concern_known_status"),
            models.CheckConstraint(
                condition=Q(severity="") | Q(severity__in=Severity.values), name="concern_known_severity"
            ),
            models.CheckConstraint(
                condition=~Q(status="referred") | ~Q(referral_agency=""), name="concern_referred_has_agency"
            ),
            models.CheckConstraint(
                condition=~Q(status="closed") | Q(closed_at__isnull=False), name="concern_closed_has_time"
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "status", "-raised_at"], name="concern_org_status"),
            models.Index(fields=["raised_by", "-raised_at"], name="concern_raiser"),
        ]

    def __str__(self):
        return f"Concern {self.pk}"

    def get_absolute_url(self):
        return reverse("safeguarding:concern", args=[self.pk])

    @transition(field=status, source=ConcernStatus.NEW, target=ConcernStatus.TRIAGED)
    def triage(self, *, severity: str, owner):
        self.severity = severity
        self.owner = owner

    @transition(field=status, source=[ConcernStatus.NEW, ConcernStatus.TRIAGED], target=ConcernStatus.REFERRED)
    def refer(self, *, agency: str, reference: str):
        self.referral_agency = agency
        self.referral_reference = reference

    @transition(
        field=status,
        source=[ConcernStatus.NEW, ConcernStatus.TRIAGED, ConcernStatus.REFERRED],
        target=ConcernStatus.CLOSED,
    )
    def close(self, *, outcome: str):
        self.outcome = outcome
        self.closed_at = timezone.now()


class ConcernPerson(models.Model):
    """Someone a concern is about or involves: a person of the organisation, or a description in words."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="people")
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = EncryptedCharField(max_length=300, blank=True, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["concern", "person"], condition=Q(person__isnull=False), name="concernperson_once"
            ),
        ]
        indexes = [models.Index(fields=["person"], name="concernperson_person")]

    def __str__(self):
        return f"Person on concern {self.concern_id}"


class EntryKind(models.TextChoices):
    RAISED = "raised", "Concern raised"
    NOTE = "note", "Note"
    ACTION = "action", "Action taken"
    TRIAGED = "triaged", "Triaged"
    REFERRED = "referred", "Referred"
    EDITED = "edited", "Details edited (the earlier version is kept here)"
    DOCUMENT = "document", "Document added"
    ACCESS_GRANTED = "access_granted", "Access given"
    BREAK_GLASS = "break_glass", "Opened in an emergency"
    CLOSED = "closed", "Closed"


class ChronologyEntry(models.Model):
    """One line of a concern's chronology: what was done, when, by whom. Never edited or deleted."""

    Kind = EntryKind

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="chronology")
    kind = models.CharField(max_length=16, choices=EntryKind.choices)
    text = EncryptedTextField(blank=True, null=True)
    happened_on = models.DateField(default=timezone.localdate)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concern", "recorded_at", "pk"]
        verbose_name_plural = "chronology entries"
        constraints = [models.CheckConstraint(condition=Q(kind__in=EntryKind.values), name="chronology_known_kind")]

    def __str__(self):
        return f"Chronology entry {self.pk}"


class ConcernDocument(models.Model):
    """A document attached to a concern. Its bytes are encrypted before they are stored (see services)."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="documents")
    title = EncryptedCharField(max_length=150)
    content = EncryptedTextField()  # the file, base64, encrypted
    content_type = models.CharField(max_length=60)
    size = models.PositiveIntegerField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["concern", "added_at"]

    def __str__(self):
        return f"Document {self.pk}"


class GrantKind(models.TextChoices):
    GRANTED = "granted", "Given by a safeguarding lead"
    BREAK_GLASS = "break_glass", "Opened in an emergency"


class AccessGrant(models.Model):
    """Access to one concern for a named person for a limited time: given by a lead with a reason, or taken in
    an emergency ("break glass") by a facilitator who raised it or is named on it, which alerts the leads. It
    ends on its own at `expires_at`; a lead may end it sooner. Every grant is listed for review."""

    Kind = GrantKind

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="grants")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=GrantKind.choices)
    reason = models.TextField()
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="accessgrant_has_reason"),
            models.CheckConstraint(condition=Q(expires_at__gt=models.F("granted_at")), name="accessgrant_expires"),
        ]
        indexes = [models.Index(fields=["person", "expires_at"], name="accessgrant_person_expires")]

    def __str__(self):
        return f"Access grant {self.pk}"


class ImmediateRiskAlert(models.Model):
    """One alert to one safeguarding lead about a concern with someone at immediate risk: the unique key makes a
    retried or repeated task find its work done, so each lead is alerted once."""

    concern = models.ForeignKey(Concern, on_delete=models.PROTECT, related_name="alerts")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reason = models.CharField(max_length=12, default="raised")  # "raised" or "break_glass"
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["concern", "lead", "reason"], name="alert_once_per_lead"),
        ]

    def __str__(self):
        return f"Alert {self.pk}"


# --- emotional safety plans ----------------------------------------------------------------------------------


class SafetyPlan(models.Model):
    """A member's own emotional safety plan. Only they write it; facilitators of a group they share it with read
    it while it is shared; each reading is in the access trail, which the member sees."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="safety_plan")
    upsets_me = EncryptedTextField("what can upset me", blank=True, null=True)
    signs = EncryptedTextField("signs I'm struggling", blank=True, null=True)
    helps = EncryptedTextField("what helps", blank=True, null=True)
    contacts = EncryptedTextField("who to contact", blank=True, null=True)
    wishes = EncryptedTextField("what I'd like facilitators to do", blank=True, null=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Safety plan {self.pk}"


class SafetyPlanShare(models.Model):
    """The plan shared with one group's facilitators, from `shared_at` until `stopped_at`."""

    plan = models.ForeignKey(SafetyPlan, on_delete=models.PROTECT, related_name="shares")
    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="+")
    shared_at = models.DateTimeField(default=timezone.now)
    stopped_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "group"], condition=Q(stopped_at__isnull=True), name="safetyplanshare_one_open"
            ),
        ]
        indexes = [models.Index(fields=["group", "stopped_at"], name="safetyplanshare_group")]

    def __str__(self):
        return f"Safety plan share {self.pk}"


# --- consent -------------------------------------------------------------------------------------------------


class ConsentKind(models.TextChoices):
    PHOTOS = "photos", "Photographs of me"
    FILM = "film", "Film or video of me"
    QUOTES = "quotes", "Using my words (quotes)"
    PARTNER_SHARING = "partner_sharing", "Sharing my details with partner organisations"
    RESEARCH = "research", "Being contacted about research"


class ConsentHow(models.TextChoices):
    ONLINE = "online", "Online, by the person"
    IN_PERSON = "in_person", "In person, recorded by staff"
    PAPER = "paper", "On a paper form"
    PHONE = "phone", "By phone"


class ConsentRecord(models.Model):
    """One decision by a person about one kind of consent: given or withdrawn, when and how. The newest per
    person and kind is what holds; the rows before it are its history. Never edited or deleted."""

    Kind = ConsentKind
    How = ConsentHow

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="consents")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=ConsentKind.choices)
    given = models.BooleanField()
    how = models.CharField(max_length=10, choices=ConsentHow.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person", "kind", "-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ConsentKind.values), name="consent_known_kind"),
            models.CheckConstraint(condition=Q(how__in=ConsentHow.values), name="consent_known_how"),
        ]
        indexes = [models.Index(fields=["organisation", "person", "kind", "-recorded_at"], name="consent_current")]

    def __str__(self):
        return f"Consent {self.pk}"


# --- sessions and follow-ups ---------------------------------------------------------------------------------


class SessionDuty(models.Model):
    """The safeguarding lead on duty for a session, named on its page."""

    session = models.OneToOneField(Session, on_delete=models.PROTECT, related_name="safeguarding_duty")
    lead = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Duty for session {self.session_id}"


class FollowUpEscalation(models.Model):
    """A follow-up still open after its two working days, raised to the safeguarding leads once (the unique key)."""

    follow_up = models.OneToOneField(FollowUp, on_delete=models.PROTECT, related_name="escalation")
    raised_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Escalation of follow-up {self.follow_up_id}"


# --- data rights ---------------------------------------------------------------------------------------------


class RecordType(models.TextChoices):
    CONCERNS = "concerns", "Safeguarding concerns (after they are closed)"
    SAFETY_PLANS = "safety_plans", "Safety plans (after the person leaves)"
    CONSENT = "consent", "Consent records (after the person leaves)"
    ATTENDANCE = "attendance", "Check-ins and feelings"
    FOLLOW_UPS = "follow_ups", "Follow-ups (after they are closed)"
    MESSAGES = "messages", "Messages sent"
    PAYMENTS = "payments", "Claims and payments"


class RetentionRule(models.Model):
    """How long an organisation keeps one type of record. Records past it are listed for review by a lead,
    never deleted silently."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=14, choices=RecordType.choices)
    months = models.PositiveSmallIntegerField()
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "record_type"], name="retentionrule_one_per_type"),
            models.CheckConstraint(condition=Q(record_type__in=RecordType.values), name="retentionrule_known_type"),
            models.CheckConstraint(condition=Q(months__gte=1, months__lte=1200), name="retentionrule_months"),
        ]

    def __str__(self):
        return f"Retention rule {self.pk}"


class RetentionReview(models.Model):
    """A lead's decision about a record past its retention period: kept (with a reason) or erased through the
    person-erasure hook. One row per record reviewed."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    record_type = models.CharField(max_length=14, choices=RecordType.choices)
    object_id = models.PositiveBigIntegerField()
    decision = models.CharField(max_length=8, choices=[("keep", "Keep"), ("erase", "Erase")])
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "record_type", "object_id"], name="retentionreview_once_per_record"
            ),
            models.CheckConstraint(condition=~Q(reason=""), name="retentionreview_has_reason"),
        ]

    def __str__(self):
        return f"Retention review {self.pk}"
