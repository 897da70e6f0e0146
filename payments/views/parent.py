"""The pages of the person a claim pays: "My payments", one claim, checking and confirming it (how to be paid,
then check your answers), declining it, travel costs, receipts, answering a refused line, the yearly statement
(page and CSV) and their usual way to be paid.

What is chosen on "How would you like to be paid?" is kept in the browser's session until "Confirm my claim"
(like sessions_app/views/help.py)."""

import csv

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from core.money import format_pence
from core.templatetags.govuk import format_date
from groups.models import Organisation
from groups.permissions import has_perm

from ..exports import neutralise
from ..forms.parent import HowToBePaidForm, LineReplyForm, PreferenceForm, ReceiptForm, TravelLineForm
from ..models import Claim, ClaimLine, ClaimState, LineKind, LineStatus, Method, PaymentPolicy, PaymentPreference
from ..permissions import ClaimPermissionMixin, ReceiptPermissionMixin, is_finance_officer
from ..selectors import parent as selectors
from ..services import parent as services
from ..services.amounts import claim_amounts, tax_year_bounds, tax_year_of

BENEFITS_NOTE = (
    "You are close to the amount where payments might affect your benefits. You can choose a voucher, take less, "
    "or not be paid. Speak to a benefits adviser if you're not sure."
)


def _due_text(claim: Claim) -> str:
    return format_date(claim.due_on)


# --- My payments ---------------------------------------------------------------------------------------------


class MyPaymentsView(LoginRequiredMixin, TemplateView):
    template_name = "payments/parent/mine.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user = self.request.user
        owed = selectors.claims_owed(user=user)
        on_the_way = selectors.claims_on_the_way(user=user)
        for claim in owed + on_the_way:
            claim.line_texts = [
                (selectors.line_text(line, claim.session), line)
                for line in claim.lines.all()
                if line.status != LineStatus.REJECTED
            ]
            claim.amounts = claim_amounts(claim, claim.lines.all())
        paid = selectors.paid_page(user=user, number=self.request.GET.get("page", 1))
        for payment in paid:
            payment.what = selectors.session_words(payment.claim.session)
        year = tax_year_of(timezone.localdate())
        ctx.update(
            owed=owed,
            on_the_way=on_the_way,
            paid=paid,
            totals=selectors.year_totals(user=user, start_year=year),
            tax_year=year,
            benefits_near=selectors.benefits_near(user=user),
            benefits_note=BENEFITS_NOTE,
            organisations=selectors.organisations_of(user=user),
            bank_details_url=reverse("payments:bank_details"),
        )
        return ctx


# --- one claim -----------------------------------------------------------------------------------------------


class ClaimView(ClaimPermissionMixin, TemplateView):
    permission = "payments.claim.view"
    template_name = "payments/parent/claim.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        claim = self.claim
        lines = selectors.claim_lines(claim=claim)
        is_claimant = claim.claimant_id == self.request.user.pk
        ctx.update(
            claim=claim,
            lines=lines,
            amounts=claim_amounts(claim, lines),
            is_claimant=is_claimant,
            can_confirm=is_claimant and claim.state in services.CONFIRMABLE_STATES,
            can_add_receipts=is_claimant and claim.state in services.RECEIPT_STATES,
            can_change_travel=is_claimant and claim.state in services.TRAVEL_STATES,
            can_reply=is_claimant and claim.state in services.REPLY_STATES,
            review_url=reverse("payments:claim_review", args=[claim.pk])
            if is_finance_officer(self.request.user, claim.organisation_id)
            else "",
            due_text=_due_text(claim),
            session_text=selectors.session_words(claim.session),
            reply_form=LineReplyForm(),
            expense_kinds=[LineKind.CHILDCARE, LineKind.TRAVEL, LineKind.OTHER],
        )
        return ctx


class OwnClaimMixin(ClaimPermissionMixin):
    permission = "payments.claim.own"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(claim=self.claim, session_text=selectors.session_words(self.claim.session))
        return ctx


def journey_key(claim_id: int) -> str:
    return f"claim_confirm:{claim_id}"


