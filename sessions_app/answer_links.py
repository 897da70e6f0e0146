"""One-tap answer links: the yes/no links in an invitation or a chaser. They work without signing in, so they
are personal links, which staff never see in the message log, and they are kept as weak as they can be:

- **single use**: the yes and no links of one message share a server-side nonce (`OneTapNonce`), used up by the
  first answer given through either of them (the row is locked while the answer is recorded);
- **bound to the person**: a link is refused while someone else is signed in (the view checks);
- **short-lived**: a link works for `LINK_LIFETIME` after it was made, and never after the session starts (the
  nonce's `expires_at`, so the server decides, whatever the token says);
- **nothing more than the answer, and help to come**: a "no" given through a link leaves the person's support
  requests alone until they confirm cancelling them, and the page shows no name. After an answer, that browser
  may carry on for `HELP_GRANT_LIFETIME` to ask for help to come (or to cancel what they asked for) for that
  session and that person only (`help_grant_give` / `help_grant_person_id`); anything else asks them to sign in.

The token is signed (Django's signing, with its own salt), so a forged or altered one is simply not found.
"""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from .models import Answer, OneTapNonce, Session, SupportRequest

ANSWER_SALT = "coprod.one-tap-answer"
LINK_LIFETIME = timedelta(days=7)
HELP_GRANT_LIFETIME = timedelta(minutes=30)
HELP_GRANT_KEY = "one_tap_help_grant"


@dataclass(frozen=True)
class OneTapLink:
    """What a valid token says: which session, whose answer, which answer, and its nonce."""

    session_id: int
    person_id: int
    answer: str
    nonce: str


def answer_nonce_issue(*, session, person, now: datetime | None = None) -> str:
    """A new nonce for one message's links, working for LINK_LIFETIME and never after the session starts."""
    now = now or timezone.now()
    nonce = secrets.token_urlsafe(24)
    expires_at = max(now, min(now + LINK_LIFETIME, session.starts_at))
    OneTapNonce.objects.create(session=session, person=person, nonce=nonce, created_at=now, expires_at=expires_at)
    return nonce


def answer_token(*, session, person, answer: str, nonce: str | None = None) -> str:
    """A signed token for one answer; without a nonce, a new one is issued for this link alone."""
    nonce = nonce or answer_nonce_issue(session=session, person=person)
    return signing.dumps({"s": session.pk, "u": person.pk, "a": answer, "n": nonce}, salt=ANSWER_SALT, compress=True)


def _url(token: str) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("sessions_app:one_tap_answer", args=[token])


def answer_link(*, session, person, answer: str) -> str:
    return _url(answer_token(session=session, person=person, answer=answer))


def answer_links(*, session, person) -> tuple[str, str]:
    """The yes and the no link of one message. They share one nonce: once either is used, both stop working."""
    nonce = answer_nonce_issue(session=session, person=person)
    return (
        _url(answer_token(session=session, person=person, answer=Answer.YES, nonce=nonce)),
        _url(answer_token(session=session, person=person, answer=Answer.NO, nonce=nonce)),
    )


def answer_token_open(token: str) -> OneTapLink | None:
    """The token's session, person, answer and nonce; None if it was forged or altered. How long it works is the
    server's to say (the nonce's `expires_at`), not the token's."""
    try:
        data = signing.loads(token, salt=ANSWER_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or {"s", "u", "a", "n"} - set(data):
        return None
    if not all(isinstance(data[k], int) for k in "su") or not all(isinstance(data[k], str) for k in "an"):
        return None
    return OneTapLink(session_id=data["s"], person_id=data["u"], answer=data["a"], nonce=data["n"])


def answer_token_read(token: str) -> dict | None:
    """The token's session, person and answer ({"s", "u", "a"}), or None if it was tampered with."""
    link = answer_token_open(token)
    if link is None:
        return None
    return {"s": link.session_id, "u": link.person_id, "a": link.answer}


def answer_nonce_find(*, link: OneTapLink) -> OneTapNonce | None:
    """The link's nonce row with its session (and venue) loaded; None if the token and the row disagree."""
    return (
        OneTapNonce.objects.select_related("session", "session__venue")
        .filter(nonce=link.nonce, session_id=link.session_id, person_id=link.person_id)
        .first()
    )


def answer_link_problem(*, row: OneTapNonce, now: datetime | None = None) -> str:
    """Why this link cannot answer now: "closed" (the session has started or is not open), "used", "expired";
    or "" when it can. The session's own state comes first."""
    now = now or timezone.now()
    session: Session = row.session
    if session.starts_at <= now or not session.is_published:
        return "closed"
    if row.used_at is not None:
        return "used"
    if row.expires_at <= now:
        return "expired"
    return ""


LINK_ERRORS = {
    "closed": (
        "This session has already started, or it is not open for answers, so this link no longer works. "
        "Please speak to a facilitator."
    ),
    "used": "This link has already been used. Sign in to change your answer.",
    "expired": "This link has expired. Sign in to answer.",
}


@transaction.atomic
def answer_by_link(*, link: OneTapLink, person, now: datetime | None = None):
    """Records the answer a one-tap link gives and uses its nonce up, both or neither. The nonce row is locked,
    so two taps at once (or a replay racing the first tap) record one answer and refuse the other. A link gives
    its answer only while it is unused, unexpired and the session open (codes "link_closed", "link_used",
    "link_expired"). A "no" keeps the person's support requests: cancelling them needs the person to confirm.
    Returns the answer's result (rsvp_answer's) and whether support requests are still pending."""
    from .services.answers import rsvp_answer

    now = now or timezone.now()
    row = (
        OneTapNonce.objects.select_for_update(of=("self",))
        .select_related("session")
        .filter(nonce=link.nonce, session_id=link.session_id, person_id=link.person_id)
        .first()
    )
    if row is None:
        raise ValidationError("This link is not known.", code="link_unknown")
    problem = answer_link_problem(row=row, now=now)
    if problem:
        raise ValidationError(LINK_ERRORS[problem], code=f"link_{problem}")
    result = rsvp_answer(session=row.session, user=person, answer=link.answer, cancel_support=False)
    row.used_at = now
    row.save(update_fields=["used_at"])
    pending = SupportRequest.objects.filter(
        session_id=link.session_id, user=person, status=SupportRequest.Status.PENDING
    ).exists()
    return result, pending


def help_grant_give(*, request_session, session_id: int, person_id: int, now: datetime | None = None) -> None:
    """Lets this browser (its Django session) ask for help to come to one session, as one person, for
    HELP_GRANT_LIFETIME after a one-tap answer: no password, and nothing beyond that session."""
    now = now or timezone.now()
    request_session[HELP_GRANT_KEY] = {
        "s": session_id,
        "u": person_id,
        "until": (now + HELP_GRANT_LIFETIME).timestamp(),
    }


def help_grant_person_id(*, request_session, session_id: int, now: datetime | None = None) -> int | None:
    """The person this browser may act for on `session_id`'s help pages, or None (no grant, another session,
    or expired)."""
    grant = request_session.get(HELP_GRANT_KEY)
    if not isinstance(grant, dict) or grant.get("s") != session_id or not isinstance(grant.get("u"), int):
        return None
    now = now or timezone.now()
    until = grant.get("until")
    if not isinstance(until, (int, float)) or now.timestamp() >= until:
        return None
    return grant["u"]
