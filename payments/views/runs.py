"""The finance officer's payment runs: the list, gathering approved claims into a run, a run's page with its
totals and claims, the downloads for the bank (CSV, Excel), marking the whole run paid (with a confirm step),
and reversing one payment. Each view checks its permission (payments/permissions.py), calls one service or
selector, and renders or redirects."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView, View

from core.forms import ServiceFormMixin, add_service_errors
from core.money import format_pence
from groups.permissions import PermissionMixin

from .. import exports
from ..forms.runs import PaymentReverseForm, RunPaidForm
from ..models import Payment, PaymentRun
from ..permissions import OrganisationPaymentsMixin, RunPermissionMixin
from ..selectors import runs as selectors
from ..services import runs as services


class RunListView(OrganisationPaymentsMixin, TemplateView):
    """Open runs, paid runs (newest first, a page at a time) and the approved claims waiting to be gathered."""

    permission = "payments.finance"
    template_name = "payments/runs/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        ctx.update(
            organisation=self.organisation,
            open_runs=selectors.open_runs(user=user, organisation=self.organisation),
            paid_page=selectors.paid_runs_page(
                user=user, organisation=self.organisation, page=self.request.GET.get("page")
            ),
            waiting=selectors.claims_waiting_totals(organisation=self.organisation, acting_user=user),
            own_waiting=selectors.own_claims_waiting_count(organisation=self.organisation, acting_user=user),
        )
        return ctx


class RunCreateView(OrganisationPaymentsMixin, TemplateView):
    """What gathering would put in a new run, and the button that does it (services.runs.run_create)."""

    permission = "payments.finance"
    template_name = "payments/runs/create.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            organisation=self.organisation,
            waiting=selectors.claims_waiting_totals(organisation=self.organisation, acting_user=self.request.user),
            own_waiting=selectors.own_claims_waiting_count(
                organisation=self.organisation, acting_user=self.request.user
            ),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            run = services.run_create(organisation=self.organisation, acting_user=request.user)
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages))
        messages.success(request, f"Payment run {run.pk} is ready. Download it for your bank, then mark it as paid.")
        return redirect(run)


class RunView(RunPermissionMixin, TemplateView):
    """A run: its totals by method, its claims (100 a page), the downloads and, while it is open, the form that
    marks the whole run as paid."""

    permission = "payments.run"
    template_name = "payments/runs/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        run = self.run
        is_open = run.state == PaymentRun.State.OPEN
        ctx.update(
            run=run,
            organisation=run.organisation,
            is_open=is_open,
            totals=selectors.run_totals(run),
            claims_page=selectors.run_claims_page(run=run, page=self.request.GET.get("page")),
        )
        if is_open:
            ctx.setdefault("form", RunPaidForm())
            ctx["people_in_it"] = selectors.run_people_in_it(run=run, user=self.request.user)
            ctx["missing_bank_details"] = selectors.bank_claims_without_details(run)
        return ctx


class RunPaidView(RunView):
    """Marks the whole run paid: the reference first, then "You are marking N payments, £X in total, as paid",
    then the service (services.runs.run_mark_paid)."""

    http_method_names = ["post"]
    confirm_template_name = "payments/runs/confirm_paid.html"

    def post(self, request, *args, **kwargs):
        form = RunPaidForm(request.POST)
        if form.is_valid():
            if not form.cleaned_data["confirmed"]:
                totals = selectors.run_totals(self.run)
                return self.response_class(
                    request=request,
                    template=[self.confirm_template_name],
                    context={
                        "run": self.run,
                        "reference": form.cleaned_data["reference"],
                        "totals": totals,
                        "count": totals["grand"]["count"],
                        "total_text": format_pence(totals["grand"]["total_pence"]) or "£0",
                    },
                    using=self.template_engine,
                )
            try:
                services.run_mark_paid(run=self.run, acting_user=request.user, reference=form.cleaned_data["reference"])
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"Payment run {self.run.pk} is marked as paid. We are telling each person.")
                return redirect("payments:run", run_id=self.run.pk)
        self.run = PaymentRun.objects.select_related("organisation").get(pk=self.run.pk)
        return self.render_to_response(self.get_context_data(form=form))


def _download_name(run: PaymentRun, extension: str) -> str:
    return f"payment-run-{run.pk}.{extension}"


class RunCsvView(RunPermissionMixin, View):
    """The run as CSV, streamed. Each download is in the access trail (the permission keeps one)."""

    permission = "payments.run.export"

    def get(self, request, *args, **kwargs):
        response = StreamingHttpResponse(exports.run_csv(self.run), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{_download_name(self.run, "csv")}"'
        response["Cache-Control"] = "no-store"
        return response


class RunXlsxView(RunPermissionMixin, View):
    """The run as an Excel workbook. Each download is in the access trail (the permission keeps one)."""

    permission = "payments.run.export"

    def get(self, request, *args, **kwargs):
        response = HttpResponse(
            exports.run_xlsx(self.run),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        response["Content-Disposition"] = f'attachment; filename="{_download_name(self.run, "xlsx")}"'
        response["Cache-Control"] = "no-store"
        return response


class PaymentPermissionMixin(PermissionMixin):
    """Views on one payment (``payment_id`` in the URL): the permission is checked on its run."""

    permission = "payments.run"

    def get_permission_object(self):
        try:
            self.payment = selectors.payment_for_reversal(payment_id=self.kwargs["payment_id"])
        except Payment.DoesNotExist:
            raise Http404("Not found") from None
        self.run = self.payment.run
        return self.run

    def get_permission_organisation_id(self):
        return self.payment.run.organisation_id


class PaymentReverseView(PaymentPermissionMixin, ServiceFormMixin, FormView):
    """Reverses one payment with the reason (services.runs.payment_reverse). The payment itself is kept as it
    was; the reversal is a new record."""

    template_name = "payments/runs/reverse.html"
    form_class = PaymentReverseForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        payment = self.payment
        ctx.update(
            payment=payment,
            run=self.run,
            claim=payment.claim,
            already_reversed=hasattr(payment, "reversal"),
        )
        return ctx

    def perform(self, form):
        services.payment_reverse(
            payment=self.payment, acting_user=self.request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(self.request, f"The payment to {self.payment.claim.claimant.display_name} is reversed.")
        return redirect(reverse("payments:run", args=[self.run.pk]))


urlpatterns = [
    path("payments/finance/<int:organisation_id>/runs/", RunListView.as_view(), name="runs"),
    path("payments/finance/<int:organisation_id>/runs/new/", RunCreateView.as_view(), name="run_create"),
    path("payments/runs/<int:run_id>/", RunView.as_view(), name="run"),
    path("payments/runs/<int:run_id>/export.csv", RunCsvView.as_view(), name="run_csv"),
    path("payments/runs/<int:run_id>/export.xlsx", RunXlsxView.as_view(), name="run_xlsx"),
    path("payments/runs/<int:run_id>/paid/", RunPaidView.as_view(), name="run_paid"),
    path("payments/finance/payments/<int:payment_id>/reverse/", PaymentReverseView.as_view(), name="payment_reverse"),
]
