"""The money: each organisation's payment policy, claims made from attendance, their lines and receipts,
payments gathered into runs, reversals, bank details and each parent's payment choices.

Amounts are whole pence (`core.money`). A claim moves through its states only by its transitions
(django-fsm-2, `state` is protected); the services in `payments/services/` call them inside a transaction with
the row locked, record who did what, and check the separation of duties. The database holds what it can: one
claim per person per session, one payment per claim, one reversal per payment, and no one approving or paying
their own claim.
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMField, transition
from encrypted_fields.fields import EncryptedCharField

from groups.models import Organisation
from sessions_app.models import Session, SupportRequest

# --- policy --------------------------------------------------------------------------------------------------


class TimeBasis(models.TextChoices):
    ATTENDED = "attended", "The time they were there (check-in to check-out, within the session's times)"
    SCHEDULED = "scheduled", "The session's scheduled time, for everyone who came"


class Method(models.TextChoices):
    BANK = "bank", "Bank transfer"
    VOUCHER = "voucher", "Shopping voucher"
    CASH = "cash", "Cash"
    CHARITY = "charity", "Give it to a charity"
    NONE = "none", "I'd rather not be paid"


# Methods that move money to the person (a charity gift and "no payment" do not).
METHODS_PAYING_THE_PERSON = (Method.BANK, Method.VOUCHER, Method.CASH)


def default_methods() -> list[str]:
    return [Method.BANK.value, Method.VOUCHER.value, Method.CASH.value, Method.NONE.value]


class PaymentPolicy(models.Model):
    """One version of an organisation's payment policy. A change makes a new version; a claim keeps the version
    it was made under, so a change applies to sessions after it and never to claims already made."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payment_policies")
    version = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    hourly_rate_pence = models.PositiveIntegerField("hourly rate", default=2500)
    half_day_hours = models.PositiveSmallIntegerField("a half day is up to this many hours", default=4)
    half_day_pence = models.PositiveIntegerField("half-day amount", default=7500)
    full_day_pence = models.PositiveIntegerField("full-day amount", default=15000)
    time_basis = models.CharField(
        "what time counts", max_length=10, choices=TimeBasis.choices, default=TimeBasis.ATTENDED
    )
    late_grace_minutes = models.PositiveSmallIntegerField(
        "minutes late or early that still count as the whole session", default=15
    )
    pays_preparation = models.BooleanField("pay preparation time when a session asks for it", default=True)
    methods = models.JSONField("payment methods offered", default=default_methods)
    charity_name = models.CharField("charity a parent may give their payment to", max_length=150, blank=True)
    mileage_pence_per_mile = models.PositiveIntegerField("mileage rate per mile", default=45)
    target_working_days = models.PositiveSmallIntegerField(
        "pay within this many working days of the session", default=2
    )
    benefits_weekly_pence = models.PositiveIntegerField("benefits warning: weekly amount", default=19500)
    benefits_yearly_pence = models.PositiveIntegerField("benefits warning: yearly amount", default=100000)

    class Meta:
        ordering = ["organisation", "-version"]
        verbose_name_plural = "payment policies"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "version"], name="paymentpolicy_one_per_version"),
            models.CheckConstraint(
                condition=Q(half_day_pence__lte=F("full_day_pence")), name="paymentpolicy_half_day_within_full"
            ),
            models.CheckConstraint(
                condition=Q(half_day_hours__gte=1, half_day_hours__lte=12), name="paymentpolicy_half_day_hours"
            ),
            models.CheckConstraint(condition=Q(time_basis__in=TimeBasis.values), name="paymentpolicy_known_basis"),
        ]

    def __str__(self):
        return f"{self.organisation} payment policy v{self.version}"

    def audit_label(self):
        return f"Payment policy version {self.version}"

    def offers(self, method: str) -> bool:
        return method in (self.methods or [])


# --- the person's choices ------------------------------------------------------------------------------------


