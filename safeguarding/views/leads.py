"""The safeguarding leads' pages: the organisation's concerns (open ones first, the most pressing at the top)
with the access given for review, and what a lead does with one concern: triage, refer, close, correct what
happened, add to the chronology, attach a document, give access for a while or end it.

Every page needs the lead role and a recent second sign-in step; to anyone else a concern is a 404, and the
attempt is in its access trail. Each change is one service call, which adds a chronology line and an audit
event."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.views import View
from django.views.generic import FormView, TemplateView

from core.forms import ServiceFormMixin

from ..forms.concerns import CloseForm, DocumentForm, EditForm, EntryForm, GrantForm, ReferForm, TriageForm
from ..models import Concern
from ..permissions import ConcernPermissionMixin, SafeguardingOrganisationMixin
from ..selectors import concerns as selectors
from ..selectors.escalations import escalations_open
from ..services import concerns as services
from ..services import grants as grant_services


class ConcernListView(SafeguardingOrganisationMixin, TemplateView):
    """The organisation's concerns for its leads, and the access given to them for review."""

    permission = "safeguarding.lead"
    template_name = "safeguarding/leads/concerns.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "")
        if status not in Concern.Status.values:
            status = ""
        ctx.update(
            organisation=self.organisation,
            status=status,
            statuses=Concern.Status.choices,
            concerns=selectors.concerns_for_leads(
                user=self.request.user, organisation=self.organisation, status=status, page=self.request.GET.get("page")
            ),
            query=f"status={status}" if status else "",
            grants=selectors.grants_for_review(organisation=self.organisation),
            escalations=escalations_open(self.organisation.pk),
        )
        return ctx


class LeadFormView(ConcernPermissionMixin, ServiceFormMixin, FormView):
    """One form about one concern, for its leads. Subclasses say the heading, the button and the service."""

    permission = "safeguarding.concern.manage"
    template_name = "safeguarding/leads/form.html"
    heading = ""
    intro = ""
    submit_label = "Save"
    done_message = "Saved."

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            concern=self.concern,
            heading=self.heading,
            intro=self.intro,
            submit_label=self.submit_label,
            cancel_url=self.concern.get_absolute_url(),
        )
        return ctx

    def call_service(self, form):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def perform(self, form):
        self.call_service(form)
        messages.success(self.request, self.done_message)
        return redirect(self.concern)


class TriageView(LeadFormView):
    form_class = TriageForm
    heading = "Triage the concern"
    intro = "Say how serious it is and which safeguarding lead owns it."
    submit_label = "Save the triage"
    done_message = "The concern was triaged."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        kwargs["leads"] = selectors.organisation_leads(organisation_id=self.concern.organisation_id)
        return kwargs

    def get_initial(self):
        return {"owner": self.request.user.pk}

    def call_service(self, form):
        services.concern_triage(concern=self.concern, acting_user=self.request.user, **form.cleaned_data)


class ReferView(LeadFormView):
    form_class = ReferForm
    heading = "Record a referral"
    intro = "Who the concern was referred to, and the reference they gave."
    submit_label = "Save the referral"
    done_message = "The referral was recorded."

    def call_service(self, form):
        services.concern_refer(concern=self.concern, acting_user=self.request.user, **form.cleaned_data)


class CloseView(LeadFormView):
    form_class = CloseForm
    heading = "Close the concern"
    intro = "A closed concern is kept, with its chronology. It cannot be opened again."
    submit_label = "Close the concern"
    done_message = "The concern was closed."

    def call_service(self, form):
        services.concern_close(concern=self.concern, acting_user=self.request.user, **form.cleaned_data)


class EditView(LeadFormView):
    form_class = EditForm
    heading = "Correct what happened"
    intro = "The earlier words are kept in the chronology, with who changed them and when."
    submit_label = "Save the correction"
    done_message = "The correction was saved. The earlier version is in the chronology."

    def get_initial(self):
        return {"what_happened": self.concern.what_happened, "when_happened": self.concern.when_happened or ""}

    def call_service(self, form):
        services.concern_edit(concern=self.concern, acting_user=self.request.user, **form.cleaned_data)


class EntryAddView(LeadFormView):
    form_class = EntryForm
    heading = "Add to the chronology"
    intro = "A note, or an action taken. Lines in the chronology cannot be changed or removed later."
    submit_label = "Add it"
    done_message = "It was added to the chronology."

    def get_initial(self):
        return {"happened_on": timezone.localdate(), "kind": "note"}

    def call_service(self, form):
        services.chronology_entry_add(concern=self.concern, acting_user=self.request.user, **form.cleaned_data)


class DocumentAddView(LeadFormView):
    form_class = DocumentForm
    heading = "Add a document"
    intro = "A PDF or a picture. It is stored encrypted, and every download is recorded."
    submit_label = "Add the document"
    done_message = "The document was added."

    def call_service(self, form):
        upload = form.cleaned_data["file"]
        services.concern_document_add(
            concern=self.concern,
            acting_user=self.request.user,
            title=form.cleaned_data["title"],
            data=upload.read(services.DOCUMENT_MAX_BYTES + 1),
        )


class GrantAddView(LeadFormView):
    form_class = GrantForm
    heading = "Give someone access"
    intro = "A person of the organisation who needs to see this record, for a limited time. They are told by message."
    submit_label = "Give access"
    done_message = "Access was given. They have been told."

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        leads = selectors.organisation_leads(organisation_id=self.concern.organisation_id)
        kwargs["people"] = selectors.people_to_grant(
            organisation_id=self.concern.organisation_id, exclude_ids=[lead.pk for lead in leads]
        )
        return kwargs

    def call_service(self, form):
        grant_services.access_grant_give(concern=self.concern, acting_user=self.request.user, **form.cleaned_data)


class GrantEndView(ConcernPermissionMixin, View):
    """Ends access given to a person before it expires (a button on the concern's page)."""

    permission = "safeguarding.concern.manage"
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        grant = selectors.grant_of(concern=self.concern, grant_id=kwargs["grant_id"])
        if grant is None:
            raise Http404("Not found")
        try:
            grant_services.access_grant_end(grant=grant, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"Access for {grant.person.display_name} has ended.")
        return redirect(reverse("safeguarding:concern", args=[self.concern.pk]) + "#access-given")


urlpatterns = [
    path("safeguarding/organisations/<int:organisation_id>/concerns/", ConcernListView.as_view(), name="concerns"),
    path("safeguarding/concerns/<int:concern_id>/triage/", TriageView.as_view(), name="triage"),
    path("safeguarding/concerns/<int:concern_id>/refer/", ReferView.as_view(), name="refer"),
    path("safeguarding/concerns/<int:concern_id>/close/", CloseView.as_view(), name="close"),
    path("safeguarding/concerns/<int:concern_id>/edit/", EditView.as_view(), name="edit"),
    path("safeguarding/concerns/<int:concern_id>/entries/new/", EntryAddView.as_view(), name="entry_add"),
    path("safeguarding/concerns/<int:concern_id>/documents/new/", DocumentAddView.as_view(), name="document_add"),
    path("safeguarding/concerns/<int:concern_id>/grants/new/", GrantAddView.as_view(), name="grant_add"),
    path("safeguarding/concerns/<int:concern_id>/grants/<int:grant_id>/end/", GrantEndView.as_view(), name="grant_end"),
]