class ClaimConfirmView(OwnClaimMixin, TemplateView):
    """ "How would you like to be paid?" then (``?check=1``) check your answers and "Confirm my claim"."""

    def get_template_names(self):
        return ["payments/parent/confirm_check.html" if self.checking else "payments/parent/confirm.html"]

    @property
    def checking(self) -> bool:
        return bool(self.request.GET.get("check"))

    def _closed(self):
        if self.claim.state not in services.CONFIRMABLE_STATES:
            messages.info(self.request, "This claim has already been sent.")
            return redirect(self.claim)
        return None

    def _due_pence(self) -> int:
        return sum(
            line.amount_pence
            for line in self.claim.lines.all()
            if line.kind == LineKind.PARTICIPATION and line.status != LineStatus.REJECTED
        )

    def _form(self, data=None):
        journey = self.request.session.get(journey_key(self.claim.pk)) or {}
        initial = {}
        if journey:
            initial = {"method": journey["method"], "take_less": journey.get("typed_less", "")}
        else:
            pref = PaymentPreference.objects.filter(
                person_id=self.claim.claimant_id, organisation_id=self.claim.organisation_id
            ).first()
            initial = {"method": pref.method if pref else self.claim.method}
        return HowToBePaidForm(data, initial=initial, policy=self.claim.policy, due_pence=self._due_pence())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            none_value=Method.NONE,
            none_hint="You can still have your travel and childcare costs paid back.",
            due_pence=self._due_pence(),
            expenses_pence=claim_amounts(self.claim).expenses_pence,
            on_hold=self.claim.state == ClaimState.ON_HOLD,
            due_text=_due_text(self.claim),
        )
        ctx.setdefault("show_benefits", self.claim.state == ClaimState.ON_HOLD)
        return ctx

    def get(self, request, *args, **kwargs):
        closed = self._closed()
        if closed:
            return closed
        if self.checking:
            journey = request.session.get(journey_key(self.claim.pk))
            if not journey:
                return redirect("payments:claim_confirm", claim_id=self.claim.pk)
            return self.render_to_response(self.get_context_data(**self._check_context(journey)))
        return self.render_to_response(self.get_context_data(form=self._form()))

    def _check_context(self, journey) -> dict:
        claim = Claim.objects.get(pk=self.claim.pk)  # a copy to show the amounts with the choice
        claim.method = journey["method"]
        claim.participation_requested_pence = journey.get("requested")
        amounts = claim_amounts(claim)
        label = dict(self._form().fields["method"].choices).get(journey["method"], journey["method"])
        return {
            "journey": journey,
            "method_label": label,
            "amounts": amounts,
            "took_less": journey.get("requested") is not None,
            "declines": journey["method"] == Method.NONE and amounts.expenses_pence == 0,
        }

    def post(self, request, *args, **kwargs):
        closed = self._closed()
        if closed:
            return closed
        if self.checking:
            return self._confirm(request)
        form = self._form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form, show_benefits=self._ack_shown()))
        method = form.cleaned_data["method"]
        requested = form.cleaned_data.get("take_less") if method != Method.NONE else None
        if requested == self._due_pence():
            requested = None  # all of it: not "taking less"
        ack = form.cleaned_data.get("benefits_acknowledged", False) and self._ack_shown()
        try:
            services.confirm_check(
                claim=Claim.objects.select_related("policy", "session").get(pk=self.claim.pk),
                method=method,
                participation_requested_pence=requested,
                benefits_acknowledged=ack,
            )
        except ValidationError as error:
            return self._refused(form, error)
        request.session[journey_key(self.claim.pk)] = {
            "method": method,
            "requested": requested,
            "typed_less": request.POST.get("take_less", "")[:15],
            "ack": ack,
        }
        return redirect(reverse("payments:claim_confirm", args=[self.claim.pk]) + "?check=1")

    def _ack_shown(self) -> bool:
        # The acknowledgement counts only when the page showed it (a hidden marker the template adds with it).
        return self.request.POST.get("benefits_shown") == "1"

    def _refused(self, form, error: ValidationError):
        extra = {"show_benefits": self._ack_shown()}
        for e in error.error_list:
            if e.code == "benefits_choice_needed":
                extra["show_benefits"] = True
                form.add_error(
                    "benefits_acknowledged", "Choose a voucher, take less, not be paid, or tick to go ahead."
                )
            elif e.code == "more_than_due":
                form.add_error("take_less", e.message)
            elif e.code == "bank_details_needed":
                form.add_error("method", e.message)
                extra["bank_details_url"] = (e.params or {}).get("url", "")
            elif e.code == "method_not_offered":
                form.add_error("method", e.message)
            else:
                form.add_error(None, e.message)
        return self.render_to_response(self.get_context_data(form=form, **extra))

    def _confirm(self, request):
        key = journey_key(self.claim.pk)
        journey = request.session.get(key)
        if not journey:
            return redirect("payments:claim_confirm", claim_id=self.claim.pk)
        try:
            claim = services.claim_confirm(
                claim=self.claim,
                acting_user=request.user,
                method=journey["method"],
                participation_requested_pence=journey.get("requested"),
                benefits_acknowledged=bool(journey.get("ack")),
            )
        except ValidationError as error:
            ctx = self._check_context(journey)
            return self.render_to_response(self.get_context_data(errors=error.messages, **ctx))
        request.session.pop(key, None)
        if claim.state == ClaimState.DECLINED:
            messages.success(
                request, "Thank you. You chose not to be paid for this session, so there is nothing to pay."
            )
            return redirect("payments:mine")
        messages.success(request, f"Thank you. We aim to pay you by {_due_text(claim)}.")
        return redirect(claim)


