"""Refuses a request that waited too long before reaching the app, so work nobody is waiting for is not done.

Under load, requests queue in front of gunicorn's workers. By the time a worker takes one that has waited a
minute, the person has usually given up (their browser, or nginx's proxy_read_timeout, has stopped waiting), yet
the app would still do the work: publish the session, record the answer, send the messages. This middleware
reads when the proxy first received the request, from the X-Request-Start header that nginx sets
(`proxy_set_header X-Request-Start "t=${msec}";`, see README), and answers 503 at once if the request has waited
longer than REQUEST_QUEUE_TIMEOUT_SECONDS. It sits before the session and authentication middleware, so a
refused request touches neither the database nor the session: the page can truthfully say nothing was saved.

Without the header (a laptop, tests, no proxy) or with one we cannot read, the request goes ahead as normal.
"""

import logging
import time

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import get_template

logger = logging.getLogger(__name__)

HEADER = "HTTP_X_REQUEST_START"


def request_start_time(value: str) -> float | None:
    """Seconds since the epoch from an X-Request-Start value: nginx's "t=1700000000.123" (seconds with
    milliseconds), or whole milliseconds or microseconds since the epoch as other proxies send them."""
    value = value.strip()
    if value.startswith("t="):
        value = value[2:]
    try:
        number = float(value)
    except ValueError:
        return None
    if number != number or number <= 0:  # NaN or nonsense
        return None
    if number > 1e14:  # microseconds
        return number / 1_000_000
    if number > 1e11:  # milliseconds
        return number / 1_000
    return number


def queued_for(request, *, now: float | None = None) -> float | None:
    """How long the request waited between the proxy and the app, in seconds, or None if we cannot tell."""
    raw = request.META.get(HEADER)
    if not raw:
        return None
    started = request_start_time(raw)
    if started is None:
        return None
    return (time.time() if now is None else now) - started


class RequestDeadlineMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        limit = getattr(settings, "REQUEST_QUEUE_TIMEOUT_SECONDS", 0)
        if limit:
            waited = queued_for(request)
            if waited is not None and waited > limit:
                logger.warning("Refused a %s request: it waited %.1f s before reaching the app", request.method, waited)
                return refused_response()
        return self.get_response(request)


def refused_response() -> HttpResponse:
    # Rendered without a request, so no context processor runs a query.
    body = get_template("503.html").render()
    response = HttpResponse(body, status=503)
    response["Retry-After"] = "30"
    return response
