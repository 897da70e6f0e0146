"""The "when": sessions, their facilitators, answers, support requests, check-ins, debriefs, follow-ups,
decisions, actions and wins."""

import secrets
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from groups.models import Group, Organisation
from notifications import models as notifications_models


class Venue(models.Model):
    """A place an organisation meets, with what people need to know to get in and feel comfortable."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="venues")
    name = models.CharField(max_length=120)
    address = models.TextField()
    step_free = models.BooleanField("step-free access", default=False)
    parking = models.BooleanField(default=False)
    baby_changing = models.BooleanField(default=False)
    quiet_room = models.BooleanField(default=False)
    access_notes = models.TextField(
        blank=True, help_text="Anything else: the nearest bus stop, which door to use, who to ask for."
    )
    # A retired venue is no longer offered for new sessions; sessions that met or meet there keep it.
    retired_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organisation", "name"], name="venue_name_unique_in_org")]

    def __str__(self):
        return self.name

    def audit_label(self):
        return self.name

    @property
    def is_retired(self):
        return self.retired_at is not None


class GlossaryTerm(models.Model):
    """A short form the group uses, spelt out, so nobody is left guessing."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="glossary")
    abbreviation = models.CharField(max_length=20)
    meaning = models.CharField(max_length=200)

    class Meta:
        ordering = ["abbreviation"]
        constraints = [models.UniqueConstraint(fields=["group", "abbreviation"], name="glossary_term_unique")]

    def __str__(self):
        return f"{self.abbreviation}: {self.meaning}"

    def audit_label(self):
        return self.abbreviation


