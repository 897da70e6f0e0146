from allauth.account.adapter import DefaultAccountAdapter
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.core.exceptions import PermissionDenied

from core.middleware import client_ip

from .middleware import HAS_TWO_STEP_KEY, needs_two_step, staff_roles_of

# allauth's messages in coprod's words: sentence case, what went wrong and what to do (GOV.UK style).
ACCOUNT_ERROR_MESSAGES = {
    "account_inactive": "This account is closed. Ask your facilitator if you need it again.",
    "email_password_mismatch": "The email address or password is not right. Check them and try again.",
    "enter_current_password": "Enter your current password",
    "incorrect_code": "The code is not right. Check the email and type the 6-digit code again.",
    "incorrect_password": "The password is not right. Check it and try again.",
    "invalid_login": "We could not sign you in. Check your details and try again.",
    "invalid_password_reset": "This link to reset your password has expired or has been used. Ask for a new one.",
    "invalid_or_expired_key": "This link has expired or has been used. Ask for a new one.",
    "too_many_login_attempts": "You have tried to sign in too many times. Wait a few minutes, then try again.",
    "rate_limited": "You have tried too many times. Wait a few minutes, then try again.",
    "unknown_email": "There is no account with this email address. Check it, or ask your facilitator.",
    "unverified_primary_email": "Confirm your email address first: use the link in the email we sent you.",
    "same_as_current": "Enter a different value from the one you have now",
}

MFA_ERROR_MESSAGES = {
    "incorrect_code": "The code is not right. Type the 6-digit code your authenticator app shows now.",
    "cannot_delete_authenticator": "Your role needs two-step sign-in, so you cannot turn it off.",
    "unverified_email": "Confirm your email address before you set up two-step sign-in.",
    "add_email_blocked": "You cannot add an email address while two-step sign-in is on.",
    "cannot_generate_recovery_codes": "Set up two-step sign-in before you make recovery codes.",
}


def minutes_in_words(seconds: int) -> str:
    minutes = max(1, round(seconds / 60))
    return "1 minute" if minutes == 1 else f"{minutes} minutes"


class AccountAdapter(DefaultAccountAdapter):
    """People join coprod by invitation from a facilitator, so there is no open sign-up page."""

    error_messages = {**DefaultAccountAdapter.error_messages, **ACCOUNT_ERROR_MESSAGES}

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """One rule for the rate limits and the audit trail (core.middleware.client_ip, which honours
        TRUSTED_PROXY_COUNT), and a short X-Forwarded-For header falls back instead of failing."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip

    def send_mail(self, template_prefix, email, context):
        """Every account email names the service and says how long a sign-in code lasts (allauth's own
        context has neither; its "current_site" is the host the request came in on)."""
        context = {
            "service_name": "coprod",
            "site_url": settings.SITE_URL,
            "code_lifetime": minutes_in_words(settings.ACCOUNT_LOGIN_BY_CODE_TIMEOUT),
            **context,
        }
        super().send_mail(template_prefix, email, context)


class MfaAdapter(DefaultMFAAdapter):
    """Two-step sign-in's messages in coprod's words."""

    error_messages = {**DefaultMFAAdapter.error_messages, **MFA_ERROR_MESSAGES}

    def can_delete_authenticator(self, authenticator):
        """Someone whose role needs two-step sign-in (groups.middleware.ROLES_NEEDING_TWO_STEP) cannot turn it
        off: the next page would only send them back to set it up again."""
        return not needs_two_step(authenticator.user)


def two_step_offered(request) -> bool:
    """Whether pages offer two-step sign-in to the signed-in person: to anyone with a staff role or an operator
    of the installation, to anyone an organisation admin asked to have it (User.two_step_requested,
    groups.services.two_step_request), and to anyone who already has it (so they can manage it). Other parents
    and carers are not offered it: an extra step at every sign-in is a barrier for them.

    Uses what the request already has (the person's standing, loaded once per request, and the note the sign-in
    left in the session, groups.middleware.HAS_TWO_STEP_KEY), so it runs no query of its own."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if user.is_staff or staff_roles_of(user) or getattr(user, "two_step_requested", False):
        return True
    return bool(request.session.get(HAS_TWO_STEP_KEY))
