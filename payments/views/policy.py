"""The organisation's payment policy page (its admins): the current policy as a form, and its version history.
Saving makes a new version; claims already made keep theirs."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.views.generic import TemplateView

from core.money import format_pence

from ..forms.policy import PolicyForm
from ..permissions import OrganisationPaymentsMixin
from ..services import policy as policy_services

HISTORY_SHOWN = 10


def _errors_onto(form: PolicyForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


class PolicyView(OrganisationPaymentsMixin, TemplateView):
    permission = "payments.policy"
    template_name = "payments/policy/policy.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        current = policy_services.policy_current(organisation=self.organisation)
        ctx.setdefault("form", PolicyForm(policy=current))
        versions = policy_services.policy_versions(organisation=self.organisation, limit=HISTORY_SHOWN)
        ctx.update(
            organisation=self.organisation,
            current=current,
            versions=[
                {
                    "policy": v,
                    "hourly": format_pence(v.hourly_rate_pence),
                    "half_day": format_pence(v.half_day_pence),
                    "full_day": format_pence(v.full_day_pence),
                }
                for v in versions
            ],
        )
        return ctx

    def post(self, request, *args, **kwargs):
        form = PolicyForm(request.POST)
        if form.is_valid():
            before = policy_services.policy_current(organisation=self.organisation)
            try:
                policy = policy_services.policy_update(
                    organisation=self.organisation, acting_user=request.user, **form.policy_fields()
                )
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                if policy.pk == before.pk:
                    messages.info(request, "Nothing was changed, so the policy stays as it was.")
                else:
                    messages.success(
                        request,
                        f"Saved as version {policy.version} of the payment policy. It applies to sessions from now "
                        "on, never to claims already made.",
                    )
                return redirect("payments:policy", organisation_id=self.organisation.pk)
        return self.render_to_response(self.get_context_data(form=form))


urlpatterns = [
    path("payments/policy/<int:organisation_id>/", PolicyView.as_view(), name="policy"),
]