class Series(models.Model):
    """Sessions created together (for example weekly for ten weeks); each can then be edited on its own."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="series")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    repeat_weeks = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name_plural = "series"

    def __str__(self):
        return f"Weekly for {self.repeat_weeks} weeks ({self.group})"


class SessionFormat(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    ONLINE = "online", "Online"
    HYBRID = "hybrid", "Hybrid (in person and online)"
    ONE_TO_ONE = "one_to_one", "One-to-one"


class SessionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    PUBLISHED = "published", "Published"
    CANCELLED = "cancelled", "Cancelled"


class Session(models.Model):
    """A meeting of a group. Drafts are seen only by the group's facilitators and admins."""

    Format = SessionFormat
    Status = SessionStatus

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="sessions")
    series = models.ForeignKey(Series, null=True, blank=True, on_delete=models.SET_NULL, related_name="sessions")
    title = models.CharField(max_length=150)
    purpose = models.TextField("what this session is for")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    format = models.CharField(max_length=12, choices=SessionFormat.choices, default=SessionFormat.IN_PERSON)
    venue = models.ForeignKey(Venue, null=True, blank=True, on_delete=models.PROTECT, related_name="sessions")
    joining_link = models.URLField("online joining link", blank=True)
    capacity = models.PositiveSmallIntegerField(
        "places", null=True, blank=True, help_text="Leave blank if there is no limit."
    )
    content_note = models.TextField(
        blank=True, help_text="Optional. A gentle warning if the session will touch on sensitive or upsetting topics."
    )
    preparation_days = models.PositiveSmallIntegerField("share preparation this many days before", default=3)
    # Time the session asks people to spend preparing (reading papers first); paid when the payment policy says.
    preparation_minutes = models.PositiveSmallIntegerField("preparation time asked for, in minutes", default=0)
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.DRAFT)
    published_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancel_reason = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    # A facilitator says the register is final; payments count attendance from here on.
    attendance_closed_at = models.DateTimeField(null=True, blank=True)
    attendance_closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    # The check-in window: from an hour before the start to two hours after the end.
    CHECKIN_OPENS_BEFORE = timedelta(hours=1)
    CHECKOUT_CLOSES_AFTER = timedelta(hours=2)

    class Meta:
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["group", "starts_at"]), models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")),
                name="session_ends_after_start",
                violation_error_message="The session must end after it starts.",
            ),
            models.CheckConstraint(condition=Q(format__in=SessionFormat.values), name="session_known_format"),
            models.CheckConstraint(condition=Q(status__in=SessionStatus.values), name="session_known_status"),
            models.CheckConstraint(
                condition=~Q(format__in=["in_person", "hybrid"]) | Q(venue__isnull=False),
                name="session_in_person_needs_venue",
                violation_error_message="Choose a venue for a session that meets in person.",
            ),
            models.CheckConstraint(
                condition=~Q(format__in=["online", "hybrid"]) | ~Q(joining_link=""),
                name="session_online_needs_link",
                violation_error_message="Add the online joining link for a session that meets online.",
            ),
            models.CheckConstraint(
                condition=~Q(format="one_to_one") | Q(venue__isnull=False) | ~Q(joining_link=""),
                name="session_one_to_one_needs_place",
                violation_error_message="Choose a venue or add an online joining link.",
            ),
            models.CheckConstraint(
                condition=Q(capacity__isnull=True) | Q(capacity__gte=1), name="session_capacity_positive"
            ),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False), name="session_published_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="cancelled") | Q(cancelled_at__isnull=False), name="session_cancelled_has_time"
            ),
        ]

    def __str__(self):
        return f"{self.title} ({timezone.localtime(self.starts_at):%a %d %b %Y %H:%M})"

    def get_absolute_url(self):
        return reverse("sessions_app:detail", args=[self.pk])

    def audit_label(self):
        return str(self)

    @property
    def organisation_id(self):
        """The permission mechanism refuses by organisation: a session belongs to its group's."""
        return self.group.organisation_id

    @property
    def is_published(self):
        return self.status == SessionStatus.PUBLISHED

    @property
    def is_cancelled(self):
        return self.status == SessionStatus.CANCELLED

    @property
    def has_started(self):
        return timezone.now() >= self.starts_at

    @property
    def has_ended(self):
        return timezone.now() >= self.ends_at

    @property
    def meets_in_person(self):
        return self.format in (SessionFormat.IN_PERSON, SessionFormat.HYBRID) or (
            self.format == SessionFormat.ONE_TO_ONE and self.venue_id is not None
        )

    @property
    def meets_online(self):
        return bool(self.joining_link)

    @property
    def preparation_opens_at(self):
        return self.starts_at - timedelta(days=self.preparation_days)

    @property
    def debrief_due_at(self):
        return self.ends_at + timedelta(hours=48)

    # --- the check-in window: the one place that says when people can check in and out ---

    @property
    def checkin_opens_at(self):
        return self.starts_at - self.CHECKIN_OPENS_BEFORE

    @property
    def checkin_closes_at(self):
        return self.ends_at + self.CHECKOUT_CLOSES_AFTER

    def checkin_state(self, now=None) -> str:
        """Whether people can check in and out at `now`: "not_published", "not_yet", "open" or "closed"."""
        now = now or timezone.now()
        if not self.is_published:
            return "not_published"
        if now < self.checkin_opens_at:
            return "not_yet"
        if now > self.checkin_closes_at:
            return "closed"
        return "open"

    def checkin_open_at(self, now=None) -> bool:
        return self.checkin_state(now) == "open"

    @property
    def attendance_is_closed(self):
        return self.attendance_closed_at is not None


class FacilitatorRole(models.TextChoices):
    LEAD = "lead", "Lead facilitator"
    SUPPORT = "support", "Support facilitator"


class SessionFacilitator(models.Model):
    """A facilitator on a session. The two-facilitator rule: one active lead and at least one active support,
    different people. The database keeps one active lead and one active place per person; the service checks
    the rest with the session row locked."""

    Role = FacilitatorRole

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="facilitators")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="facilitating")
    role = models.CharField(max_length=8, choices=FacilitatorRole.choices)
    assigned_at = models.DateTimeField(default=timezone.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawal_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["session", "role", "assigned_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "user"], condition=Q(withdrawn_at__isnull=True), name="facilitator_once_per_session"
            ),
            models.UniqueConstraint(
                fields=["session"], condition=Q(withdrawn_at__isnull=True, role="lead"), name="session_one_lead"
            ),
            models.CheckConstraint(condition=Q(role__in=FacilitatorRole.values), name="facilitator_known_role"),
        ]
        indexes = [
            # "has an active lead / support" (selectors._active_place) on every list of sessions
            models.Index(
                fields=["session", "role"], condition=Q(withdrawn_at__isnull=True), name="facilitator_active_role"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()}) for {self.session}"