class PaymentPreference(models.Model):
    """How a person would like to be paid by one organisation, and whether they told us they receive benefits
    (which only turns on the gentle warning)."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payment_preferences")
    method = models.CharField(max_length=8, choices=Method.choices, default=Method.BANK)
    receives_benefits = models.BooleanField("I receive benefits", default=False)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organisation", "person"], name="paymentpreference_one_per_org"),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="paymentpreference_known_method"),
        ]

    def __str__(self):
        return f"Payment preference {self.pk}"


class BankDetails(models.Model):
    """A person's bank account, encrypted at rest (django-fernet-encrypted-fields: keys from SECRET_KEY and
    FIELD_ENCRYPTION_SALT, rotation in docs/SECURITY.md). Pages show `masked`; only a finance officer with a
    recent second sign-in step sees the rest, and each look is in the access trail."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="bank_details")
    account_name = EncryptedCharField(max_length=140)
    sort_code = EncryptedCharField(max_length=8)
    account_number = EncryptedCharField(max_length=8)
    # The last two digits, kept plain so lists can show "ending 12" without decrypting.
    account_number_last2 = models.CharField(max_length=2)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "bank details"

    def __str__(self):
        return f"Bank details {self.pk}"

    @property
    def masked(self) -> str:
        return f"Account ending {self.account_number_last2}"


# --- claims --------------------------------------------------------------------------------------------------


class ClaimState(models.TextChoices):
    MADE = "made", "Waiting for you to check"
    SUBMITTED = "submitted", "Waiting for approval"
    ON_HOLD = "on_hold", "Waiting for your choice"
    APPROVED = "approved", "Approved, on the way"
    PAID = "paid", "Paid"
    DECLINED = "declined", "You chose not to claim"
    REVERSED = "reversed", "Reversed"


# States in which the money is still owed to the person (for "My payments" and the finance officer's list).
OPEN_STATES = (ClaimState.MADE, ClaimState.SUBMITTED, ClaimState.ON_HOLD, ClaimState.APPROVED)


