"""Puts the request's address where the audit trail can find it, for the length of the request."""

from .audit import reset_request_ip, set_request_ip


def client_ip(request) -> str | None:
    # REMOTE_ADDR is the address that connected. Behind a trusted proxy, the proxy's middleware (or gunicorn's
    # forwarded-allow-ips) sets it; a client-supplied X-Forwarded-For is never trusted here.
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_request_ip(token)