class AgendaItem(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="agenda_items")
    position = models.PositiveSmallIntegerField()
    text = models.CharField(max_length=300)

    class Meta:
        ordering = ["session", "position"]
        constraints = [models.UniqueConstraint(fields=["session", "position"], name="agenda_position_unique")]

    def __str__(self):
        return self.text


class Break(models.Model):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="breaks")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField(default=15)

    class Meta:
        ordering = ["session", "starts_at"]
        constraints = [models.CheckConstraint(condition=Q(minutes__gte=1), name="break_has_length")]

    def __str__(self):
        return f"{self.minutes}-minute break at {timezone.localtime(self.starts_at):%H:%M}"


def preparation_upload_to(instance, filename):
    return f"preparation/{instance.session_id}/{secrets.token_hex(8)}/{filename}"


class PreparationMaterial(models.Model):
    """Something to read or look at before the session; members see it a set number of days before."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="preparation")
    title = models.CharField(max_length=150)
    text = models.TextField(blank=True)
    file = models.FileField(upload_to=preparation_upload_to, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "added_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(text="") | ~Q(file=""), name="preparation_has_content"),
        ]

    def __str__(self):
        return self.title


class Answer(models.TextChoices):
    YES = "yes", "Yes, I will come"
    MAYBE = "maybe", "Maybe"
    NO = "no", "No, I can't come"


class Rsvp(models.Model):
    """A member's answer to "Will you come?". A yes takes a place, or a place on the waiting list when full."""

    Answer = Answer

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="rsvps")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="rsvps")
    answer = models.CharField(max_length=5, choices=Answer.choices)
    waitlisted_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["session", "answered_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="rsvp_one_per_person"),
            models.CheckConstraint(condition=Q(answer__in=Answer.values), name="rsvp_known_answer"),
            models.CheckConstraint(
                condition=Q(waitlisted_at__isnull=True) | Q(answer="yes"), name="rsvp_only_yes_waits"
            ),
        ]
        indexes = [models.Index(fields=["session", "answer", "waitlisted_at"])]

    def __str__(self):
        return f"{self.user}: {self.get_answer_display()} for {self.session}"

    @property
    def has_place(self):
        return self.answer == Answer.YES and self.waitlisted_at is None

    @property
    def is_waitlisted(self):
        return self.answer == Answer.YES and self.waitlisted_at is not None


class SupportKind(models.TextChoices):
    CHILDCARE = "childcare", "Childcare"
    TRAVEL = "travel", "Travel"
    INTERPRETER = "interpreter", "An interpreter"
    ACCESS = "access", "Access needs"
    ONE_TO_ONE = "one_to_one", "A one-to-one instead of the group"


class SupportStatus(models.TextChoices):
    PENDING = "pending", "Waiting for a decision"
    APPROVED = "approved", "Approved"
    DECLINED = "declined", "Not approved"
    WITHDRAWN = "withdrawn", "Withdrawn"


class TravelMode(models.TextChoices):
    BUS_TRAIN = "public", "Bus or train"
    CAR = "car", "Car (mileage or parking)"
    TAXI = "taxi", "Taxi"
    WALK_CYCLE = "walk", "Walking or cycling"
    OTHER = "other", "Other"


class SupportCancelReason(models.TextChoices):
    """Why a request was cancelled by the service rather than by the person's own withdrawal."""

    SAID_NO = "said_no", "Cancelled because you said you can't come"


