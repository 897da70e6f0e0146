"""Tokens in paths are kept out of logs. A one-tap answer link, a private calendar feed, an invitation, an email
confirmation and a password reset each carry the proof in the path, so an access log line (or a Referer header)
holding the path would hold a working link. `redact_path` replaces the token with "[token]"; gunicorn's access
log uses it through `coprod.gunicorn_logging.RedactingLogger` (set in gunicorn.conf.py)."""

import logging
import re

# Every URL pattern with a token in its path (coprod/urls.py, sessions_app/urls.py, allauth.account.urls).
TOKEN_PATHS = (
    re.compile(r"(/a/)[^/?#\s]+"),  # one-tap answers
    re.compile(r"(/calendar/)[^/?#\s]+(?=\.ics)"),  # private calendar feeds
    re.compile(r"(/invitations/)[^/?#\s]+"),  # group invitations
    re.compile(r"(/accounts/confirm-email/)[^/?#\s]+"),  # allauth email confirmation
    re.compile(r"(/accounts/password/reset/key/)[^/?#\s]+"),  # allauth password reset
)
REDACTED = "[token]"


def redact_path(text: str) -> str:
    """`text` (a path, a request line or a full URL) with every token in a path replaced by "[token]"."""
    if not text:
        return text
    for pattern in TOKEN_PATHS:
        text = pattern.sub(lambda m: m.group(1) + REDACTED, text)
    return text


class RedactTokensFilter(logging.Filter):
    """A logging filter for the project's handlers: Django logs "Not Found: /a/<token>/" for a refused link, so
    every log line has its tokens replaced before it is written."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a badly formed record is logged as it is
            return True
        redacted = redact_path(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
