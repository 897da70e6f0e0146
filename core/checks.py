"""Deployment checks (`manage.py check --deploy`): a site with DEBUG off must send real email and texts.

Console, in-memory and dummy backends swallow messages or write sign-in codes and one-tap links to the logs, so a
deployment that forgot EMAIL_URL or SMS_BACKEND would run quietly and leak them. These are errors, and only under
`--deploy`, because the test settings also run with DEBUG off and keep mail in memory on purpose.
"""

from django.conf import settings
from django.core.checks import Error, Tags, register

# Email backends that never reach a mail server.
UNSAFE_EMAIL_BACKENDS = {
    "django.core.mail.backends.console.EmailBackend": "prints every email, sign-in codes included, to the log",
    "django.core.mail.backends.locmem.EmailBackend": "keeps every email in memory and sends nothing",
    "django.core.mail.backends.dummy.EmailBackend": "throws every email away",
    "django.core.mail.backends.filebased.EmailBackend": "writes every email, sign-in codes included, to files",
}
# Text message backends (settings.SMS_BACKEND, notifications.backends.BACKENDS) that never reach a phone.
UNSAFE_SMS_BACKENDS = {
    "console": "prints every text, links included, to the log",
    "locmem": "keeps every text in memory and sends nothing",
}


@register(Tags.security, deploy=True)
def check_message_backends(app_configs, **kwargs):
    """With DEBUG off, email and texts must go through real services, configured completely."""
    if settings.DEBUG:
        return []
    errors = []
    email_backend = getattr(settings, "EMAIL_BACKEND", "")
    if email_backend in UNSAFE_EMAIL_BACKENDS:
        errors.append(
            Error(
                f"EMAIL_BACKEND is {email_backend}, which {UNSAFE_EMAIL_BACKENDS[email_backend]}.",
                hint="Set EMAIL_URL to your mail server, e.g. smtp+tls://user:password@smtp.example.org:587.",
                id="core.E001",
            )
        )
    sms_backend = getattr(settings, "SMS_BACKEND", "")
    if sms_backend in UNSAFE_SMS_BACKENDS:
        errors.append(
            Error(
                f"SMS_BACKEND is {sms_backend!r}, which {UNSAFE_SMS_BACKENDS[sms_backend]}.",
                hint="Set SMS_BACKEND=govuk_notify with SMS_API_KEY and SMS_TEMPLATE_ID.",
                id="core.E002",
            )
        )
    elif sms_backend == "govuk_notify" and not (
        getattr(settings, "SMS_API_KEY", "") and getattr(settings, "SMS_TEMPLATE_ID", "")
    ):
        errors.append(
            Error(
                "SMS_BACKEND is 'govuk_notify' but SMS_API_KEY or SMS_TEMPLATE_ID is empty.",
                hint="Set both: the GOV.UK Notify API key and a text template whose whole content is ((body)).",
                id="core.E003",
            )
        )
    return errors
