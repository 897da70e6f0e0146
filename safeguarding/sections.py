"""The session page's safeguarding section (core.extensions.session_sections): "Safeguarding lead on duty:
<name>", or whom to ask when nobody is on duty, and for those who manage the session a link to change it."""

from django.urls import reverse

from core import extensions
from groups.permissions import has_perm

from .services.duty import session_on_duty


def duty_section(*, request, session) -> dict:
    on_duty = session_on_duty(session=session)
    user = getattr(request, "user", None)
    can_change = user is not None and has_perm(user, "session.manage", session)
    return {
        "template": "safeguarding/duty/_section.html",
        "lead": on_duty.lead,
        "named": on_duty.named,
        "can_change": can_change,
        "change_url": reverse("safeguarding:duty", args=[session.pk]) if can_change else "",
    }


extensions.session_sections.register(duty_section)