class SupportRequest(models.Model):
    """Help a person needs so childcare, travel, language or access is no barrier. Amounts are in pence."""

    Kind = SupportKind
    Status = SupportStatus
    TravelMode = TravelMode
    CancelReason = SupportCancelReason

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="support_requests")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="support_requests")
    kind = models.CharField(max_length=12, choices=SupportKind.choices)
    status = models.CharField(max_length=10, choices=SupportStatus.choices, default=SupportStatus.PENDING)
    # Childcare
    children_count = models.PositiveSmallIntegerField("number of children", null=True, blank=True)
    children_ages = models.CharField("their ages", max_length=100, blank=True)
    creche_place = models.BooleanField("a crèche place at the venue", default=False)
    # Travel
    travel_mode = models.CharField("how you will travel", max_length=8, choices=TravelMode.choices, blank=True)
    expected_cost_pence = models.PositiveIntegerField("expected cost in pence", null=True, blank=True)
    booking_wanted = models.BooleanField("please book a ticket or taxi for me", default=False)
    # Interpreter
    language = models.CharField("language", max_length=60, blank=True)
    # Access, one-to-one and anything else
    details = models.TextField("anything else we should know", blank=True)
    approved_amount_pence = models.PositiveIntegerField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    # Set when the request was cancelled because the person said they can't come; cleared when it is restored.
    cancelled_reason = models.CharField(max_length=12, choices=SupportCancelReason.choices, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(cancelled_reason="") | Q(status="withdrawn", cancelled_at__isnull=False),
                name="support_cancel_reason_when_withdrawn",
            ),
            models.UniqueConstraint(
                fields=["session", "user", "kind"],
                condition=Q(status__in=["pending", "approved"]),
                name="support_one_live_per_kind",
            ),
            models.CheckConstraint(condition=Q(kind__in=SupportKind.values), name="support_known_kind"),
            models.CheckConstraint(condition=Q(status__in=SupportStatus.values), name="support_known_status"),
            models.CheckConstraint(
                condition=~Q(status="declined") | ~Q(decision_reason=""),
                name="support_decline_has_reason",
                violation_error_message="Give a reason when you decline a request.",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "declined"]) | Q(decided_at__isnull=False),
                name="support_decision_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(kind="childcare")
                | Q(creche_place=True)
                | Q(children_count__isnull=False, children_count__gte=1),
                name="support_childcare_has_children",
                violation_error_message="Tell us how many children, or ask for a crèche place.",
            ),
            models.CheckConstraint(
                condition=~Q(kind="interpreter") | ~Q(language=""),
                name="support_interpreter_has_language",
                violation_error_message="Tell us which language.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "session"]),
            # the decided tabs of the support queue, the most recently decided first
            models.Index(fields=["status", "-decided_at"], name="support_status_decided"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} for {self.user} at {self.session}"

    @property
    def cancelled_reason_for_staff(self) -> str:
        """The reason in the third person, for facilitators' pages."""
        if self.cancelled_reason == SupportCancelReason.SAID_NO:
            return "Cancelled because they said they can't come"
        return ""


class CheckIn(models.Model):
    """Attendance: when someone arrived and left, how they felt, and whether they would like to talk after.
    Feelings are seen only by the session's facilitators."""

    FEELINGS = [(1, "Very low"), (2, "Low"), (3, "Okay"), (4, "Good"), (5, "Very good")]
    LOW_FEELING = 2

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="checkins")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="checkins")
    checked_in_at = models.DateTimeField(default=timezone.now)
    checked_in_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checkin_feeling = models.PositiveSmallIntegerField(choices=FEELINGS, null=True, blank=True)
    checked_out_at = models.DateTimeField(null=True, blank=True)
    checkout_feeling = models.PositiveSmallIntegerField(choices=FEELINGS, null=True, blank=True)
    wants_to_talk = models.BooleanField("I'd like to talk afterwards", default=False)

    class Meta:
        ordering = ["session", "checked_in_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "user"], name="checkin_once"),
            models.CheckConstraint(
                condition=Q(checked_out_at__isnull=True) | Q(checked_out_at__gte=F("checked_in_at")),
                name="checkout_after_checkin",
            ),
            models.CheckConstraint(
                condition=Q(checkin_feeling__isnull=True) | Q(checkin_feeling__gte=1, checkin_feeling__lte=5),
                name="checkin_feeling_scale",
            ),
            models.CheckConstraint(
                condition=Q(checkout_feeling__isnull=True) | Q(checkout_feeling__gte=1, checkout_feeling__lte=5),
                name="checkout_feeling_scale",
            ),
        ]

    def __str__(self):
        return f"{self.user} at {self.session}"


