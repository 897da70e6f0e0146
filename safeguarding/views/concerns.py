"""Raising a concern (anyone signed in inside an organisation; from a session, with its members offered), and
reading one: the record's page, its documents and a printable chronology (the safeguarding leads, with a recent
second sign-in step, and people given access for a while), and opening one in an emergency ("break glass").

To everyone else a concern does not exist: a 404, and the attempt in the record's access trail. Every read is in
the access trail too (ConcernPermissionMixin). Thin views: a form checks the input, one service writes."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from core.forms import ServiceFormMixin, add_service_errors
from groups.permissions import has_perm
from sessions_app.permissions import SessionPermissionMixin

from ..forms.concerns import BreakGlassForm, RaiseForm
from ..models import Concern
from ..permissions import ConcernPermissionMixin
from ..selectors import concerns as selectors
from ..services import concerns as services
from ..services import grants as grant_services

# The browser's session remembers the concern just raised, so the receipt page can say what happens next
# without the concern's number in the address.
RECEIPT_KEY = "safeguarding_raised"


class RaiseMixin:
    """The raise page and its session form share this: the organisations, the people offered, the receipt."""

    template_name = "safeguarding/concerns/raise.html"
    raise_session = None
    raise_group = None

    def raise_organisations(self) -> list:
        raise NotImplementedError

    def people(self) -> list:
        return selectors.people_to_offer(
            user=self.request.user,
            organisation_ids=[o.pk for o in self.organisations],
            group=self.raise_group,
        )

    def make_form(self, data=None):
        return RaiseForm(data, organisations=self.organisations, people=self.people())

    def receipt(self) -> Concern | None:
        if not self.request.GET.get("received"):
            return None
        concern_id = self.request.session.get(RECEIPT_KEY)
        if not concern_id:
            return None
        return (
            Concern.objects.filter(pk=concern_id, raised_by=self.request.user)
            .only("pk", "organisation_id", "immediate_risk", "raised_at", "raised_by_id")
            .first()
        )

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        receipt = self.receipt()
        raised = selectors.concerns_raised_by(user=self.request.user)
        for concern in raised:
            concern.can_open_in_emergency = has_perm(self.request.user, "safeguarding.concern.break_glass", concern)
        ctx.update(
            raise_session=self.raise_session,
            receipt=receipt,
            lead_names=selectors.lead_names(organisation_id=receipt.organisation_id) if receipt else [],
            raised=raised,
            organisations=self.organisations,
        )
        if receipt is None:
            ctx.setdefault("form", self.make_form())
        return ctx

    def post(self, request, *args, **kwargs):
        form = self.make_form(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        try:
            concern = services.concern_raise(
                acting_user=request.user, session=self.raise_session, group=self.raise_group, **form.service_arguments()
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.render_to_response(self.get_context_data(form=form))
        request.session[RECEIPT_KEY] = concern.pk
        return redirect(reverse("safeguarding:raise") + "?received=1")


class RaiseView(LoginRequiredMixin, RaiseMixin, TemplateView):
    """ "Raise a concern": anyone signed in who belongs to an organisation (chosen for them if only one)."""

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.organisations = selectors.raise_organisations(user=request.user)
            if not self.organisations:
                raise PermissionDenied("You are not part of an organisation yet.")
        return super().dispatch(request, *args, **kwargs)


class RaiseFromSessionView(SessionPermissionMixin, RaiseMixin, TemplateView):
    """The same page from a session or its check-in screen: the session's organisation and group, with the
    group's members offered as the people involved."""

    permission = "session.view"

    def check_permission(self, request) -> None:
        super().check_permission(request)
        self.raise_session = self.session
        self.raise_group = self.session.group
        self.organisations = [self.session.group.organisation]


class ConcernView(ConcernPermissionMixin, TemplateView):
    """The record: status, what happened, the people, documents, the chronology; for the leads, the access trail
    and what they can do with it."""

    permission = "safeguarding.concern.view"
    template_name = "safeguarding/concerns/concern.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        concern = self.concern
        is_lead = has_perm(self.request.user, "safeguarding.concern.manage", concern)
        ctx.update(
            concern=concern,
            page=selectors.concern_page(concern=concern),
            is_lead=is_lead,
            trail=selectors.access_trail(concern=concern, page=self.request.GET.get("trail")) if is_lead else None,
            now=timezone.now(),
        )
        return ctx


class DocumentView(ConcernPermissionMixin, View):
    """A document of the concern, downloaded (in the access trail once, as a download). Its file name says nothing of
    what it is."""

    permission = "safeguarding.concern.view"
    access_kind = "download"

    def access_data(self) -> dict:
        return {"document": self.kwargs["document_id"]}

    def get(self, request, *args, **kwargs):
        document = selectors.document_of(concern=self.concern, document_id=kwargs["document_id"])
        if document is None:
            raise Http404("Not found")
        response = HttpResponse(services.document_bytes(document), content_type=document.content_type)
        response["Content-Disposition"] = f'attachment; filename="{services.document_file_name(document)}"'
        response["Cache-Control"] = "no-store"
        return response


class PrintView(ConcernPermissionMixin, TemplateView):
    """The chronology to print for a referral (in the access trail once, as a print)."""

    permission = "safeguarding.concern.view"
    template_name = "safeguarding/concerns/print.html"
    access_kind = "print"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(concern=self.concern, page=selectors.concern_page(concern=self.concern))
        return ctx


class BreakGlassView(ConcernPermissionMixin, ServiceFormMixin, FormView):
    """Opening a concern in an emergency: a facilitator who raised it or is named on it gives a reason; every
    safeguarding lead is alerted at once and the access ends after 24 hours."""

    permission = "safeguarding.concern.break_glass"
    template_name = "safeguarding/concerns/break_glass.html"
    form_class = BreakGlassForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(concern=self.concern, hours=grant_services.BREAK_GLASS_HOURS)
        return ctx

    def perform(self, form):
        grant_services.concern_break_glass(
            concern=self.concern, acting_user=self.request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(
            self.request,
            f"You can see this record for the next {grant_services.BREAK_GLASS_HOURS} hours. "
            "The safeguarding leads have been told.",
        )
        return redirect(self.concern)


urlpatterns = [
    path("safeguarding/raise/", RaiseView.as_view(), name="raise"),
    path("safeguarding/raise/session/<int:session_id>/", RaiseFromSessionView.as_view(), name="raise_from_session"),
    path("safeguarding/concerns/<int:concern_id>/", ConcernView.as_view(), name="concern"),
    path(
        "safeguarding/concerns/<int:concern_id>/documents/<int:document_id>/", DocumentView.as_view(), name="document"
    ),
    path("safeguarding/concerns/<int:concern_id>/print/", PrintView.as_view(), name="print"),
    path("safeguarding/concerns/<int:concern_id>/break-glass/", BreakGlassView.as_view(), name="break_glass"),
]
