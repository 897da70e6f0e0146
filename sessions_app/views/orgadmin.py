"""The organisation admin's pages about sessions: venues (add, change, retire) and reminder settings (when
reminders go out, quiet hours for texts). Same refusals as the other organisation administration pages
(groups.views_admin.OrganisationAdminMixin: "organisation.administer")."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from core.forms import ServiceFormMixin
from groups.views_admin import OrganisationAdminMixin

from .. import services
from ..forms.orgadmin import ReminderSettingsForm, VenueEditForm
from ..forms.scheduling import VenueForm
from ..messaging import reminder_settings_for
from ..models import Venue

T = "sessions_app/orgadmin/"


class VenuesView(OrganisationAdminMixin, ServiceFormMixin, FormView):
    """The organisation's venues, those in use first, with a form to add one."""

    template_name = T + "venues.html"
    form_class = VenueForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisations": [self.organisation]}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        venues = list(Venue.objects.filter(organisation=self.organisation).order_by("name"))
        ctx.update(
            venues=[v for v in venues if v.retired_at is None],
            retired=[v for v in venues if v.retired_at is not None],
        )
        return ctx

    def perform(self, form):
        data = dict(form.cleaned_data)
        data.pop("organisation", None)  # this page is about one organisation: self.organisation
        venue = services.venue_create(organisation=self.organisation, acting_user=self.request.user, **data)
        messages.success(self.request, f"{venue.name} has been added to your venues.")
        return redirect("sessions_app:org_venues", organisation_id=self.organisation.pk)


class VenueMixin(OrganisationAdminMixin):
    """A page about one venue of the organisation: another organisation's venue, or none, is not found."""

    def check_permission(self, request):
        super().check_permission(request)
        self.venue = Venue.objects.filter(organisation=self.organisation, pk=self.kwargs["venue_id"]).first()
        if self.venue is None:
            raise Http404("Not found")

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "venue": self.venue}


class VenueEditView(VenueMixin, ServiceFormMixin, FormView):
    template_name = T + "venue_edit.html"
    form_class = VenueEditForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": self.venue}  # the service saves from a fresh copy

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in VenueEditForm.Meta.fields}
        venue = services.venue_update(venue=self.venue, acting_user=self.request.user, **fields)
        messages.success(self.request, f"{venue.name} has been saved.")
        return redirect("sessions_app:org_venues", organisation_id=self.organisation.pk)


class VenueRetireView(VenueMixin, TemplateView):
    """A confirmation page; retiring keeps the venue on the sessions already there."""

    template_name = T + "venue_retire.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["sessions_to_come"] = self.venue.sessions.filter(starts_at__gte=timezone.now()).count()
        return ctx

    def post(self, request, *args, **kwargs):
        services.venue_retire(venue=self.venue, acting_user=request.user)
        messages.success(request, f"{self.venue.name} will not be offered for new sessions.")
        return redirect("sessions_app:org_venues", organisation_id=self.organisation.pk)


class ReminderSettingsView(OrganisationAdminMixin, ServiceFormMixin, FormView):
    template_name = T + "reminder_settings.html"
    form_class = ReminderSettingsForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "instance": reminder_settings_for(self.organisation.pk)}

    def perform(self, form):
        fields = {name: form.cleaned_data[name] for name in ReminderSettingsForm.Meta.fields}
        services.reminder_settings_update(organisation=self.organisation, acting_user=self.request.user, **fields)
        messages.success(self.request, "The reminder settings have been saved.")
        return redirect("sessions_app:reminder_settings", organisation_id=self.organisation.pk)
