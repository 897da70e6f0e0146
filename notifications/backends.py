"""Text message backends, chosen by settings.SMS_BACKEND: "console" (prints), "locmem" (kept in memory for
tests) or "govuk_notify" (GOV.UK Notify, through its maintained Python client). Email goes through Django's
own mail backends (settings.EMAIL_BACKEND)."""

import sys

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class SmsError(Exception):
    """A send that failed; the message is retried with backoff."""


class ConsoleSmsBackend:
    def send(self, *, to: str, body: str) -> str:
        sys.stdout.write(f"--- text message to {to} ---\n{body}\n---\n")
        sys.stdout.flush()
        return "console"


class LocmemSmsBackend:
    outbox: list[dict] = []

    def send(self, *, to: str, body: str) -> str:
        LocmemSmsBackend.outbox.append({"to": to, "body": body})
        return f"locmem-{len(LocmemSmsBackend.outbox)}"


class GovUkNotifySmsBackend:
    """Needs SMS_API_KEY and SMS_TEMPLATE_ID: a Notify text template whose whole content is ((body))."""

    def __init__(self):
        if not settings.SMS_API_KEY or not settings.SMS_TEMPLATE_ID:
            raise ImproperlyConfigured("GOV.UK Notify needs SMS_API_KEY and SMS_TEMPLATE_ID.")
        from notifications_python_client.notifications import NotificationsAPIClient

        self.client = NotificationsAPIClient(settings.SMS_API_KEY)

    def send(self, *, to: str, body: str) -> str:
        from notifications_python_client.errors import HTTPError

        try:
            response = self.client.send_sms_notification(
                phone_number=to, template_id=settings.SMS_TEMPLATE_ID, personalisation={"body": body}
            )
        except (HTTPError, OSError) as exc:
            raise SmsError(str(exc)) from exc
        return response.get("id", "")


BACKENDS = {"console": ConsoleSmsBackend, "locmem": LocmemSmsBackend, "govuk_notify": GovUkNotifySmsBackend}


def get_backend():
    try:
        return BACKENDS[settings.SMS_BACKEND]()
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown SMS_BACKEND {settings.SMS_BACKEND!r}: use {', '.join(BACKENDS)}."
        ) from None
