from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core.exceptions import ValidationError
from django.template.response import TemplateResponse

from . import services
from .forms import AnonymiseForm
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
    readonly_fields = ["erased_at"]
    actions = ["anonymise"]

    # People are never deleted: attendance, answers, support requests and the trails point at them. Removing
    # a person is the "anonymise" action, which runs groups.services.person_anonymise.
    def has_delete_permission(self, request, obj=None):
        return False

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is not None and obj.erased_at:
            return [*fieldsets, ("Anonymised", {"fields": ["erased_at"]})]
        return fieldsets

    @admin.action(description="Anonymise the selected people (their attendance and support records are kept)")
    def anonymise(self, request, queryset):
        form = AnonymiseForm(request.POST if "confirm" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for person in queryset:
                try:
                    services.person_anonymise(
                        person=person, acting_user=request.user, reason=form.cleaned_data["reason"]
                    )
                except ValidationError as error:
                    self.message_user(request, f"{person}: {' '.join(error.messages)}", messages.ERROR)
                else:
                    done += 1
            if done:
                self.message_user(request, f"{done} anonymised. Their records are kept.", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "groups/admin/anonymise_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Anonymise these people?",
                "opts": self.model._meta,
                "people": queryset,
                "form": form,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            },
        )


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
