"""Governance pages (the parent-quorum dashboard and record) and the one-tap answer links in messages."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.views.generic import TemplateView

from .. import governance_selectors, selectors, services
from ..messaging import answer_token_read
from ..models import Answer
from ..permissions import SessionPermissionMixin


class OneTapAnswerView(TemplateView):
    """The yes/no link in an invitation or chaser. The signed token is the proof, so no sign-in is needed.
    GET only shows a confirm button (email scanners open links; they must not answer for anyone); POST answers.
    Links stop working when the session starts."""

    template_name = "sessions_app/governance/one_tap_answer.html"

    def dispatch(self, request, *args, **kwargs):
        data = answer_token_read(kwargs["token"])
        if data is None or data["a"] not in (Answer.YES, Answer.NO):
            raise Http404("Not found")
        self.session = selectors.session_for_answer_link(session_id=data["s"])
        self.person = selectors.active_person(person_id=data["u"])
        if self.session is None or self.person is None:
            raise Http404("Not found")
        self.answer = data["a"]
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.update(
            session=self.session,
            person=self.person,
            answer=self.answer,
            expired=self.session.has_started or not self.session.is_published,
        )
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            result = services.rsvp_answer(session=self.session, user=self.person, answer=self.answer)
        except ValidationError as e:
            return self.render_to_response(self.get_context_data(error=" ".join(e.messages)))
        return self.render_to_response(self.get_context_data(done=True, result=result))


class DashboardView(LoginRequiredMixin, TemplateView):
    """Parent quorum across the committees of the organisations a person oversees: meetings coming up, who
    has not answered (to call them), and each committee's attendance over the last twelve months."""

    template_name = "sessions_app/governance/dashboard.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.organisations = governance_selectors.governance_organisations(user=request.user)
            if not self.organisations:
                raise PermissionDenied("Only governance leads and organisation admins see the governance dashboard.")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["dashboard"] = governance_selectors.governance_dashboard(organisations=self.organisations)
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
