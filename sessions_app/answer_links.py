"""One-tap answer links: the yes/no links in an invitation or a chaser. The signed token is the proof, so they
work without signing in; that makes them personal links, which staff never see in the message log."""

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

ANSWER_SALT = "coprod.one-tap-answer"


def answer_token(*, session, person, answer: str) -> str:
    return signing.dumps({"s": session.pk, "u": person.pk, "a": answer}, salt=ANSWER_SALT, compress=True)


def answer_link(*, session, person, answer: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse(
        "sessions_app:one_tap_answer", args=[answer_token(session=session, person=person, answer=answer)]
    )


def answer_token_read(token: str) -> dict | None:
    """The token's session, person and answer, or None if it was tampered with. Links stop working when the
    session starts (checked against the session, so a moved session moves the expiry too)."""
    try:
        data = signing.loads(token, salt=ANSWER_SALT, max_age=timedelta(days=120))
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or {"s", "u", "a"} - set(data):
        return None
    return data
