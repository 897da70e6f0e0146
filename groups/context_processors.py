from core import extensions

from .adapters import two_step_offered


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav": {"show_admin": False, "items": [], "offer_two_step": False}}
    return {
        "nav": {
            "show_admin": user.is_staff,
            "offer_two_step": two_step_offered(request),
            "items": [item for items in extensions.nav_items.call(request=request) for item in items],
        }
    }
