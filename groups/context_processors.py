from .extensions import nav_items


def navigation(request):
    user = getattr(request, "user", None)
    if not (user and user.is_authenticated):
        return {"nav": {"show_admin": False, "items": []}}
    return {"nav": {"show_admin": user.is_staff, "items": nav_items(request)}}
