from django.contrib import admin
from django.utils.html import format_html_join

from .models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    """The message log, read-only. Staff never see a personal link: bodies are shown redacted, and the link a
    message points to is not shown at all."""

    list_display = ["recipient", "kind_label", "channel", "status", "topic", "created_at", "sent_at", "attempts"]
    list_filter = ["status", "channel", "kind"]
    list_select_related = ["person"]
    search_fields = ["topic", "kind", "key", "address", "person__email", "person__full_name"]
    date_hierarchy = "created_at"
    fields = [
        "recipient",
        "channel",
        "kind_label",
        "key",
        "topic",
        "organisation_id",
        "subject",
        "body_shown",
        "status",
        "send_after",
        "attempts",
        "created_at",
        "claimed_at",
        "sent_at",
        "error",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="kind", ordering="kind")
    def kind_label(self, obj):
        return obj.get_kind_display()

    @admin.display(description="body")
    def body_shown(self, obj):
        return format_html_join("", "{}<br>", ((line,) for line in obj.body_for_staff.splitlines()))