class ClaimDeclineView(OwnClaimMixin, TemplateView):
    template_name = "payments/parent/decline.html"

    def get(self, request, *args, **kwargs):
        if self.claim.state not in services.CONFIRMABLE_STATES:
            messages.info(request, "This claim has already been sent.")
            return redirect(self.claim)
        return super().get(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        try:
            services.claim_decline(claim=self.claim, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.claim)
        messages.success(request, "You chose not to claim anything for this session. Thank you for taking part.")
        return redirect("payments:mine")


class LineMixin(OwnClaimMixin):
    line_kinds: tuple = ()

    def get_permission_object(self):
        claim = super().get_permission_object()
        lines = ClaimLine.objects.select_related("support_request").filter(claim_id=claim.pk, pk=self.kwargs["line_id"])
        if self.line_kinds:
            lines = lines.filter(kind__in=self.line_kinds)
        self.line = lines.first()
        if self.line is None:
            raise Http404("Not found")
        return claim

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(line=self.line, line_text=selectors.line_text(self.line, self.claim.session))
        return ctx


class TravelLineView(LineMixin, TemplateView):
    template_name = "payments/parent/travel.html"
    line_kinds = (LineKind.TRAVEL,)

    def _form(self, data=None):
        line = self.line
        initial = {"basis": line.travel_basis or "receipt"}
        if line.travel_basis == "mileage" and line.miles_tenths:
            initial["miles"] = selectors.miles_text(line.miles_tenths).split()[0]
        elif line.amount_pence:
            initial["amount"] = f"{line.amount_pence / 100:.2f}"
        return TravelLineForm(data, initial=initial, maximum_pence=services.travel_maximum_pence(line))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", self._form())
        ctx["rate_text"] = format_pence(self.claim.policy.mileage_pence_per_mile)
        return ctx

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.travel_line_update(line=self.line, acting_user=request.user, **form.service_arguments())
            except ValidationError as error:
                field = {"miles_range": "miles", "more_than_approved": "amount", "amount_needed": "amount"}
                for e in error.error_list:
                    form.add_error(field.get(e.code), e.message)
            else:
                messages.success(request, "Your travel cost is saved.")
                return redirect(self.claim)
        return self.render_to_response(self.get_context_data(form=form))


class ReceiptUploadView(LineMixin, TemplateView):
    template_name = "payments/parent/receipt.html"
    line_kinds = (LineKind.CHILDCARE, LineKind.TRAVEL, LineKind.OTHER)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", ReceiptForm())
        ctx["receipts"] = list(self.line.receipts.all())
        return ctx

    def post(self, request, *args, **kwargs):
        form = ReceiptForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                services.receipt_attach(line=self.line, acting_user=request.user, upload=form.cleaned_data["file"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("file", message)
            else:
                messages.success(request, "Your receipt is added.")
                return redirect(self.claim)
        return self.render_to_response(self.get_context_data(form=form))


class LineReplyView(LineMixin, TemplateView):
    template_name = "payments/parent/reply.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", LineReplyForm(initial={"text": self.line.claimant_reply}))
        return ctx

    def post(self, request, *args, **kwargs):
        form = LineReplyForm(request.POST)
        if form.is_valid():
            try:
                services.line_reply(line=self.line, acting_user=request.user, text=form.cleaned_data["text"])
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("text", message)
            else:
                messages.success(request, "Your answer is sent.")
                return redirect(self.claim)
        return self.render_to_response(self.get_context_data(form=form))


# --- receipts --------------------------------------------------------------------------------------------------


class ReceiptView(ReceiptPermissionMixin, View):
    """The file, with the type its content was checked to be; never guessed again by the browser, never cached."""

    def get(self, request, *args, **kwargs):
        receipt = self.receipt
        try:
            handle = receipt.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404("Not found") from None
        is_pdf = receipt.content_type == "application/pdf"
        response = FileResponse(
            handle,
            content_type=receipt.content_type,
            as_attachment=is_pdf,
            filename=f"receipt-{receipt.pk}.{receipt.file.name.rsplit('.', 1)[-1]}",
        )
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        return response


# --- the statement ---------------------------------------------------------------------------------------------


class StatementMixin(LoginRequiredMixin):
    def dispatch(self, request, *args, **kwargs):
        year = int(kwargs["year"])
        if not 2000 <= year <= tax_year_of(timezone.localdate()) + 1:
            raise Http404("Not found")
        self.year = year
        return super().dispatch(request, *args, **kwargs)

    def sections(self):
        return selectors.statement(user=self.request.user, start_year=self.year)


class StatementView(StatementMixin, TemplateView):
    template_name = "payments/parent/statement.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        first, last = tax_year_bounds(self.year)
        ctx.update(
            sections=self.sections(),
            year=self.year,
            first=first,
            last=last,
            previous_year=self.year - 1 if self.year > 2000 else None,
            next_year=self.year + 1 if self.year < tax_year_of(timezone.localdate()) else None,
        )
        return ctx


def _pounds_cell(pence: int) -> str:
    # Our own "12.50" or, for a reversal, "-25.00": a number to a spreadsheet, so not neutralised.
    return f"{pence / 100:.2f}"


class StatementCsvView(StatementMixin, View):
    def get(self, request, *args, **kwargs):
        first, last = tax_year_bounds(self.year)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payments-{self.year}-{self.year + 1}.csv"'
        response["Cache-Control"] = "private, no-store"
        writer = csv.writer(response)
        writer.writerow(["Organisation", "Date", "What for", "How", "For your time (£)", "Costs paid back (£)"])
        for section in self.sections():
            for row in section.rows:
                writer.writerow(
                    [
                        neutralise(section.organisation.name),
                        row.on.isoformat(),
                        neutralise(row.what),
                        neutralise(row.method),
                        _pounds_cell(row.time_pence),
                        _pounds_cell(row.expenses_pence),
                    ]
                )
            writer.writerow(
                [
                    neutralise(section.organisation.name),
                    "",
                    neutralise(f"Total from {first.isoformat()} to {last.isoformat()}"),
                    "",
                    _pounds_cell(section.time_pence),
                    _pounds_cell(section.expenses_pence),
                ]
            )
        return response


# --- how to be paid --------------------------------------------------------------------------------------------


class PreferenceView(LoginRequiredMixin, TemplateView):
    template_name = "payments/parent/preference.html"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        organisation = Organisation.objects.filter(pk=kwargs["organisation_id"]).first()
        if organisation is None or not has_perm(request.user, "payments.preference", organisation):
            raise Http404("Not found")
        self.organisation = organisation
        self.policy = PaymentPolicy.objects.filter(organisation=organisation).order_by("-version").first()
        self.pref = PaymentPreference.objects.filter(person_id=request.user.pk, organisation=organisation).first()
        return super().dispatch(request, *args, **kwargs)

    def _form(self, data=None):
        initial = {}
        if self.pref is not None:
            initial = {"method": self.pref.method, "receives_benefits": "yes" if self.pref.receives_benefits else ""}
        return PreferenceForm(
            data, initial=initial, policy=self.policy, current_method=self.pref.method if self.pref else ""
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", self._form())
        ctx.update(organisation=self.organisation, cancel_url=reverse("payments:mine"))
        return ctx

    def post(self, request, *args, **kwargs):
        form = self._form(request.POST)
        if form.is_valid():
            try:
                services.preference_set(
                    person=request.user,
                    organisation=self.organisation,
                    method=form.cleaned_data["method"],
                    receives_benefits=form.cleaned_data["receives_benefits"] == "yes",
                )
            except ValidationError as error:
                for message in error.messages:
                    form.add_error("method", message)
            else:
                messages.success(request, "Thank you. We have saved how you would like to be paid.")
                return redirect("payments:mine")
        return self.render_to_response(self.get_context_data(form=form))


urlpatterns = [
    path("payments/", MyPaymentsView.as_view(), name="mine"),
    path("payments/claims/<int:claim_id>/", ClaimView.as_view(), name="claim"),
    path("payments/claims/<int:claim_id>/confirm/", ClaimConfirmView.as_view(), name="claim_confirm"),
    path("payments/claims/<int:claim_id>/decline/", ClaimDeclineView.as_view(), name="claim_decline"),
    path("payments/claims/<int:claim_id>/lines/<int:line_id>/travel/", TravelLineView.as_view(), name="line_travel"),
    path(
        "payments/claims/<int:claim_id>/lines/<int:line_id>/receipt/",
        ReceiptUploadView.as_view(),
        name="receipt_upload",
    ),
    path("payments/claims/<int:claim_id>/lines/<int:line_id>/reply/", LineReplyView.as_view(), name="line_reply"),
    path("payments/receipts/<int:receipt_id>/", ReceiptView.as_view(), name="receipt"),
    path("payments/statement/<int:year>/", StatementView.as_view(), name="statement"),
    path("payments/statement/<int:year>.csv", StatementCsvView.as_view(), name="statement_csv"),
    path("payments/how-to-be-paid/<int:organisation_id>/", PreferenceView.as_view(), name="preference"),
]
