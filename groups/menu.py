"""What groups adds to the main menu (core.extensions.nav_items), registered in GroupsConfig.ready()."""

from django.urls import reverse

from core import extensions

from .permissions import R, standing


@extensions.nav_items.register
def audit_trail(*, request):
    """Organisation admins see their organisation's audit trail (the first one, if they look after several).
    No query: the person's standing is loaded once per request anyway."""
    admin_of = sorted(org_id for org_id, roles in standing(request.user).roles.items() if R.ADMIN in roles)
    if not admin_of:
        return []
    return [("Audit trail", reverse("organisations:audit_trail", args=[admin_of[0]]))]


@extensions.nav_items.register
def organisation_admin(*, request):
    """Organisation admins run their organisation in the app (staff, venues, reminders): one link to its page."""
    admin_of = sorted(org_id for org_id, roles in standing(request.user).roles.items() if R.ADMIN in roles)
    if not admin_of:
        return []
    return [("Organisation", reverse("orgadmin:overview", args=[admin_of[0]]))]
