"""The session's facilitators confirm the attendance behind its claims: one page, a table with a tick box for
each claim they may confirm. Claims that pay them or that they prepared (they closed the register) show why, with
no tick box: the session's other facilitator confirms those."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.urls import path
from django.views.generic import TemplateView

from ..permissions import SessionClaimsPermissionMixin
from ..selectors.approvals import session_claims_for_attendance
from ..services.approvals import claims_attendance_confirm


class AttendanceConfirmView(SessionClaimsPermissionMixin, TemplateView):
    permission = "payments.attendance.confirm"
    template_name = "payments/approvals/attendance.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = session_claims_for_attendance(session=self.session, user=self.request.user)
        ctx.update(
            session=self.session,
            rows=rows,
            any_confirmable=any(row.confirmable for row in rows),
            ticked={str(pk) for pk in kwargs.get("ticked", [])},
        )
        return ctx

    def post(self, request, *args, **kwargs):
        ids = [v for v in request.POST.getlist("claims") if v.isascii() and v.isdigit() and len(v) <= 18]
        if not ids:
            errors = ["Tick at least one claim to confirm."]
            return self.render_to_response(self.get_context_data(errors=errors, ticked=ids))
        try:
            count = claims_attendance_confirm(
                session=self.session, acting_user=request.user, claim_ids=[int(pk) for pk in ids]
            )
        except ValidationError as error:
            return self.render_to_response(self.get_context_data(errors=error.messages, ticked=ids))
        if count:
            messages.success(request, f"You confirmed the attendance for {count} claim{'s' if count != 1 else ''}.")
        else:
            messages.info(request, "Those claims were already confirmed.")
        return redirect("payments:attendance_confirm", session_id=self.session.pk)


urlpatterns = [
    path("payments/sessions/<int:session_id>/attendance/", AttendanceConfirmView.as_view(), name="attendance_confirm"),
]
