"""The "who": people, organisations, staff roles, groups, memberships and working-together agreements."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, email):
        return self.get(email__iexact=email)


class User(AbstractBaseUser, PermissionsMixin):
    """A person: parent or carer, professional, facilitator or staff. Email is the sign-in name."""

    class ContactPreference(models.TextChoices):
        EMAIL = "email", "Email"
        TEXT = "text", "Text message"
        BOTH = "both", "Email and text message"

    email = models.EmailField("email address", unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    preferred_name = models.CharField(
        "what you like to be called",
        max_length=80,
        blank=True,
        help_text="The name we use when we talk to you, for example on name badges and in messages.",
    )
    name_pronunciation = models.CharField(
        "how to say your name",
        max_length=120,
        blank=True,
        help_text="Optional. For example: Shiv-AWN for Siobhan.",
    )
    pronouns = models.CharField("pronouns", max_length=40, blank=True, help_text="Optional. For example: she/her.")
    phone = models.CharField(
        "mobile phone number",
        max_length=32,
        blank=True,
        help_text="Only needed if you would like text messages.",
    )
    contact_preference = models.CharField(
        "how we contact you", max_length=8, choices=ContactPreference.choices, default=ContactPreference.EMAIL
    )
    preferred_language = models.CharField("language you prefer", max_length=60, default="English")
    access_needs = models.TextField(
        "anything that helps you take part",
        blank=True,
        help_text="For example: step-free access, large print, a quiet room, an interpreter.",
    )
    is_staff = models.BooleanField(
        "can use the admin site",
        default=False,
        help_text="Only for the people who look after this coprod installation.",
    )
    is_active = models.BooleanField(default=True)
    date_joined = models.DateTimeField(default=timezone.now)
    # Set when the person was anonymised (groups.services.person_anonymise): the row stays, so the evidence
    # that points at it (attendance, support, payments) stays true, but nothing on it says who they were.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Texts go only to a confirmed phone (groups/phone.py): a code sent by text proves the number is theirs.
    # Changing the number un-confirms it. Only a keyed hash of the code is kept, with when it was sent and how
    # many wrong tries it has had.
    phone_confirmed_at = models.DateTimeField(null=True, blank=True, editable=False)
    phone_code_hash = models.CharField(max_length=200, blank=True, editable=False)
    phone_code_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    phone_code_tries = models.PositiveSmallIntegerField(default=0, editable=False)
    # An organisation admin asked for this person to be offered two-step sign-in (groups.services
    # .two_step_request). Staff are offered it anyway; parents and carers only when this is on.
    two_step_requested = models.BooleanField("two-step sign-in asked for", default=False, editable=False)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        ordering = ["full_name", "email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_ci_unique"),
            models.CheckConstraint(
                condition=~Q(contact_preference__in=["text", "both"]) | ~Q(phone=""),
                name="user_text_needs_phone",
                violation_error_message="Add a mobile phone number to get text messages.",
            ),
        ]

    def __str__(self):
        return self.display_name

    def audit_label(self):
        """The audit trail names a person by number only: it is kept after they are erased."""
        return f"Person {self.pk}"

    def clean(self):
        super().clean()
        self.email = (self.email or "").strip().lower()

    @property
    def display_name(self):
        return self.preferred_name or self.full_name or self.email.split("@")[0]

    def get_full_name(self):
        return self.full_name or self.display_name

    def get_short_name(self):
        return self.display_name


class ErasureReason(models.TextChoices):
    """Why a person was anonymised (groups.services.person_anonymise). A fixed list, so the audit trail never
    holds free text about them."""

    ASKED = "asked", "They asked us to remove their details"
    NOT_NEEDED = "not_needed", "We no longer need their details"
    OTHER = "other", "Another reason, recorded outside coprod"


class Organisation(models.Model):
    """A partnership that runs co-production groups. Nothing of one organisation is visible to another."""

    name = models.CharField(max_length=150, unique=True)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name

    def audit_label(self):
        return self.name


class StaffRoleChoices(models.TextChoices):
    ADMIN = "admin", "Organisation admin"
    FACILITATOR = "facilitator", "Facilitator"
    GOVERNANCE_LEAD = "governance_lead", "Governance lead"
    SAFEGUARDING_LEAD = "safeguarding_lead", "Safeguarding lead"
    FINANCE_OFFICER = "finance_officer", "Finance officer"


class StaffRole(models.Model):
    """A staff role a person holds in an organisation. Parents and carers hold none."""

    Role = StaffRoleChoices

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="staff_roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_roles")
    role = models.CharField(max_length=24, choices=Role.choices)
    granted_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "role"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "user", "role"], name="staffrole_unique"),
            models.CheckConstraint(condition=Q(role__in=StaffRoleChoices.values), name="staffrole_known_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()} at {self.organisation}"


class GroupKind(models.TextChoices):
    COPRODUCTION = "coproduction", "Co-production group"
    WORKING = "working", "Working group"
    STEERING = "steering", "Steering group"
    GOVERNANCE = "governance", "Governance committee"


class Group(models.Model):
    """A co-production group, working group, steering group or governance committee."""

    Kind = GroupKind

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.COPRODUCTION)
    purpose = models.TextField(help_text="In plain words: why this group meets and what it hopes to change.")
    parent_quorum = models.PositiveSmallIntegerField(
        "parents needed for a meeting to count",
        default=0,
        help_text="How many parents or carers with lived experience must be there for a meeting to count. "
        "0 means no rule.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    archived_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="group_name_unique_in_org"),
            models.CheckConstraint(condition=Q(kind__in=GroupKind.values), name="group_known_kind"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("groups:detail", args=[self.pk])

    def audit_label(self):
        return self.name

    @property
    def has_quorum_rule(self):
        return self.parent_quorum > 0

    @staticmethod
    def default_quorum_for(kind):
        """Governance committees need two parents present by default; other groups have no rule."""
        return 2 if kind == Group.Kind.GOVERNANCE else 0


class MembershipQuerySet(models.QuerySet):
    def active(self):
        return self.filter(left_at__isnull=True)


class MembershipRole(models.TextChoices):
    PARENT = "parent", "Parent or carer with lived experience"
    PROFESSIONAL = "professional", "Professional"
    FACILITATOR = "facilitator", "Facilitator"


class Membership(models.Model):
    """A person's place in a group. Leaving keeps the row (with left_at) so history is kept."""

    Role = MembershipRole

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices)
    joined_at = models.DateTimeField(default=timezone.now)
    left_at = models.DateTimeField(null=True, blank=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["group", "user__full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], condition=Q(left_at__isnull=True), name="membership_one_active_per_group"
            ),
            models.CheckConstraint(condition=Q(role__in=MembershipRole.values), name="membership_known_role"),
            models.CheckConstraint(
                condition=Q(left_at__isnull=True) | Q(left_at__gte=models.F("joined_at")),
                name="membership_left_after_joined",
            ),
        ]
        indexes = [models.Index(fields=["user", "left_at"])]

    def __str__(self):
        return f"{self.user} in {self.group} ({self.get_role_display()})"

    @property
    def is_active(self):
        return self.left_at is None


