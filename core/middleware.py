"""Puts the request's address where the audit trail can find it, for the length of the request."""

import ipaddress

from django.conf import settings
from django.http.request import split_domain_port

from .audit import reset_request_ip, set_request_ip


def _valid_ip(value: str | None) -> str | None:
    """The address in canonical form, without a port some proxies add ("203.0.113.7:4711", "[2001:db8::1]:443");
    None if it is not an address."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        pass
    host, port = split_domain_port(value)
    if port and host:
        try:
            return str(ipaddress.ip_address(host.strip("[]")))
        except ValueError:
            return None
    return None


def client_ip(request) -> str | None:
    """The address of the person making the request.

    With TRUSTED_PROXY_COUNT = 0 (the default: nothing in front of the app, or a proxy we do not trust) it is
    REMOTE_ADDR, the address that connected, and a client-supplied X-Forwarded-For is ignored. With N proxies of
    ours in front, each appending the address it saw to X-Forwarded-For, the Nth entry from the right is the
    address the outermost proxy of ours saw: entries further left came from the client and are never trusted.
    A header shorter than N, or an entry that is not an address, means the request did not come through our
    proxies as configured, so REMOTE_ADDR is used. allauth's rate limits use the same rule
    (ALLAUTH_TRUSTED_PROXY_COUNT is set from the same setting).
    """
    remote_addr = _valid_ip(request.META.get("REMOTE_ADDR"))
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if count > 0 and forwarded:
        entries = forwarded.split(",")
        if len(entries) >= count:
            return _valid_ip(entries[-count]) or remote_addr
    return remote_addr


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = set_request_ip(client_ip(request))
        try:
            return self.get_response(request)
        finally:
            reset_request_ip(token)
