"""Where people find "Raise a concern" (core.extensions): the main menu, for everyone signed in who belongs to
an organisation, and a section on every session page, for everyone who can see the session. Safeguarding leads
also find their organisation's concerns in the menu."""

from django.urls import reverse

from core import extensions
from groups.permissions import R, standing


@extensions.nav_items.register
def raise_concern_menu(*, request):
    """No query: the person's standing is loaded once per request anyway."""
    st = standing(request.user)
    if not st.organisation_ids:
        return []
    items = [("Raise a concern", reverse("safeguarding:raise"))]
    led = sorted(org_id for org_id, roles in st.roles.items() if R.SAFEGUARDING_LEAD in roles)
    if led:
        items.append(("Safeguarding concerns", reverse("safeguarding:concerns", args=[led[0]])))
    return items


@extensions.session_sections.register
def raise_concern_section(*, request, session):
    """The session page already checked that the person can see the session."""
    return {
        "template": "safeguarding/concerns/session_section.html",
        "raise_url": reverse("safeguarding:raise_from_session", args=[session.pk]),
    }


@extensions.checkin_links.register
def raise_concern_at_the_door(*, request, session):
    """The check-in and check-out screens: the facilitators at the door raise a concern about this session."""
    return [
        (
            "Worried about someone? Raise a safeguarding concern",
            reverse("safeguarding:raise_from_session", args=[session.pk]),
        )
    ]
