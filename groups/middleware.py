"""Two rules for staff, checked on every request (after Django's AuthenticationMiddleware and allauth's
AccountMiddleware, see MIDDLEWARE in coprod/settings/base.py).

1. **Two-step sign-in is required** for everyone who holds a staff role that sees safeguarding records or bank
   details (organisation admin, safeguarding lead, finance officer). Such a person without an activated
   authenticator app (allauth's TOTP) is sent to the "Set up two-step sign-in" page from every page except those
   needed to set it up or to sign out. Whether the person has one is looked up when they sign in (the
   `user_logged_in` receiver below) and kept in the session, so pages run no query for it; a person without one
   is looked up again on each page until they have one, and visiting the two-step pages (where a key can be
   added or removed) makes the next page look again.

2. **Staff sessions end when idle**: a person with any staff role, or an operator of the installation, is signed
   out after ``STAFF_IDLE_TIMEOUT_MINUTES`` without a request (30 by default). Parents and carers keep the normal
   session. The time of each staff request is kept in the cache (Redis in production, shared by every web
   process) under the signed-in session's key, so no request writes the session or runs a query for it.

Both rest on the person's current standing (groups.permissions.standing), loaded once per request, so a role
that ends stops the rules the next request.
"""

import hashlib
import time
from urllib.parse import urlencode

from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.core.cache import cache
from django.shortcuts import redirect
from django.urls import reverse

from .permissions import R, standing

# Staff roles that see safeguarding records or bank details: they must sign in with two steps.
ROLES_NEEDING_TWO_STEP = frozenset({R.ADMIN, R.SAFEGUARDING_LEAD, R.FINANCE_OFFICER})


# In the session: whether the signed-in person had an authenticator app when last looked up.
HAS_TWO_STEP_KEY = "coprod_has_two_step"


def _cache_key(request, what: str) -> str:
    """A cache key for this signed-in session (a digest: the session key itself is a credential)."""
    digest = hashlib.sha256((request.session.session_key or "").encode()).hexdigest()[:32]
    return f"coprod:{what}:{request.user.pk}:{digest}"


def idle_timeout_seconds() -> int:
    return int(getattr(settings, "STAFF_IDLE_TIMEOUT_MINUTES", 30)) * 60


def staff_roles_of(user) -> set[str]:
    return {role for roles in standing(user).roles.values() for role in roles}


def needs_two_step(user) -> bool:
    return bool(staff_roles_of(user) & ROLES_NEEDING_TWO_STEP)


def has_two_step(user) -> bool:
    return Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()


def _paths_open_without_two_step() -> tuple[str, ...]:
    """Pages a person who must set up two-step sign-in can still open: the set-up page, allauth's two-step
    pages, confirming their password again (allauth asks before adding a key), signing out, static files."""
    return (
        reverse("orgadmin:two_step_setup"),
        reverse("mfa_index"),  # /accounts/2fa/ and everything under it
        reverse("account_reauthenticate"),  # /accounts/reauthenticate/ and the code version under it
        reverse("account_logout"),
        reverse("account_login"),
        reverse("healthz"),
        settings.STATIC_URL,
    )


class StaffSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            response = self._idle_timeout(request, user) or self._two_step_required(request, user)
            if response is not None:
                return response
        return self.get_response(request)

    def _idle_timeout(self, request, user):
        if not (user.is_staff or staff_roles_of(user)):
            return None
        if not request.session.session_key:
            return None
        now = int(time.time())
        key = _cache_key(request, "last-seen")
        last_seen = cache.get(key)
        if isinstance(last_seen, int) and now - last_seen > idle_timeout_seconds():
            cache.delete(key)
            path = request.get_full_path()
            logout(request)
            minutes = idle_timeout_seconds() // 60
            messages.info(
                request,
                f"You were signed out because you had not used coprod for {minutes} minutes. "
                "Sign in again to carry on.",
            )
            return redirect(f"{reverse('account_login')}?{urlencode({'next': path})}")
        # Kept as long as a session can last, so an idle session is still known to be idle when it comes back.
        cache.set(key, now, timeout=settings.SESSION_COOKIE_AGE)
        return None

    def _two_step_required(self, request, user):
        if not needs_two_step(user):
            return None
        path = request.path
        open_paths = _paths_open_without_two_step()
        if path.startswith(reverse("mfa_index")):
            # A key may be added or removed on these pages: look again on the next page.
            request.session.pop(HAS_TWO_STEP_KEY, None)
        if any(path.startswith(p) for p in open_paths):
            return None
        if request.session.get(HAS_TWO_STEP_KEY) is True:
            return None
        if has_two_step(user):
            request.session[HAS_TWO_STEP_KEY] = True
            return None
        return redirect(f"{reverse('orgadmin:two_step_setup')}?{urlencode({'next': request.get_full_path()})}")


def remember_two_step(sender, request, user, **kwargs):
    """On signing in, note whether the person has an authenticator app, so pages need not ask the database."""
    session = getattr(request, "session", None)
    if session is not None and user is not None:
        session[HAS_TWO_STEP_KEY] = has_two_step(user)


user_logged_in.connect(remember_two_step, dispatch_uid="groups.middleware.remember_two_step")
