"""Bank details: the person's own page (masked, with a form to change them) and the finance officer's reveal
(step-up and access trail, by the permission `payments.bank_details.reveal`)."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, TemplateView

from core.audit import access_record
from core.forms import ServiceFormMixin, safe_next_url

from ..forms.bank import BankDetailsForm
from ..models import BankDetails, Claim
from ..permissions import OrganisationPaymentsMixin
from ..services.bank import bank_details_set

T = "payments/bank/"


def name_initial(name: str) -> str:
    return (name or "").strip()[:1].upper()


@method_decorator(never_cache, name="dispatch")
class BankDetailsView(LoginRequiredMixin, ServiceFormMixin, FormView):
    """The signed-in person's own bank details: "Account ending 12" and the initial of the name, and a form to
    change them that never shows the numbers saved before."""

    template_name = T + "mine.html"
    form_class = BankDetailsForm

    def get_initial(self):
        return {}  # never pre-filled

    def get_context_data(self, **kwargs):
        details = BankDetails.objects.filter(person=self.request.user).first()
        return super().get_context_data(
            details=details,
            initial_letter=name_initial(details.account_name) if details else "",
            mine_url=reverse("payments:mine"),
            **kwargs,
        )

    def perform(self, form):
        user = self.request.user
        had = BankDetails.objects.filter(person=user).exists()
        bank_details_set(person=user, acting_user=user, **form.cleaned_data)
        if had:
            messages.success(
                self.request,
                "Your bank details have been changed. We have sent you a message to say so, in case it was not you.",
            )
        else:
            messages.success(self.request, "Your bank details have been saved.")
        return redirect("payments:bank_details")


@method_decorator(never_cache, name="dispatch")
class BankDetailsRevealView(OrganisationPaymentsMixin, TemplateView):
    """A person's full bank details, for a finance officer of an organisation the person has a claim with, who
    gave their two-step code in the last 15 minutes. The mixin writes each look to the access trail (naming the
    organisation); this page writes one more naming the bank details themselves and whose they are."""

    permission = "payments.bank_details.reveal"
    template_name = T + "reveal.html"

    def get(self, request, *args, **kwargs):
        person_id = kwargs["person_id"]
        if not Claim.objects.filter(organisation=self.organisation, claimant_id=person_id).exists():
            raise Http404("Not found")
        person = get_user_model().objects.filter(pk=person_id).first()
        if person is None:  # pragma: no cover - a claim points at the person (PROTECT)
            raise Http404("Not found")
        details = BankDetails.objects.filter(person_id=person_id).first()
        if details is not None:
            access_record(
                kind="view",
                actor=request.user,
                obj=details,
                organisation_id=self.organisation.pk,
                data={"person": person_id},
            )
        back = safe_next_url(
            request, request.GET.get("back"), default=reverse("payments:finance", args=[self.organisation.pk]) or "/"
        )
        return self.render_to_response(
            self.get_context_data(organisation=self.organisation, person=person, details=details, back=back)
        )


urlpatterns = [
    path("payments/bank-details/", BankDetailsView.as_view(), name="bank_details"),
    path(
        "payments/finance/<int:organisation_id>/people/<int:person_id>/bank-details/",
        BankDetailsRevealView.as_view(),
        name="bank_reveal",
    ),
]
