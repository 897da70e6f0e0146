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
    someone else is signed in, the link is refused."""

    template_name = "sessions_app/governance/one_tap_answer.html"

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
        ctx = super().get_context_data(**kwargs)
        ctx.update(session=self.session, answer=self.answer)
        return ctx

    def post(self, request, *args, **kwargs):
        try:
            result, support_pending = answer_by_link(link=self.link, person=self.person)
        except ValidationError as e:
            if e.code in ("link_used", "link_expired"):
                return self.refuse(problem=e.code.removeprefix("link_"), status=410)
            return self.render_to_response(self.get_context_data(error=" ".join(e.messages)))
        return self.render_to_response(self.get_context_data(done=True, result=result, support_pending=support_pending))


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
