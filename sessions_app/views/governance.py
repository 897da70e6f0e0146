"""Governance pages (the parent-quorum dashboard and record) and the one-tap answer links in messages."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.generic import TemplateView

from groups.permissions import PermissionMixin

from .. import governance_selectors, selectors
from ..answer_links import answer_by_link, answer_link_problem, answer_nonce_find, answer_token_open
from ..models import Answer
from ..permissions import SessionPermissionMixin


class OneTapAnswerView(TemplateView):
    """The yes/no link in an invitation or chaser (see answer_links: single use, bound to the person, days not
    months). GET only shows a confirm button (email scanners open links; they must not answer for anyone);
    POST answers. The page shows no name: whoever holds the link learns nothing about whose it is. While
    someone else is signed in, the link is refused.

    A yes page also asks "Do you need any help to come?": the kinds ticked go with the yes, and once it is
    recorded this browser may carry on through the help pages (views/help.py) for this session and this person
    only, for half an hour, without signing in (answer_links.help_grant_give). After a no, the same grant lets
    them confirm cancelling what they had asked for."""

    template_name = "sessions_app/help/one_tap_answer.html"

    def dispatch(self, request, *args, **kwargs):
        link = answer_token_open(kwargs["token"])
        if link is None or link.answer not in (Answer.YES, Answer.NO):
            raise Http404("Not found")
        if request.user.is_authenticated and request.user.pk != link.person_id:
            return self.refuse(problem="someone_else", status=403)
        self.link = link
        self.row = answer_nonce_find(link=link)
        self.person = selectors.active_person(person_id=link.person_id)
        if self.row is None or self.person is None:
            raise Http404("Not found")
        self.session = self.row.session
        self.answer = link.answer
        return super().dispatch(request, *args, **kwargs)

    def refuse(self, *, problem: str, status: int):
        return TemplateResponse(self.request, self.template_name, {"problem": problem}, status=status)

    def get(self, request, *args, **kwargs):
        problem = answer_link_problem(row=self.row)
        if problem in ("used", "expired"):
            return self.refuse(problem=problem, status=410)
        return self.render_to_response(self.get_context_data(expired=problem == "closed"))

    def get_context_data(self, **kwargs):
        # Imported here, not at the top: the help journey's modules are views/help.py's, this class only hands over.
        from ..forms.help import HelpKindsForm

        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("help_form", HelpKindsForm())
        ctx.update(session=self.session, answer=self.answer)
        return ctx

    def post(self, request, *args, **kwargs):
        from django.shortcuts import redirect

        from ..answer_links import help_grant_give
        from ..forms.help import KIND_SLUGS, HelpKindsForm
        from ..services.support import support_requests_open
        from .help import journey_start, kinds_text

        help_form = HelpKindsForm(request.POST if self.answer == Answer.YES else None)
        kinds = help_form.kinds() if help_form.is_bound and help_form.is_valid() else []
        try:
            result, support_pending = answer_by_link(link=self.link, person=self.person)
        except ValidationError as e:
            if e.code in ("link_used", "link_expired"):
                return self.refuse(problem=e.code.removeprefix("link_"), status=410)
            return self.render_to_response(self.get_context_data(error=" ".join(e.messages)))
        help_grant_give(request_session=request.session, session_id=self.session.pk, person_id=self.person.pk)
        if kinds and result.rsvp.answer == Answer.YES:
            journey_start(
                request_session=request.session, session_id=self.session.pk, person_id=self.person.pk, kinds=kinds
            )
            return redirect("sessions_app:help_question", session_id=self.session.pk, kind=KIND_SLUGS[kinds[0]])
        asked = support_requests_open(session=self.session, user=self.person) if self.answer == Answer.NO else []
        return self.render_to_response(
            self.get_context_data(
                done=True,
                result=result,
                support_pending=support_pending,
                asked=asked,
                asked_text=kinds_text([r.kind for r in asked]),
            )
        )


class DashboardView(PermissionMixin, TemplateView):
    """Parent quorum across the committees of the organisations a person oversees: meetings coming up (20 to
    a page), who has not answered (to call them), and each committee's attendance over the last twelve months
    (counted in full; the five most recent meetings listed, or all of one committee's with ?committee=)."""

    permission = "governance.dashboard"
    template_name = "sessions_app/governance/dashboard.html"

    def get_permission_object(self):
        return None  # the organisations the person oversees

    def get(self, request, *args, **kwargs):
        self.organisations = governance_selectors.governance_organisations(user=request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        params = self.request.GET
        committee = params.get("committee", "")
        committee_id = int(committee) if committee.isascii() and committee.isdigit() and len(committee) <= 9 else None
        ctx["dashboard"] = governance_selectors.governance_dashboard(
            organisations=self.organisations,
            upcoming_page=params.get("page"),
            committee_id=committee_id,
            meetings_page=params.get("meetings"),
        )
        ctx["committee_query"] = f"committee={committee_id}" if committee_id else ""
        return ctx


class QuorumRecordView(SessionPermissionMixin, TemplateView):
    """The printable record of one meeting's parent quorum, counted from check-ins (services.quorum_record runs
    at every check-in and after the meeting); this page never writes."""

    template_name = "sessions_app/governance/quorum_record.html"
    permission = "session.governance"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        session = self.session
        held = session.is_published and session.has_started
        record = None
        if held and self.group.has_quorum_rule:
            # Kept current by every check-in and by the record-quorums job; this page only reads it.
            record = governance_selectors.quorum_record_of(session=session)
        ctx.update(
            held=held,
            record=record,
            page=governance_selectors.quorum_record_page(session=session, held=held),
            printed_at=timezone.now(),
        )
        return ctx


class SessionMessagesView(SessionPermissionMixin, TemplateView):
    """Every message sent to anyone about this session, newest first, with what went wrong if it failed."""

    template_name = "sessions_app/governance/session_messages.html"
    permission = "session.governance"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["sent"] = governance_selectors.session_messages(session=self.session)
        return ctx
