"""Actions taken from a role's home page. Each is a POST that calls one service and returns to the home page."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import redirect
from django.views import View

from .. import checks
from ..permissions import SessionPermissionMixin


class QuorumRemindView(SessionPermissionMixin, View):
    """A governance lead reminds the parents who have not answered a meeting at risk of missing its parent
    quorum (checks.quorum_reminders_send: once a day per meeting, audited)."""

    permission = "session.quorum_remind"
    http_method_names = ["post"]

    def http_method_not_allowed(self, request, *args, **kwargs):
        return HttpResponseNotAllowed(["POST"])

    def post(self, request, *args, **kwargs):
        try:
            sent = checks.quorum_reminders_send(session=self.session, acting_user=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("home")
        title = self.session.title
        if sent:
            messages.success(request, f"We have reminded the parents who have not answered about {title}.")
        else:
            messages.info(request, f"Nobody to remind about {title}: everyone has answered or was reminded today.")
        return redirect("home")
