"""Consent: a person's own choices in each organisation they belong to (yes or no, when and how, a change button,
and the history), and the staff page that records a consent given in person, on paper or by phone."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.generic import FormView, TemplateView

from core.forms import ServiceFormMixin, add_service_errors
from groups.models import Organisation, User
from groups.permissions import in_organisation, standing

from ..forms.consent import ConsentRecordForm, MyConsentChangeForm
from ..models import ConsentHow, ConsentKind
from ..permissions import SafeguardingOrganisationMixin
from ..selectors import consent as selectors
from ..services import consent as services


class MyConsentView(LoginRequiredMixin, TemplateView):
    """The person's own consent, organisation by organisation; each change is a new record, never an edit."""

    template_name = "safeguarding/consent/my_consent.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", None)
        ctx["overview"] = selectors.consent_overview(person=self.request.user)
        return ctx

    def post(self, request, *args, **kwargs):
        form = MyConsentChangeForm(request.POST, organisation_ids=standing(request.user).organisation_ids)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.consent_record(
                    person=request.user,
                    organisation=Organisation.objects.get(pk=data["organisation"]),
                    acting_user=request.user,
                    kind=data["kind"],
                    given=data["given"] == "yes",
                    how=ConsentHow.ONLINE,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                label = ConsentKind(data["kind"]).label
                answer = "yes" if data["given"] == "yes" else "no"
                messages.success(request, f"Saved: {label}: {answer}.")
                return redirect(reverse("safeguarding:my_consent") + f"#consent-{data['organisation']}-{data['kind']}")
        return self.render_to_response(self.get_context_data(form=form))


class ConsentRecordView(SafeguardingOrganisationMixin, ServiceFormMixin, FormView):
    """A facilitator or admin of the organisation records what a person said in person, on paper or by phone.
    Another organisation's page is a 404; someone inside it without the role gets a 403; a person who does not
    belong to the organisation is a 404."""

    permission = "safeguarding.consent.record"
    template_name = "safeguarding/consent/record.html"
    form_class = ConsentRecordForm

    def check_permission(self, request) -> None:
        super().check_permission(request)
        person = User.objects.filter(pk=self.kwargs["person_id"], is_active=True).first()
        if person is None or not in_organisation(person, self.organisation.pk):
            raise Http404("Not found")
        self.person = person

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            organisation=self.organisation,
            person=self.person,
            kinds=selectors.consent_of(person=self.person, organisation=self.organisation),
        )
        return ctx

    def perform(self, form):
        args = form.service_arguments()
        services.consent_record(
            person=self.person, organisation=self.organisation, acting_user=self.request.user, **args
        )
        answer = "yes" if args["given"] else "no"
        messages.success(
            self.request, f"Saved for {self.person.display_name}: {ConsentKind(args['kind']).label}: {answer}."
        )
        return redirect("safeguarding:consent_record", organisation_id=self.organisation.pk, person_id=self.person.pk)


urlpatterns = [
    path("safeguarding/my-consent/", MyConsentView.as_view(), name="my_consent"),
    path(
        "safeguarding/organisations/<int:organisation_id>/people/<int:person_id>/consent/",
        ConsentRecordView.as_view(),
        name="consent_record",
    ),
]