class Debrief(models.Model):
    """The lead facilitator's reflection after the session. Overdue 48 hours after the end."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="debrief")
    went_well = models.TextField("what went well")
    was_hard = models.TextField("what was hard")
    to_change = models.TextField("what to change next time")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Debrief of {self.session}"


class FollowUp(models.Model):
    """Someone who would like to talk, or who left feeling low, gets a call from a facilitator within two
    working days."""

    class Reason(models.TextChoices):
        TALK = "talk", "Asked to talk afterwards"
        LOW_FEELING = "low_feeling", "Left feeling low"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="follow_ups")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="follow_ups")
    reason = models.CharField(max_length=12, choices=Reason.choices)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assigned_follow_ups"
    )
    due_on = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "created_at"]
        constraints = [
            models.UniqueConstraint(fields=["session", "person"], name="follow_up_once_per_session"),
            models.CheckConstraint(
                condition=Q(closed_at__isnull=True) | ~Q(note=""),
                name="follow_up_closed_with_note",
                violation_error_message="Write a short note about how the follow-up went.",
            ),
        ]
        indexes = [
            # the queue: open ones by when they are due; closed ones, the most recently closed first
            models.Index(
                fields=["due_on", "created_at"], condition=Q(closed_at__isnull=True), name="follow_up_open_due"
            ),
            models.Index(fields=["-closed_at"], condition=Q(closed_at__isnull=False), name="follow_up_closed_recent"),
        ]

    def __str__(self):
        return f"Follow up {self.person} after {self.session}"


class Decision(models.Model):
    """A decision taken at a session. One taken at an inquorate governance meeting needs confirming at a
    quorate one before it counts."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="decisions")
    proposal = models.TextField()
    outcome = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)
    needs_confirmation = models.BooleanField(default=False)
    confirmed_at_session = models.ForeignKey(
        Session, null=True, blank=True, on_delete=models.SET_NULL, related_name="confirmed_decisions"
    )

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self):
        return self.proposal[:60]


class Action(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        DONE = "done", "Done"

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="actions")
    description = models.TextField()
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="actions")
    due_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_on", "recorded_at"]

    def __str__(self):
        return self.description[:60]


class Win(models.Model):
    """A change to celebrate: "you said, we did"."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="wins")
    description = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["recorded_at"]

    def __str__(self):
        return self.description[:60]


class CalendarFeed(models.Model):
    """A person's private calendar address. Revoking replaces the token, so the old address stops working."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed")
    token = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Calendar feed for {self.user}"


class ReminderSettings(models.Model):
    """When an organisation's reminders go out. One row per organisation; defaults apply without one."""

    organisation = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="reminder_settings")
    chaser_days_before = models.PositiveSmallIntegerField(
        "ask people who have not answered this many days before", default=5
    )
    first_reminder_days_before = models.PositiveSmallIntegerField("first reminder, days before", default=2)
    last_reminder_hours_before = models.PositiveSmallIntegerField("last reminder, hours before", default=2)
    quiet_from = models.TimeField("no text messages from", default="21:00")
    quiet_until = models.TimeField("no text messages until", default="08:00")

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(condition=Q(chaser_days_before__gte=1), name="reminder_chaser_positive"),
            models.CheckConstraint(condition=Q(last_reminder_hours_before__gte=1), name="reminder_last_positive"),
        ]

    def __str__(self):
        return f"Reminder settings for {self.organisation}"


MessageChannel = notifications_models.Channel
MessageStatus = notifications_models.Status


class MessageKind(models.TextChoices):
    """The kinds of message sessions_app sends, registered with `notifications` (sessions_app/messages.py). The
    values are the names stored in the log, unchanged from when the log lived here."""

    INVITATION = "invitation", "Invitation to a session"
    CHASER = "chaser", "Have you decided? (no answer yet)"
    REMINDER_DAYS = "reminder_days", "Reminder, days before"
    REMINDER_HOURS = "reminder_hours", "Reminder, hours before"
    CANCELLATION = "cancellation", "Session cancelled"
    PLACE_OFFERED = "place_offered", "A place came free"
    SUPPORT_DECIDED = "support_decided", "Support request decided"
    SUPPORT_REQUESTED = "support_requested", "Support requested (to facilitators)"
    FOLLOW_UP_DUE = "follow_up_due", "Follow-up due (to facilitators)"
    QUORUM_ALERT = "quorum_alert", "Parents short for a meeting"
    FACILITATOR_ALERT = "facilitator_alert", "Session needs two facilitators"


