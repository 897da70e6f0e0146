"""The finance officer's home for one organisation: the claims waiting for them, oldest first, and the payment
runs being prepared."""

from django.urls import path, reverse
from django.views.generic import TemplateView

from groups.permissions import has_perm

from ..permissions import OrganisationPaymentsMixin
from ..selectors import finance as selectors


class FinanceHomeView(OrganisationPaymentsMixin, TemplateView):
    permission = "payments.finance"
    template_name = "payments/finance/home.html"

    def get_context_data(self, **kwargs):
        org = self.organisation
        lists = selectors.waiting_lists(organisation_id=org.pk)
        for waiting in lists:
            for row in waiting.rows:
                row.url = reverse("payments:claim_review", args=[row.claim.pk])
        runs = selectors.open_runs(organisation_id=org.pk)
        for run in runs:
            run.url = reverse("payments:run", args=[run.pk])
        user = self.request.user
        return super().get_context_data(
            organisation=org,
            lists=lists,
            runs=runs,
            runs_url=reverse("payments:runs", args=[org.pk]),
            reports_url=reverse("payments:reports", args=[org.pk]),
            policy_url=reverse("payments:policy", args=[org.pk]) if has_perm(user, "payments.policy", org) else "",
            **kwargs,
        )


urlpatterns = [
    path("payments/finance/<int:organisation_id>/", FinanceHomeView.as_view(), name="finance"),
]
