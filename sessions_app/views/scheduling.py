"""The facilitator's scheduling pages: the group's sessions, the session builder, checking and publishing,
cancelling, preparation, stepping in and back, the glossary and venues.

Thin views: the permission mixins find the object and refuse (404 outside the organisation, 403 inside it), one
service does the work, and a ValidationError from it goes back into the form."""

from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.generic import FormView, TemplateView

from core.forms import ServiceFormMixin, add_service_errors, safe_next_url
from groups.permissions import GroupPermissionMixin, PermissionMixin, has_perm, require

from .. import selectors, services
from ..forms.scheduling import (
    CancelForm,
    GlossaryTermForm,
    PreparationForm,
    PublishForm,
    SessionForm,
    StepInForm,
    VenueForm,
    WithdrawForm,
)
from ..models import Answer, FacilitatorRole, Session
from ..permissions import SessionPermissionMixin

T = "sessions_app/scheduling/"


def _plural(n: int, word: str, plural: str | None = None) -> str:
    return f"{n} {word if n == 1 else (plural or word + 's')}"


# --- the group's sessions --------------------------------------------------------------------------------

ANSWER_WORDS = {Answer.YES: "Yes", Answer.MAYBE: "Maybe", Answer.NO: "No"}


@dataclass
class SessionRow:
    session: Session
    answer: str
    at_risk: bool


class GroupSessionsView(GroupPermissionMixin, TemplateView):
    """The group's sessions: those to come (the next 50), and its past sessions 50 to a page, the most recent
    first."""

    permission = "group.view"
    template_name = T + "group_sessions.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        can_manage = ctx["can_manage"]
        lists = selectors.group_sessions_page(
            group=self.group, user=self.request.user, can_manage=can_manage, number=self.request.GET.get("page")
        )

        def row(s, still_to_come):
            answer = ANSWER_WORDS.get(s.my_answer, "")
            if s.my_answer == Answer.YES and s.my_waitlisted_at:
                answer = "Yes (on the waiting list)"
            return SessionRow(s, answer, can_manage and still_to_come and selectors.is_at_risk(s))

        lists.past.rows = [row(s, False) for s in lists.past.rows]
        ctx.update(
            upcoming=[row(s, True) for s in lists.upcoming],
            more_upcoming=lists.more_upcoming,
            upcoming_shown=selectors.UPCOMING_SHOWN,
            past=lists.past.rows,
            page=lists.past,
            is_member=ctx["my_membership"] is not None,
        )
        return ctx


# --- the session builder ---------------------------------------------------------------------------------


class _BuilderMixin:
    template_name = T + "session_form.html"
    form_class = SessionForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add_venues"] = has_perm(self.request.user, "organisation.add_venue", self.group.organisation)
        return ctx


class SessionCreateView(_BuilderMixin, GroupPermissionMixin, ServiceFormMixin, FormView):
    permission = "group.manage"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "group": self.group}

    def perform(self, form):
        created = services.session_create(
            group=self.group,
            acting_user=self.request.user,
            repeat_weeks=form.cleaned_data["repeat_weeks"],
            **form.service_arguments(),
        )
        n = len(created)
        messages.success(
            self.request,
            f"{_plural(n, 'session')} saved as {'a draft' if n == 1 else 'drafts'}. Members will not see "
            f"{'it' if n == 1 else 'them'} until you publish {'it' if n == 1 else 'each one'}.",
        )
        return redirect(created[0])


class SessionEditView(_BuilderMixin, SessionPermissionMixin, ServiceFormMixin, FormView):
    permission = "session.manage"

    def get_initial(self):
        return SessionForm.initial_for(self.session, *selectors.session_builder_parts(session=self.session))

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "group": self.group, "with_repeat": False}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["editing"] = True
        return ctx

    def post(self, request, *args, **kwargs):
        if self.session.is_cancelled:  # the page says so; there is nothing to change
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        services.session_update(session=self.session, acting_user=self.request.user, **form.service_arguments())
        messages.success(self.request, "Your changes to the session have been saved.")
        return redirect(self.session)


# --- checking and publishing -----------------------------------------------------------------------------


class SessionPublishView(SessionPermissionMixin, TemplateView):
    permission = "session.manage"
    template_name = T + "publish.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        here = self.request.path
        abbreviations = services.unexplained_abbreviations(session=self.session)
        ctx.update(
            problems=services.facilitator_rule_problems(session=self.session),
            abbreviation_forms=[
                (abbr, GlossaryTermForm(fixed_abbreviation=abbr, initial={"next": here}, auto_id=f"id_term{i}_%s"))
                for i, abbr in enumerate(abbreviations, start=1)
            ],
            glossary_url=reverse("sessions_app:glossary", args=[self.group.pk]),
        )
        ctx.setdefault("form", PublishForm())
        return ctx

    def post(self, request, *args, **kwargs):
        form = PublishForm(request.POST)
        try:
            services.session_publish(session=self.session, acting_user=request.user)
        except ValidationError as e:
            add_service_errors(form, e)
            return self.render_to_response(self.get_context_data(form=form))
        messages.success(
            request, f"Published. Members of {self.group.name} can now see the session and say if they will come."
        )
        return redirect(self.session)


class SessionCancelView(SessionPermissionMixin, ServiceFormMixin, FormView):
    permission = "session.manage"
    template_name = T + "cancel.html"
    form_class = CancelForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["people_to_tell"] = selectors.cancellation_recipients_count(session=self.session)
        return ctx

    def post(self, request, *args, **kwargs):
        if self.session.is_cancelled:  # already done: say so rather than tell people twice
            return self.get(request, *args, **kwargs)
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        session = services.session_cancel(
            session=self.session, reason=form.cleaned_data["reason"], acting_user=self.request.user
        )
        told = selectors.cancellation_recipients_count(session=session)
        if told:
            note = f"We have emailed the {_plural(told, 'person', 'people')} who said yes to tell them."
        else:
            note = "Nobody had said yes, so there was nobody to tell."
        messages.success(self.request, f"{session.title} has been cancelled. {note}")
        return redirect("sessions_app:group_sessions", group_id=self.group.pk)


