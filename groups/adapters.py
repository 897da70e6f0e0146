from allauth.account.adapter import DefaultAccountAdapter
from django.core.exceptions import PermissionDenied

from core.middleware import client_ip


class AccountAdapter(DefaultAccountAdapter):
    """People join coprod by invitation from a facilitator, so there is no open sign-up page."""

    def is_open_for_signup(self, request):
        return False

    def get_client_ip(self, request):
        """One rule for the rate limits and the audit trail (core.middleware.client_ip, which honours
        TRUSTED_PROXY_COUNT), and a short X-Forwarded-For header falls back instead of failing."""
        ip = client_ip(request)
        if not ip:
            raise PermissionDenied("Unable to determine client IP address")
        return ip
