"""A finance officer's pages on one claim: review it, approve it, refuse a line with a reason, change a line's
amount. Buttons a person may not use (their own claim, one they prepared or whose attendance they confirmed) are
not shown; the services refuse them all the same."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path
from django.views.generic import TemplateView

from core.money import pence_to_text

from ..forms.approvals import LineAmountForm, LineRejectForm
from ..models import ClaimLine, ClaimState
from ..permissions import ClaimPermissionMixin
from ..selectors.approvals import claim_review, line_label
from ..services.approvals import (
    CHANGEABLE_STATES,
    DECIDED_STATES,
    claim_approve,
    claim_line_amount_change,
    claim_line_reject,
)


def _form_errors(form, error: ValidationError) -> None:
    for message in error.messages:
        form.add_error(None, message)


class FinanceClaimMixin(ClaimPermissionMixin):
    permission = "payments.claim.finance"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["claim"] = self.claim
        return ctx


class ClaimReviewView(FinanceClaimMixin, TemplateView):
    template_name = "payments/approvals/review.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        review = claim_review(claim=self.claim, user=self.request.user)
        claim = review.claim
        ctx.update(
            review=review,
            claim=claim,
            can_act=review.refusal is None,
            can_approve=review.refusal is None
            and claim.state == ClaimState.SUBMITTED
            and claim.attendance_confirmed_by_id is not None,
            lines_open=claim.state not in DECIDED_STATES,
            amounts_changeable=claim.state in CHANGEABLE_STATES,
            errors=kwargs.get("errors", []),
        )
        return ctx


class ClaimApproveView(ClaimReviewView):
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        try:
            claim_approve(claim=self.claim, acting_user=request.user)
        except ValidationError as error:
            if error.code == "benefits_choice_needed":
                messages.info(request, " ".join(error.messages))
                return redirect("payments:claim_review", claim_id=self.claim.pk)
            return self.render_to_response(self.get_context_data(errors=error.messages))
        messages.success(request, "You approved this claim. It will be paid in the next payment run.")
        return redirect("payments:claim_review", claim_id=self.claim.pk)


class LineMixin(FinanceClaimMixin):
    def check_permission(self, request) -> None:
        super().check_permission(request)
        try:
            self.line = ClaimLine.objects.get(pk=self.kwargs["line_id"], claim_id=self.claim.pk)
        except ClaimLine.DoesNotExist:
            raise Http404("Not found") from None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(line=self.line, line_label=line_label(self.line))
        return ctx


class LineRejectView(LineMixin, TemplateView):
    template_name = "payments/approvals/line_reject.html"

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=LineRejectForm()))

    def post(self, request, *args, **kwargs):
        form = LineRejectForm(request.POST)
        if form.is_valid():
            try:
                claim_line_reject(line=self.line, acting_user=request.user, reason=form.cleaned_data["reason"])
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, "The line is not accepted. We have asked the parent to answer.")
                return redirect("payments:claim_review", claim_id=self.claim.pk)
        return self.render_to_response(self.get_context_data(form=form))


class LineAmountView(LineMixin, TemplateView):
    template_name = "payments/approvals/line_amount.html"

    def reason_required(self) -> bool:
        return self.claim.state == ClaimState.APPROVED

    def get(self, request, *args, **kwargs):
        form = LineAmountForm(
            initial={"amount": pence_to_text(self.line.amount_pence)}, reason_required=self.reason_required()
        )
        return self.render_to_response(self.get_context_data(form=form))

    def post(self, request, *args, **kwargs):
        form = LineAmountForm(request.POST, reason_required=self.reason_required())
        if form.is_valid():
            try:
                claim_line_amount_change(
                    line=self.line,
                    acting_user=request.user,
                    new_pence=form.cleaned_data["amount"],
                    reason=form.cleaned_data["reason"],
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, "The amount is changed.")
                return redirect("payments:claim_review", claim_id=self.claim.pk)
        return self.render_to_response(self.get_context_data(form=form))


urlpatterns = [
    path("payments/finance/claims/<int:claim_id>/", ClaimReviewView.as_view(), name="claim_review"),
    path("payments/finance/claims/<int:claim_id>/approve/", ClaimApproveView.as_view(), name="claim_approve"),
    path(
        "payments/finance/claims/<int:claim_id>/lines/<int:line_id>/reject/",
        LineRejectView.as_view(),
        name="line_reject",
    ),
    path(
        "payments/finance/claims/<int:claim_id>/lines/<int:line_id>/amount/",
        LineAmountView.as_view(),
        name="line_amount",
    ),
]