# --- preparation -----------------------------------------------------------------------------------------


class PreparationAddView(SessionPermissionMixin, ServiceFormMixin, FormView):
    permission = "session.manage"
    template_name = T + "preparation_form.html"
    form_class = PreparationForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            preparation=selectors.preparation_of(session=self.session),
            visible_now=timezone.now() >= self.session.preparation_opens_at,
        )
        return ctx

    def perform(self, form):
        data = form.cleaned_data
        material = services.preparation_add(
            session=self.session,
            title=data["title"],
            text=data["text"],
            file=data.get("file"),
            acting_user=self.request.user,
        )
        opens = self.session.preparation_opens_at
        if timezone.now() >= opens:
            when = "Members of the group can see it now."
        else:
            when = f"Members will see it from {timezone.localtime(opens):%A %-d %B}."
        messages.success(self.request, f"Added “{material.title}”. {when}")
        return redirect(self.session)


# --- facilitators stepping back and stepping in ----------------------------------------------------------


class FacilitatorWithdrawView(SessionPermissionMixin, ServiceFormMixin, FormView):
    permission = "session.run"
    template_name = T + "withdraw.html"
    form_class = WithdrawForm

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["my_place"] = selectors.facilitator_place_of(session=self.session, user=self.request.user)
        return ctx

    def perform(self, form):
        services.facilitator_withdraw(
            session=self.session,
            user=self.request.user,
            acting_user=self.request.user,
            reason=form.cleaned_data["reason"],
        )
        text = "You are no longer facilitating this session."
        if self.session.is_published and not self.session.has_ended:
            if services.facilitator_rule_problems(session=self.session):
                text += (
                    " It now needs another facilitator, so it shows as at risk to the group's facilitators and "
                    "the organisation admin."
                )
        messages.success(self.request, text)
        return redirect("sessions_app:group_sessions", group_id=self.group.pk)


class FacilitatorJoinView(SessionPermissionMixin, ServiceFormMixin, FormView):
    permission = "session.manage"
    template_name = T + "step_in.html"
    form_class = StepInForm

    def get_initial(self):
        self.places = list(selectors.active_facilitator_places(session=self.session))
        has_lead = any(p.role == FacilitatorRole.LEAD for p in self.places)
        return {"role": FacilitatorRole.SUPPORT if has_lead else FacilitatorRole.LEAD}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            places=self.places,
            already=any(p.user_id == self.request.user.pk for p in self.places),
            problems=services.facilitator_rule_problems(session=self.session),
        )
        return ctx

    def perform(self, form):
        place = services.facilitator_join(
            session=self.session,
            user=self.request.user,
            role=form.cleaned_data["role"],
            acting_user=self.request.user,
        )
        messages.success(self.request, f"You are now the {place.get_role_display().lower()} for this session.")
        return redirect(self.session)


# --- glossary --------------------------------------------------------------------------------------------


class GlossaryView(GroupPermissionMixin, ServiceFormMixin, FormView):
    """Everyone in the group can read the glossary; those who manage the group add, change and remove terms."""

    permission = "group.view"
    template_name = T + "glossary.html"
    form_class = GlossaryTermForm

    def _done(self, next_url) -> str:
        return safe_next_url(self.request, next_url, reverse("sessions_app:glossary", args=[self.group.pk]))

    def get_initial(self):
        return {"next": safe_next_url(self.request, self.request.GET.get("next"))}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["terms"] = selectors.glossary_terms(group=self.group)
        ctx["back_url"] = safe_next_url(self.request, self.request.POST.get("next") or self.request.GET.get("next"))
        return ctx

    def post(self, request, *args, **kwargs):
        require(request.user, "group.manage", self.group)
        if "delete" in request.POST:
            term = selectors.glossary_term_of(group=self.group, term_id=request.POST["delete"])
            if term is None:
                raise Http404("Not found")
            services.glossary_term_delete(term=term, acting_user=request.user)
            messages.success(request, f"{term.abbreviation} has been taken out of the glossary.")
            return redirect(self._done(request.POST.get("next")))
        return super().post(request, *args, **kwargs)

    def perform(self, form):
        data = form.cleaned_data
        term = services.glossary_term_save(
            group=self.group,
            abbreviation=data["abbreviation"],
            meaning=data["meaning"],
            acting_user=self.request.user,
        )
        messages.success(self.request, f"Saved in the glossary: {term.abbreviation} means {term.meaning}.")
        return redirect(self._done(data.get("next")))


# --- venues ----------------------------------------------------------------------------------------------


class VenueListView(PermissionMixin, ServiceFormMixin, FormView):
    """Organisation admins and facilitators see their organisations' venues and add new ones."""

    permission = "venue.list"
    template_name = T + "venues.html"
    form_class = VenueForm

    def get_permission_object(self):
        self.organisations = list(selectors.venue_organisations(user=self.request.user))
        return None  # the person's own organisations

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "organisations": selectors.venue_organisations(user=self.request.user)}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            venues=selectors.venues_visible_to(user=self.request.user),
            organisations=self.organisations,
        )
        return ctx

    def perform(self, form):
        data = dict(form.cleaned_data)
        organisation = data.pop("organisation")
        venue = services.venue_create(organisation=organisation, acting_user=self.request.user, **data)
        messages.success(self.request, f"{venue.name} has been added to your venues.")
        return redirect("sessions_app:venues")
