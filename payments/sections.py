"""payments' section of a session's page (core.extensions.session_sections): once the register is closed, the
session's facilitators see how many claims wait for them to confirm who came, with a link to do it."""

from django.urls import reverse

from core import extensions
from groups.permissions import has_perm

from .models import Claim, ClaimState

AWAITING = (ClaimState.MADE, ClaimState.SUBMITTED, ClaimState.ON_HOLD)


@extensions.session_sections.register
def attendance_section(*, request, session):
    if session.attendance_closed_at is None or not has_perm(request.user, "payments.attendance.confirm", session):
        return None
    waiting = Claim.objects.filter(session=session, state__in=AWAITING, attendance_confirmed_by__isnull=True).count()
    if not waiting:
        return None
    return {
        "template": "payments/session_section.html",
        "waiting": waiting,
        "url": reverse("payments:attendance_confirm", args=[session.pk]),
    }
