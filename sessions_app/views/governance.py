"""Governance pages (the parent-quorum dashboard and record) and the one-tap answer links in messages."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.views.generic import TemplateView

from groups.models import User

from .. import services
from ..messaging import answer_token_read
from ..models import Answer, Session


class OneTapAnswerView(TemplateView):
    """The yes/no link in an invitation or chaser. The signed token is the proof, so no sign-in is needed.
    GET only shows a confirm button (email scanners open links; they must not answer for anyone); POST answers.
    Links stop working when the session starts."""

    template_name = "sessions_app/governance/one_tap_answer.html"

    def dispatch(self, request, *args, **kwargs):
        data = answer_token_read(kwargs["token"])
        if data is None or data["a"] not in (Answer.YES, Answer.NO):
            raise Http404("Not found")
        self.session = Session.objects.select_related("group", "venue").filter(pk=data["s"]).first()
        self.person = User.objects.filter(pk=data["u"], is_active=True).first()
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


class DashboardView(TemplateView):
    template_name = "sessions_app/governance/dashboard.html"


class QuorumRecordView(TemplateView):
    template_name = "sessions_app/governance/quorum_record.html"


class SessionMessagesView(TemplateView):
    template_name = "sessions_app/governance/session_messages.html"
