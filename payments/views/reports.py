"""Reports for funders (finance officers and organisation admins): per group and per month, what was paid for
people's time and repaid for their costs, how many people were paid and the hours they gave; and the same as a
CSV file (each download in the access trail)."""

import csv
from datetime import date

from django import forms
from django.http import HttpResponse
from django.urls import path, reverse
from django.views.generic import TemplateView, View

from core.audit import access_record
from groups.permissions import has_perm

from ..exports import neutralise
from ..permissions import OrganisationPaymentsMixin
from ..selectors.reports import MAX_DAYS, default_range, funders_report


class ReportRangeForm(forms.Form):
    """The dates the report covers (from the query string; blank: this tax year)."""

    start = forms.DateField(
        label="From",
        required=False,
        help_text="Leave blank for the start of this tax year (6 April).",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"invalid": "Enter a real date, like 6 4 2026."},
    )
    end = forms.DateField(
        label="To",
        required=False,
        help_text="Leave blank for the end of this tax year (5 April).",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
        error_messages={"invalid": "Enter a real date, like 5 4 2027."},
    )

    def clean(self):
        data = super().clean()
        first, last = default_range()
        first = data.get("start") or first
        last = data.get("end") or last
        if last < first:
            raise forms.ValidationError("The end date must be the same as or after the start date.", code="range_order")
        if (last - first).days > MAX_DAYS:
            raise forms.ValidationError("A report can cover up to 3 years. Choose a shorter time.", code="range_long")
        data["first"], data["last"] = first, last
        return data


def report_range(request) -> tuple[ReportRangeForm, date, date]:
    form = ReportRangeForm(request.GET or None)
    if form.is_bound and form.is_valid():
        return form, form.cleaned_data["first"], form.cleaned_data["last"]
    first, last = default_range()
    return form, first, last


class ReportsView(OrganisationPaymentsMixin, TemplateView):
    permission = "payments.reports"
    template_name = "payments/reports/report.html"

    def get_context_data(self, **kwargs):
        form, first, last = report_range(self.request)
        report = None if form.errors else funders_report(organisation_id=self.organisation.pk, first=first, last=last)
        return super().get_context_data(
            organisation=self.organisation,
            form=form,
            report=report,
            first=first,
            last=last,
            csv_query=f"start={first.isoformat()}&end={last.isoformat()}",
            finance_url=reverse("payments:finance", args=[self.organisation.pk])
            if has_perm(self.request.user, "payments.finance", self.organisation)
            else "",
            **kwargs,
        )


def pounds_text(pence: int) -> str:
    return f"{pence / 100:.2f}" if isinstance(pence, int) else ""


HEADER = [
    "Group",
    "Month",
    "Paid for time (£)",
    "Childcare (£)",
    "Travel (£)",
    "Other costs (£)",
    "Total (£)",
    "People paid",
    "Hours of involvement",
]


def report_table(report) -> list[list]:
    rows = [HEADER]
    for row in [*report.rows, report.totals]:
        rows.append(
            [
                row.group_name,
                row.month.strftime("%B %Y") if row.month else "",
                pounds_text(row.participation_pence),
                pounds_text(row.childcare_pence),
                pounds_text(row.travel_pence),
                pounds_text(row.other_pence),
                pounds_text(row.total_pence),
                str(row.people),
                row.hours,
            ]
        )
    return rows


class ReportsCsvView(OrganisationPaymentsMixin, View):
    permission = "payments.reports"

    def get(self, request, *args, **kwargs):
        form, first, last = report_range(request)
        if form.errors:
            return HttpResponse(
                "The dates are not right: " + " ".join(form.non_field_errors() or ["check them on the report page."]),
                status=400,
                content_type="text/plain; charset=utf-8",
            )
        report = funders_report(organisation_id=self.organisation.pk, first=first, last=last)
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="payments-report-{first}-to-{last}.csv"'
        response["Cache-Control"] = "no-store"
        writer = csv.writer(response)
        for row in report_table(report):
            writer.writerow([neutralise(cell) for cell in row])
        access_record(
            kind="export",
            actor=request.user,
            obj=self.organisation,
            organisation_id=self.organisation.pk,
            data={"report": "payments.funders", "from": first.isoformat(), "to": last.isoformat()},
        )
        return response


urlpatterns = [
    path("payments/reports/<int:organisation_id>/", ReportsView.as_view(), name="reports"),
    path("payments/reports/<int:organisation_id>/report.csv", ReportsCsvView.as_view(), name="reports_csv"),
]