class Claim(models.Model):
    """What one person is owed for one session: their time, and their approved childcare and travel.

    Made when the session's attendance is closed (one per person per session: a unique constraint). The person
    checks and confirms it (`submit`), a facilitator of the session confirms the attendance behind it, a finance
    officer approves it and pays it in a run. Nobody confirms, approves or pays a claim that pays them or that
    they prepared (the services check; the constraints below hold what the database can)."""

    State = ClaimState

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="claims")
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="claims")
    claimant = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="claims")
    policy = models.ForeignKey(PaymentPolicy, on_delete=models.PROTECT, related_name="claims")
    state = FSMField(default=ClaimState.MADE, choices=ClaimState.choices, protected=True, max_length=10)

    created_at = models.DateTimeField(default=timezone.now)
    # Who made it: the facilitator who closed the register (the claim is prepared from their register).
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the money should reach the person by (the policy's target in working days after the session).
    due_on = models.DateField()

    method = models.CharField(max_length=8, choices=Method.choices, default=Method.BANK)
    # "Take less": what the person asked for instead of their participation amount (None: the full amount).
    participation_requested_pence = models.PositiveIntegerField(null=True, blank=True)
    # The person saw the benefits warning and chose to go ahead (or chose less, a voucher, or no payment).
    benefits_acknowledged = models.BooleanField(default=False)
    submitted_at = models.DateTimeField(null=True, blank=True)

    attendance_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    attendance_confirmed_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    run = models.ForeignKey("PaymentRun", null=True, blank=True, on_delete=models.PROTECT, related_name="claims")

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "claimant"], name="claim_one_per_person_per_session"),
            models.CheckConstraint(condition=Q(state__in=ClaimState.values), name="claim_known_state"),
            models.CheckConstraint(condition=Q(method__in=Method.values), name="claim_known_method"),
            models.CheckConstraint(
                condition=Q(attendance_confirmed_by__isnull=True) | ~Q(attendance_confirmed_by=F("claimant")),
                name="claim_attendance_not_by_claimant",
            ),
            models.CheckConstraint(
                condition=Q(attendance_confirmed_by__isnull=True)
                | Q(prepared_by__isnull=True)
                | ~Q(attendance_confirmed_by=F("prepared_by")),
                name="claim_attendance_not_by_preparer",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("claimant")),
                name="claim_approval_not_by_claimant",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | Q(prepared_by__isnull=True) | ~Q(approved_by=F("prepared_by")),
                name="claim_approval_not_by_preparer",
            ),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True)
                | Q(attendance_confirmed_by__isnull=True)
                | ~Q(approved_by=F("attendance_confirmed_by")),
                name="claim_approval_not_by_attendance_confirmer",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "paid"]) | Q(approved_by__isnull=False, approved_at__isnull=False),
                name="claim_approved_has_approver",
            ),
            models.CheckConstraint(
                condition=~Q(state__in=["approved", "paid"]) | Q(attendance_confirmed_by__isnull=False),
                name="claim_approved_has_attendance_confirmed",
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "state", "due_on"], name="claim_org_state_due"),
            models.Index(fields=["claimant", "state"], name="claim_claimant_state"),
            models.Index(fields=["session", "state"], name="claim_session_state"),
        ]

    def __str__(self):
        return f"Claim {self.pk}"

    def get_absolute_url(self):
        return reverse("payments:claim", args=[self.pk])

    # --- transitions: the only way `state` changes. Services call them with the row locked. ---------------

    @transition(field=state, source=ClaimState.MADE, target=ClaimState.SUBMITTED)
    def submit(self):
        self.submitted_at = timezone.now()

    @transition(field=state, source=[ClaimState.MADE, ClaimState.ON_HOLD], target=ClaimState.DECLINED)
    def decline(self):
        pass

    @transition(field=state, source=ClaimState.SUBMITTED, target=ClaimState.ON_HOLD)
    def hold(self):
        pass

    @transition(field=state, source=ClaimState.ON_HOLD, target=ClaimState.SUBMITTED)
    def resume(self):
        pass

    @transition(field=state, source=ClaimState.SUBMITTED, target=ClaimState.MADE)
    def return_to_claimant(self):
        """A finance officer sends a claim back (a line was refused): the person answers and confirms again."""
        self.submitted_at = None

    @transition(field=state, source=ClaimState.SUBMITTED, target=ClaimState.APPROVED)
    def approve(self, *, by):
        self.approved_by = by
        self.approved_at = timezone.now()

    @transition(field=state, source=ClaimState.APPROVED, target=ClaimState.PAID)
    def mark_paid(self):
        pass

    @transition(field=state, source=ClaimState.PAID, target=ClaimState.REVERSED)
    def reverse(self):
        pass


class LineKind(models.TextChoices):
    PARTICIPATION = "participation", "Your time"
    CHILDCARE = "childcare", "Childcare"
    TRAVEL = "travel", "Travel"
    OTHER = "other", "Other costs"


# Lines that repay costs (expenses): never counted towards the benefits amounts.
EXPENSE_KINDS = (LineKind.CHILDCARE, LineKind.TRAVEL, LineKind.OTHER)


class TravelBasis(models.TextChoices):
    RECEIPT = "receipt", "A ticket or receipt"
    MILEAGE = "mileage", "Miles driven"


class LineStatus(models.TextChoices):
    OPEN = "open", "Waiting"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Not accepted"


class ClaimLine(models.Model):
    """One amount on a claim: the person's time, or a cost to repay (from an approved support request)."""

    Kind = LineKind
    Status = LineStatus

    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="lines")
    kind = models.CharField(max_length=14, choices=LineKind.choices)
    description = models.CharField(max_length=200)
    support_request = models.OneToOneField(
        SupportRequest, null=True, blank=True, on_delete=models.PROTECT, related_name="claim_line"
    )
    minutes = models.PositiveIntegerField(null=True, blank=True)  # participation: the time counted
    travel_basis = models.CharField(max_length=8, choices=TravelBasis.choices, blank=True)
    miles_tenths = models.PositiveIntegerField(null=True, blank=True)  # mileage, in tenths of a mile
    amount_pence = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=LineStatus.choices, default=LineStatus.OPEN)
    rejection_reason = models.TextField(blank=True)
    claimant_reply = models.TextField(blank=True)

    class Meta:
        ordering = ["claim", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=LineKind.values), name="claimline_known_kind"),
            models.CheckConstraint(condition=Q(status__in=LineStatus.values), name="claimline_known_status"),
            models.CheckConstraint(
                condition=~Q(status="rejected") | ~Q(rejection_reason=""), name="claimline_rejection_has_reason"
            ),
            models.UniqueConstraint(
                fields=["claim"], condition=Q(kind="participation"), name="claimline_one_participation"
            ),
        ]

    def __str__(self):
        return f"Claim line {self.pk}"


