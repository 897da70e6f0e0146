"""The trails in the admin site: readable, searchable, never editable."""

from django.contrib import admin

from .models import AccessEvent, AuditEvent


class TrailAdmin(admin.ModelAdmin):
    list_select_related = ("actor",)
    search_fields = ("object_type", "object_id", "object_repr", "actor__email", "actor_label")
    date_hierarchy = "at"
    list_per_page = 50
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(TrailAdmin):
    list_display = ("at", "action", "actor_display", "organisation_id", "object_type", "object_id", "object_repr")
    list_filter = ("action",)


@admin.register(AccessEvent)
class AccessEventAdmin(TrailAdmin):
    list_display = ("at", "kind", "actor_display", "organisation_id", "object_type", "object_id", "ip_address")
    list_filter = ("kind",)