class PathwayRoleChoices(models.TextChoices):
    AMBASSADOR = "ambassador", "Parent ambassador"
    CHAMPION = "champion", "Parent champion"
    MENTOR = "mentor", "Family mentor"
    SUPPORTER = "supporter", "Parent supporter"


class PathwayRole(models.Model):
    """A parent's role on the parent pathway (ambassador, champion, mentor, supporter), with dates."""

    Role = PathwayRoleChoices

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pathway_roles")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pathway_roles")
    role = models.CharField(max_length=16, choices=Role.choices)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="pathwayrole_ends_after_start",
                violation_error_message="The end date must be on or after the start date.",
            ),
            models.CheckConstraint(condition=Q(role__in=PathwayRoleChoices.values), name="pathwayrole_known_role"),
        ]

    def __str__(self):
        return f"{self.user} — {self.get_role_display()}"

    def is_current(self, on=None):
        on = on or timezone.localdate()
        return self.starts_on <= on and (self.ends_on is None or self.ends_on >= on)


class AgreementVersion(models.Model):
    """One version of a group's working-together agreement. A new version asks every member again."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="agreement_versions")
    number = models.PositiveIntegerField()
    text = models.TextField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(fields=["group", "number"], name="agreement_version_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="agreement_version_positive"),
        ]

    def __str__(self):
        return f"{self.group} agreement, version {self.number}"

    def audit_label(self):
        return str(self)


class Acknowledgement(models.Model):
    """A member's acknowledgement of one agreement version."""

    version = models.ForeignKey(AgreementVersion, on_delete=models.CASCADE, related_name="acknowledgements")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="acknowledgements")
    acknowledged_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["version", "user"], name="acknowledgement_once")]

    def __str__(self):
        return f"{self.user} acknowledged {self.version}"


class Invitation(models.Model):
    """An invitation by email into a group. The token is only ever sent by email."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    full_name = models.CharField(max_length=150, blank=True)
    role = models.CharField(max_length=16, choices=Membership.Role.choices, default=Membership.Role.PARENT)
    token = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                "group",
                condition=Q(accepted_at__isnull=True, revoked_at__isnull=True),
                name="invitation_one_open_per_email_group",
            ),
        ]

    def __str__(self):
        return f"Invitation for {self.email} to {self.group}"

    @property
    def is_open(self):
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()