SESSION_TOPIC = "sessions_app.session"


def session_topic(session_or_id) -> str:
    """The topic of messages about a session: "sessions_app.session:12"."""
    return f"{SESSION_TOPIC}:{getattr(session_or_id, 'pk', session_or_id)}"


class SessionMessageQuerySet(notifications_models.MessageQuerySet):
    """The message log, where `session=` (and `session_id=`, `session__in=`) means the topic of that session."""

    def _filter_or_exclude(self, negate, args, kwargs):
        for name in ("session", "session_id"):
            if name in kwargs:
                value = kwargs.pop(name)
                kwargs["topic"] = "" if value is None else session_topic(value)
        if "session__in" in kwargs:
            kwargs["topic__in"] = [session_topic(s) for s in kwargs.pop("session__in")]
        return super()._filter_or_exclude(negate, args, kwargs)


class Message(notifications_models.Message):
    """The message log (`notifications.Message`) as sessions_app reads it: `Message.Kind` lists the kinds
    sessions_app sends, and a message about a session knows it (`message.session`, `filter(session=...)`)."""

    Channel = MessageChannel
    Kind = MessageKind
    Status = MessageStatus

    objects = SessionMessageQuerySet.as_manager()

    class Meta:
        proxy = True
        verbose_name = "message about a session"

    @property
    def session_id(self) -> int | None:
        prefix = f"{SESSION_TOPIC}:"
        return int(self.topic.removeprefix(prefix)) if self.topic.startswith(prefix) else None

    @property
    def session(self):
        if self.session_id is None:
            return None
        if getattr(self, "_session_cache", None) is None or self._session_cache.pk != self.session_id:
            self._session_cache = Session.objects.filter(pk=self.session_id).first()
        return self._session_cache


class QuorumCheck(models.Model):
    """A check of parents expected at a meeting, 72 or 24 hours before. One per meeting and check point, so
    the alert goes out once per check."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="quorum_checks")
    hours_before = models.PositiveSmallIntegerField()
    checked_at = models.DateTimeField(default=timezone.now)
    required = models.PositiveSmallIntegerField()
    parents_yes = models.PositiveSmallIntegerField()
    met = models.BooleanField()

    class Meta:
        ordering = ["session", "-hours_before"]
        constraints = [
            models.UniqueConstraint(fields=["session", "hours_before"], name="quorum_check_once_per_point"),
        ]

    def __str__(self):
        return f"Quorum check {self.hours_before}h before {self.session}"


class QuorumRecord(models.Model):
    """The quorum as it was at the meeting, counted from check-ins of parents and carers."""

    session = models.OneToOneField(Session, on_delete=models.CASCADE, related_name="quorum_record")
    required = models.PositiveSmallIntegerField()
    parents_present = models.PositiveSmallIntegerField()
    quorate = models.BooleanField()
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(quorate=True, parents_present__gte=F("required"))
                | Q(quorate=False, parents_present__lt=F("required")),
                name="quorum_record_consistent",
            )
        ]

    def __str__(self):
        return f"{'Quorate' if self.quorate else 'Inquorate'}: {self.session}"


class FacilitatorAlert(models.Model):
    """A published session found breaking the two-facilitator rule, alerted once per problem."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="facilitator_alerts")
    problem = models.CharField(max_length=200)
    raised_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "problem"], name="facilitator_alert_once")]

    def __str__(self):
        return f"{self.problem} ({self.session})"


class OneTapNonce(models.Model):
    """The server's half of a one-tap answer link: the yes and no links of one message share one row, and the
    first answer given through either uses it up (`used_at`), so a link cannot be replayed by whoever else
    holds the message. A link also stops working at `expires_at` (days after it was sent, never after the
    session starts)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    nonce = models.CharField(max_length=43, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gte=F("created_at")), name="one_tap_nonce_expires_after")
        ]

    def __str__(self):
        return f"One-tap link {self.pk} ({'used' if self.used_at else 'unused'})"
