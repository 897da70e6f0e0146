"""Data rights: a person's own download of everything held about them (a readable page and a JSON file), and an
organisation's retention periods with its safeguarding leads' review of records past them."""

import json
import re

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views.generic import TemplateView, View

from ..forms.rights import RetentionReviewForm, RetentionRulesForm
from ..models import RecordType
from ..permissions import SafeguardingOrganisationMixin
from ..selectors import rights as selectors
from ..services import data_rights as data_services
from ..services import retention as retention_services

OBJECT_ID = re.compile(r"[0-9]{1,18}")


def _errors_onto(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- a person's own data -------------------------------------------------------------------------------------


class MyDataView(LoginRequiredMixin, TemplateView):
    """Everything held about the signed-in person, each part as a table; what is withheld listed, with what
    happens next. Only ever their own: there is nothing in the address to change."""

    template_name = "safeguarding/rights/my_data.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        person = self.request.user
        sections = selectors.person_data_sections(person=person)
        data_services.person_data_download_record(person=person, fmt="page")
        tables = selectors.person_data_tables(sections)
        ctx.update(
            tables=tables,
            withheld=[w for t in tables for w in t.withheld],
            what_happens_next=selectors.WHAT_HAPPENS_NEXT,
        )
        return ctx


class MyDataJsonView(LoginRequiredMixin, View):
    """The same, as a JSON file to download."""

    def get(self, request, *args, **kwargs):
        person = request.user
        sections = selectors.person_data_sections(person=person)
        data_services.person_data_download_record(person=person, fmt="json")
        document = selectors.person_data_document(person=person, sections=sections)
        response = HttpResponse(
            json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        filename = f"coprod-my-data-{timezone.localdate():%Y-%m-%d}.json"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


# --- retention ------------------------------------------------------------------------------------------------


class RetentionView(SafeguardingOrganisationMixin, TemplateView):
    """How long each type of record is kept (the organisation's choice; suggestions shown), the records past it
    waiting for a decision, and records withheld from people who asked for their data."""

    permission = "safeguarding.lead"
    template_name = "safeguarding/rights/retention.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rules = selectors.retention_rules(organisation=self.organisation)
        ctx.setdefault("form", RetentionRulesForm(rules=rules))
        ctx.update(
            organisation=self.organisation,
            overview=selectors.retention_overview(organisation=self.organisation),
            shown=selectors.RETENTION_SHOWN,
            data_requests=selectors.data_requests_withheld(organisation=self.organisation),
        )
        return ctx

    def post(self, request, *args, **kwargs):
        rules = selectors.retention_rules(organisation=self.organisation)
        form = RetentionRulesForm(request.POST, rules=rules)
        if form.is_valid():
            try:
                changed = retention_services.retention_rules_set(
                    organisation=self.organisation, months=form.months(), acting_user=request.user
                )
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                if changed:
                    messages.success(request, "Saved how long records are kept.")
                else:
                    messages.info(request, "Nothing was changed.")
                return redirect("safeguarding:retention", organisation_id=self.organisation.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RetentionReviewView(SafeguardingOrganisationMixin, TemplateView):
    """One record past its period: keep it (with a reason) or, for messages and feelings only, erase it."""

    permission = "safeguarding.lead"
    template_name = "safeguarding/rights/review.html"

    def _record(self, data):
        record_type = data.get("record_type", "")
        object_id = data.get("object_id", "")
        if record_type not in RecordType.values or not OBJECT_ID.fullmatch(str(object_id)):
            return record_type, None, None
        item = selectors.retention_item(
            organisation=self.organisation, record_type=record_type, object_id=int(object_id)
        )
        return record_type, int(object_id), item

    def _back(self):
        return redirect("safeguarding:retention", organisation_id=self.organisation.pk)

    def get(self, request, *args, **kwargs):
        record_type, object_id, item = self._record(request.GET)
        if not record_type and not request.GET.get("object_id"):
            return self._back()  # nothing chosen: the list to choose from
        if item is None:
            raise Http404("Not found")
        form = RetentionReviewForm(erasable=record_type in selectors.ERASABLE)
        return self.render_to_response(self.get_context_data(form=form, item=item, record_type=record_type))

    def post(self, request, *args, **kwargs):
        record_type, object_id, item = self._record(request.POST)
        if object_id is None:
            raise Http404("Not found")
        form = RetentionReviewForm(request.POST, erasable=record_type in selectors.ERASABLE)
        if form.is_valid():
            try:
                review = retention_services.retention_review_record(
                    organisation=self.organisation,
                    record_type=record_type,
                    object_id=object_id,
                    decision=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    acting_user=request.user,
                )
            except ValidationError as error:
                _errors_onto(form, error)
            else:
                text = item["text"] if item else "The record"
                done = "erased" if review.decision == "erase" else "kept"
                messages.success(request, f"{text}: {done}. The decision is recorded.")
                return self._back()
        return self.render_to_response(self.get_context_data(form=form, item=item, record_type=record_type))

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        record_type = ctx.get("record_type") or ""
        ctx.update(
            organisation=self.organisation,
            object_id=(ctx.get("item") or {}).get("object_id") or self.request.POST.get("object_id", ""),
            type_label=RecordType(record_type).label if record_type in RecordType.values else "",
            back_url=reverse("safeguarding:retention", args=[self.organisation.pk]),
        )
        return ctx


urlpatterns = [
    path("safeguarding/my-data/", MyDataView.as_view(), name="my_data"),
    path("safeguarding/my-data.json", MyDataJsonView.as_view(), name="my_data_json"),
    path(
        "safeguarding/organisations/<int:organisation_id>/retention/",
        RetentionView.as_view(),
        name="retention",
    ),
    path(
        "safeguarding/organisations/<int:organisation_id>/retention/review/",
        RetentionReviewView.as_view(),
        name="retention_review",
    ),
]
