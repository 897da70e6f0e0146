from core import extensions


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav": {"show_admin": False, "items": []}}
    return {
        "nav": {
            "show_admin": user.is_staff,
            "items": [item for items in extensions.nav_items.call(request=request) for item in items],
        }
    }
