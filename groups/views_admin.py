"""Organisation administration in the app, for organisation admins: the overview, staff and their roles
(invite, change, remove), and the page that asks staff to set up two-step sign-in.

Thin views: `OrganisationAdminMixin` finds the organisation and refuses (sign-in for anonymous visitors, 404
outside the organisation, 403 inside it without the admin role) through the one permission policy
("organisation.administer"); one service does the work; its ValidationError goes back into the form.
Venues and reminder settings are sessions_app's: sessions_app/views/orgadmin.py, with the same mixin.
"""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views.generic import FormView, TemplateView

from core.forms import ServiceFormMixin, safe_next_url

from . import services
from .forms_admin import StaffInviteForm, StaffRolesForm
from .middleware import ROLES_NEEDING_TWO_STEP, has_two_step, staff_roles_of
from .models import Organisation, StaffRole, User
from .permissions import PermissionMixin

STAFF_PER_PAGE = 25


class OrganisationAdminMixin(PermissionMixin):
    """For pages of one organisation that only its admins open (URL keyword `organisation_id`)."""

    permission = "organisation.administer"

    def get_permission_object(self):
        self.organisation = get_object_or_404(Organisation, pk=self.kwargs["organisation_id"])
        return self.organisation

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "organisation": self.organisation}


class OverviewView(OrganisationAdminMixin, TemplateView):
    """What an organisation admin looks after, one link each."""

    template_name = "groups/orgadmin/overview.html"


def _staff_of(organisation: Organisation):
    """People with a staff role in the organisation, each with those roles (one query for the roles)."""
    return (
        User.objects.filter(staff_roles__organisation=organisation)
        .distinct()
        .order_by("full_name", "email", "pk")
        .prefetch_related(
            Prefetch(
                "staff_roles",
                queryset=StaffRole.objects.filter(organisation=organisation).order_by("role"),
                to_attr="roles_here",
            )
        )
    )


class StaffListView(OrganisationAdminMixin, TemplateView):
    """The organisation's staff and their roles, 25 to a page."""

    template_name = "groups/orgadmin/staff_list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        page = Paginator(_staff_of(self.organisation), STAFF_PER_PAGE).get_page(self.request.GET.get("page"))
        ctx.update(page=page, people=page.object_list)
        return ctx


class StaffInviteView(OrganisationAdminMixin, ServiceFormMixin, FormView):
    template_name = "groups/orgadmin/staff_invite.html"
    form_class = StaffInviteForm

    def perform(self, form):
        data = form.cleaned_data
        staff_role = services.staff_invite(
            organisation=self.organisation,
            email=data["email"],
            full_name=data["full_name"],
            role=data["role"],
            acting_user=self.request.user,
        )
        messages.success(
            self.request,
            f"{staff_role.user.email} is now {staff_role.get_role_display().lower()}. "
            "We have emailed them how to sign in.",
        )
        return redirect("orgadmin:staff", organisation_id=self.organisation.pk)


class StaffPersonMixin(OrganisationAdminMixin):
    """A page about one person's staff roles: a person with no role here is not found."""

    def check_permission(self, request):
        super().check_permission(request)  # refuses first, so nobody learns who is staff elsewhere
        self.person = _staff_of(self.organisation).filter(pk=self.kwargs["user_id"]).first()
        if self.person is None:
            raise Http404("Not found")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "person": self.person}


class StaffEditView(StaffPersonMixin, ServiceFormMixin, FormView):
    template_name = "groups/orgadmin/staff_edit.html"
    form_class = StaffRolesForm

    def get_initial(self):
        return {"roles": [r.role for r in self.person.roles_here]}

    def perform(self, form):
        change = services.staff_roles_set(
            organisation=self.organisation,
            user=self.person,
            roles=form.cleaned_data["roles"],
            acting_user=self.request.user,
        )
        if change["added"] or change["removed"]:
            messages.success(self.request, f"{self.person.display_name}’s roles have been changed.")
        else:
            messages.info(self.request, "Nothing was changed.")
        return redirect("orgadmin:staff", organisation_id=self.organisation.pk)


class StaffRemoveView(StaffPersonMixin, TemplateView):
    """A confirmation page; removing takes the person out of the organisation (`person_remove_from_organisation`:
    their staff roles and group memberships end, and what rested on them)."""

    template_name = "groups/orgadmin/staff_remove.html"

    def post(self, request, *args, **kwargs):
        try:
            services.person_remove_from_organisation(
                organisation=self.organisation, person=self.person, acting_user=request.user
            )
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
            return redirect("orgadmin:staff_remove", organisation_id=self.organisation.pk, user_id=self.person.pk)
        messages.success(request, f"{self.person.display_name} has been removed from {self.organisation}.")
        return redirect("orgadmin:staff", organisation_id=self.organisation.pk)


class TwoStepSetupView(LoginRequiredMixin, TemplateView):
    """ "Set up two-step sign-in": why, which app, then allauth's page that adds the key. Anyone signed in may
    open it; staff whose role needs it are sent here until they have done it (groups.middleware)."""

    template_name = "groups/orgadmin/two_step_setup.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        needing = sorted(staff_roles_of(user) & ROLES_NEEDING_TWO_STEP)
        ctx.update(
            roles_needing=[StaffRole.Role(r).label for r in needing],
            has_two_step=has_two_step(user),
            next_url=safe_next_url(self.request, self.request.GET.get("next"), default=reverse("home")),
        )
        return ctx
