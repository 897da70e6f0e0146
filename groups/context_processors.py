def navigation(request):
    user = getattr(request, "user", None)
    return {"nav": {"show_admin": bool(user and user.is_authenticated and user.is_staff)}}
