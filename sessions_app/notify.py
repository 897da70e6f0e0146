"""Messages about sessions. Each is sent after the surrounding transaction commits, so a rolled-back change
never tells anyone anything."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone

from groups.models import Membership

from .models import Answer, Rsvp, Session, SupportRequest


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def _send(*, to, subject: str, template: str, context: dict) -> None:
    recipients = [u.email for u in to if u.email and u.is_active]
    if not recipients:
        return
    body = render_to_string(template, context)

    def deliver():
        for address in recipients:
            send_mail(subject, body, None, [address])

    transaction.on_commit(deliver)


def _when(session: Session) -> str:
    return (
        timezone.localtime(session.starts_at).strftime("%A %-d %B at %-I:%M%p").replace("AM", "am").replace("PM", "pm")
    )


def session_published(*, session: Session) -> None:
    """Invitation messages on publishing are sent by the reminders schedule (issue 5); nothing here yet."""


def session_cancelled(*, session: Session) -> None:
    people = [r.user for r in Rsvp.objects.filter(session=session, answer=Answer.YES).select_related("user")]
    _send(
        to=people,
        subject=f"Cancelled: {session.title}, {_when(session)}",
        template="sessions_app/email/cancelled.txt",
        context={"session": session, "when": _when(session), "link": _link(session.get_absolute_url())},
    )


def place_offered(*, rsvp: Rsvp) -> None:
    session = rsvp.session
    _send(
        to=[rsvp.user],
        subject=f"A place is free for you: {session.title}",
        template="sessions_app/email/place_offered.txt",
        context={
            "session": session,
            "user": rsvp.user,
            "when": _when(session),
            "link": _link(session.get_absolute_url()),
        },
    )


def support_requested(*, request: SupportRequest) -> None:
    session = request.session
    facilitators = [
        m.user
        for m in Membership.objects.active()
        .filter(group=session.group, role=Membership.Role.FACILITATOR)
        .select_related("user")
    ]
    _send(
        to=facilitators,
        subject=f"Support asked for: {session.title}",
        template="sessions_app/email/support_requested.txt",
        context={"request": request, "session": session, "when": _when(session), "link": _link("/sessions/support/")},
    )


def support_decided(*, request: SupportRequest) -> None:
    session = request.session
    _send(
        to=[request.user],
        subject=f"Your request for {request.get_kind_display().lower()}: {request.get_status_display().lower()}",
        template="sessions_app/email/support_decided.txt",
        context={
            "request": request,
            "session": session,
            "when": _when(session),
            "link": _link(session.get_absolute_url()),
        },
    )
