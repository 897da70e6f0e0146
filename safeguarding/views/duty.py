"""The safeguarding lead on duty for a session: those who manage the session choose one of the organisation's
safeguarding leads; the session page names them (safeguarding/sections.py)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import path
from django.views.generic import FormView

from core.forms import ServiceFormMixin
from sessions_app.permissions import SessionPermissionMixin

from ..services import duty as services
from ..services.alerts import leads_of


class DutyForm(forms.Form):
    lead = forms.TypedChoiceField(
        label="Who is the safeguarding lead on duty for this session?",
        coerce=int,
        widget=forms.RadioSelect,
        help_text="People at the session will see this name, so they know whom to tell if they are worried.",
        error_messages={"required": "Choose the lead on duty.", "invalid_choice": "Choose one of the leads listed."},
    )

    def __init__(self, *args, leads=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.leads = {u.pk: u for u in leads}
        self.fields["lead"].choices = [(u.pk, u.display_name) for u in leads]


class DutyView(SessionPermissionMixin, ServiceFormMixin, FormView):
    permission = "session.manage"
    template_name = "safeguarding/duty/duty.html"
    form_class = DutyForm

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        self.leads = leads_of(organisation_id=self.session.group.organisation_id)
        kwargs["leads"] = self.leads
        return kwargs

    def get_initial(self):
        on_duty = services.session_on_duty(session=self.session)
        self.on_duty = on_duty
        return {"lead": on_duty.lead.pk} if on_duty.lead else {}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if not hasattr(self, "on_duty"):
            self.on_duty = services.session_on_duty(session=self.session)
        ctx.update(on_duty=self.on_duty, leads=self.leads)
        return ctx

    def perform(self, form):
        lead = form.leads[form.cleaned_data["lead"]]
        services.session_duty_set(session=self.session, lead=lead, acting_user=self.request.user)
        messages.success(self.request, f"{lead.display_name} is the safeguarding lead on duty for this session.")
        return redirect(self.session)


urlpatterns = [
    path("safeguarding/sessions/<int:session_id>/duty/", DutyView.as_view(), name="duty"),
]
