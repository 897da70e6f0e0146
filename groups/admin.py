from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Invitation,
    Membership,
    Organisation,
    PathwayRole,
    StaffRole,
    User,
)


class StaffRoleInline(admin.TabularInline):
    model = StaffRole
    extra = 0
    fk_name = "user"


class PathwayRoleInline(admin.TabularInline):
    model = PathwayRole
    extra = 0


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "preferred_name", "contact_preference", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "contact_preference"]
    search_fields = ["email", "full_name", "preferred_name"]
    inlines = [StaffRoleInline, PathwayRoleInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "About them",
            {
                "fields": [
                    "full_name",
                    "preferred_name",
                    "name_pronunciation",
                    "pronouns",
                    "preferred_language",
                    "access_needs",
                ]
            },
        ),
        ("Contact", {"fields": ["phone", "contact_preference"]}),
        ("Access", {"fields": ["is_active", "is_staff", "is_superuser"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})]
    filter_horizontal = []


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(StaffRole)
class StaffRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "granted_at"]
    list_filter = ["organisation", "role"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user"]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    fk_name = "group"
    autocomplete_fields = ["user"]
    readonly_fields = ["added_by"]


@admin.register(Group)
class GroupAdmin(admin.ModelAdmin):
    list_display = ["name", "organisation", "kind", "parent_quorum", "archived_at"]
    list_filter = ["organisation", "kind"]
    list_select_related = ["organisation"]
    search_fields = ["name"]
    inlines = [MembershipInline]


@admin.register(PathwayRole)
class PathwayRoleAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "role", "starts_on", "ends_on"]
    list_filter = ["organisation", "role"]
    list_select_related = ["user", "organisation"]
    autocomplete_fields = ["user"]


@admin.register(AgreementVersion)
class AgreementVersionAdmin(admin.ModelAdmin):
    list_display = ["group", "number", "created_by", "created_at"]
    list_select_related = ["group", "created_by"]
    readonly_fields = ["group", "number", "text", "created_by", "created_at"]

    def has_add_permission(self, request):
        return False  # versions are made through the group's agreement page, which numbers them


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "acknowledged_at"]
    list_select_related = ["user", "version", "version__group"]
    readonly_fields = ["user", "version", "acknowledged_at"]

    def has_add_permission(self, request):
        return False


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "group", "role", "invited_by", "created_at", "expires_at", "accepted_at", "revoked_at"]
    list_filter = ["group__organisation", "role"]
    list_select_related = ["group", "invited_by"]
    exclude = ["token"]
    readonly_fields = ["accepted_at", "accepted_by"]
