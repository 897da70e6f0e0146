from django.contrib import admin

from notifications.admin import MessageAdmin as NotificationsMessageAdmin

from .models import (
    SESSION_TOPIC,
    Action,
    AgendaItem,
    Break,
    CheckIn,
    Debrief,
    Decision,
    FacilitatorAlert,
    FollowUp,
    GlossaryTerm,
    Message,
    PreparationMaterial,
    QuorumCheck,
    QuorumRecord,
    ReminderSettings,
    Rsvp,
    Session,
    SessionFacilitator,
    SupportRequest,
    Venue,
    Win,
)


@admin.register(Venue)
class VenueAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "step_free", "parking", "baby_changing", "quiet_room"]
    list_filter = ["organisation"]


@admin.register(GlossaryTerm)
class GlossaryTermAdmin(admin.ModelAdmin):
    list_display = ["abbreviation", "meaning", "group"]
    list_filter = ["group"]


class FacilitatorInline(admin.TabularInline):
    model = SessionFacilitator
    extra = 0
    autocomplete_fields = ["user"]


class AgendaInline(admin.TabularInline):
    model = AgendaItem
    extra = 0


class BreakInline(admin.TabularInline):
    model = Break
    extra = 0


class PreparationInline(admin.StackedInline):
    model = PreparationMaterial
    extra = 0
    autocomplete_fields = ["added_by"]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["title", "group", "starts_at", "format", "status"]
    list_filter = ["status", "format", "group__organisation"]
    list_select_related = ["group"]
    search_fields = ["title"]
    date_hierarchy = "starts_at"
    inlines = [FacilitatorInline, AgendaInline, BreakInline, PreparationInline]
    autocomplete_fields = ["created_by"]


@admin.register(Rsvp)
class RsvpAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "answer", "waitlisted_at", "updated_at"]
    list_filter = ["answer"]
    list_select_related = ["user", "session"]


@admin.register(SupportRequest)
class SupportRequestAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "kind", "status", "expected_cost_pence", "approved_amount_pence"]
    list_filter = ["kind", "status"]
    list_select_related = ["user", "session"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["user", "session", "checked_in_at", "checked_out_at", "wants_to_talk"]
    list_select_related = ["user", "session"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["person", "session", "reason", "assigned_to", "due_on", "closed_at"]
    list_select_related = ["person", "session", "assigned_to"]


for model in (Debrief, Decision, Action, Win):
    admin.site.register(model)


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "chaser_days_before",
        "first_reminder_days_before",
        "last_reminder_hours_before",
        "quiet_from",
        "quiet_until",
    ]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Logs and records written by the checks: staff read them here; nobody edits them by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Message)
class MessageAdmin(NotificationsMessageAdmin):
    """Messages about sessions: the notifications log narrowed to session topics, read-only, links redacted."""

    def get_queryset(self, request):
        return super().get_queryset(request).filter(topic__startswith=f"{SESSION_TOPIC}:")


@admin.register(QuorumCheck)
class QuorumCheckAdmin(ReadOnlyAdmin):
    list_display = ["session", "hours_before", "parents_yes", "required", "met", "checked_at"]
    list_select_related = ["session"]


@admin.register(QuorumRecord)
class QuorumRecordAdmin(ReadOnlyAdmin):
    list_display = ["session", "parents_present", "required", "quorate", "recorded_at"]
    list_select_related = ["session"]


@admin.register(FacilitatorAlert)
class FacilitatorAlertAdmin(ReadOnlyAdmin):
    list_display = ["session", "problem", "raised_at"]
    list_select_related = ["session"]