class Receipt(models.Model):
    """A photo or PDF of a ticket or receipt, attached to a line. Checked by content (the `filetype` library),
    not by its name; served only to the claimant and the organisation's finance officers."""

    line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT, related_name="receipts")
    file = models.FileField(upload_to="receipts/%Y/%m/")
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    original_name = models.CharField(max_length=150, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["line", "uploaded_at"]

    def __str__(self):
        return f"Receipt {self.pk}"


class AmountChange(models.Model):
    """A line's amount changed after approval: the old and new amounts and why. Never edited."""

    line = models.ForeignKey(ClaimLine, on_delete=models.PROTECT, related_name="amount_changes")
    old_pence = models.PositiveIntegerField()
    new_pence = models.PositiveIntegerField()
    reason = models.TextField()
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["changed_at"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="amountchange_has_reason")]

    def __str__(self):
        return f"Amount change {self.pk}"


# --- runs, payments and reversals ----------------------------------------------------------------------------


class RunState(models.TextChoices):
    OPEN = "open", "Being prepared"
    PAID = "paid", "Paid"


class PaymentRun(models.Model):
    """Approved claims gathered by a finance officer, exported for the bank or voucher supplier, and marked paid
    in one step with the payment reference. A paid run is never edited or deleted."""

    State = RunState

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payment_runs")
    state = FSMField(default=RunState.OPEN, choices=RunState.choices, protected=True, max_length=6)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_at = models.DateTimeField(null=True, blank=True)
    reference = models.CharField("payment reference", max_length=60, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=RunState.values), name="paymentrun_known_state"),
            models.CheckConstraint(
                condition=~Q(state="paid") | (Q(paid_at__isnull=False) & ~Q(reference="")),
                name="paymentrun_paid_has_reference",
            ),
        ]
        indexes = [models.Index(fields=["organisation", "state", "created_at"], name="paymentrun_org_state")]

    def __str__(self):
        return f"Payment run {self.pk}"

    def get_absolute_url(self):
        return reverse("payments:run", args=[self.pk])

    def audit_label(self):
        return f"Payment run {self.pk}"

    @transition(field=state, source=RunState.OPEN, target=RunState.PAID)
    def mark_paid(self, *, by, reference: str):
        self.paid_by = by
        self.paid_at = timezone.now()
        self.reference = reference


class Payment(models.Model):
    """Money sent for one claim: one row per claim at most (the database's guarantee against paying twice).
    Never edited or deleted; a mistake is put right by a Reversal."""

    claim = models.OneToOneField(Claim, on_delete=models.PROTECT, related_name="payment")
    run = models.ForeignKey(PaymentRun, on_delete=models.PROTECT, related_name="payments")
    method = models.CharField(max_length=8, choices=Method.choices)
    participation_pence = models.PositiveIntegerField()
    expenses_pence = models.PositiveIntegerField()
    paid_at = models.DateTimeField(default=timezone.now)
    paid_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["paid_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(method__in=Method.values), name="payment_known_method"),
        ]
        indexes = [models.Index(fields=["paid_at"], name="payment_paid_at")]

    def __str__(self):
        return f"Payment {self.pk}"

    @property
    def total_pence(self) -> int:
        return self.participation_pence + self.expenses_pence


class Reversal(models.Model):
    """A payment put right: a new, recorded entry with the reason (the payment itself is never changed)."""

    payment = models.OneToOneField(Payment, on_delete=models.PROTECT, related_name="reversal")
    reason = models.TextField()
    reversed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reversed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="reversal_has_reason")]

    def __str__(self):
        return f"Reversal {self.pk}"
