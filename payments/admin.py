"""A read-only admin for the people who look after the installation: they can look, never change. Money moves
only through the services (which check the separation of duties and write the audit trail), so nothing here
adds, changes or deletes a claim, a payment or a run. Bank details are not registered at all: only a finance
officer with a recent second step sees them, through the app, with every look recorded."""

from django.contrib import admin

from .models import AmountChange, Claim, ClaimLine, Payment, PaymentPolicy, PaymentRun, Reversal


class ReadOnlyMixin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(ReadOnlyMixin, admin.ModelAdmin):
    actions = None


class LineInline(ReadOnlyMixin, admin.TabularInline):
    model = ClaimLine
    extra = 0
    fields = ["kind", "description", "minutes", "amount_pence", "status", "rejection_reason"]
    readonly_fields = fields
    show_change_link = False


@admin.register(PaymentPolicy)
class PaymentPolicyAdmin(ReadOnlyAdmin):
    list_display = ["organisation", "version", "created_at", "hourly_rate_pence", "target_working_days"]
    list_filter = ["organisation"]


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ["pk", "organisation", "session", "state", "method", "due_on", "run"]
    list_filter = ["organisation", "state", "method"]
    list_select_related = ["organisation", "session", "run"]
    raw_id_fields = ["session", "claimant", "policy", "prepared_by", "attendance_confirmed_by", "approved_by", "run"]
    date_hierarchy = "created_at"
    inlines = [LineInline]


@admin.register(PaymentRun)
class PaymentRunAdmin(ReadOnlyAdmin):
    list_display = ["pk", "organisation", "state", "created_at", "paid_at", "reference"]
    list_filter = ["organisation", "state"]
    raw_id_fields = ["created_by", "paid_by"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ["pk", "claim", "run", "method", "participation_pence", "expenses_pence", "paid_at"]
    list_filter = ["method"]
    list_select_related = ["claim", "run"]
    raw_id_fields = ["claim", "run", "paid_by"]
    date_hierarchy = "paid_at"


@admin.register(Reversal)
class ReversalAdmin(ReadOnlyAdmin):
    list_display = ["pk", "payment", "reversed_at"]
    raw_id_fields = ["payment", "reversed_by"]


@admin.register(AmountChange)
class AmountChangeAdmin(ReadOnlyAdmin):
    list_display = ["pk", "line", "old_pence", "new_pence", "changed_at"]
    raw_id_fields = ["line", "changed_by"]
