"""What coprod tells people about sessions, and when. Every message goes through `notifications` (by way of
messaging.message_send, with the session as its topic), so each one is logged once, follows the person's
contact preference and respects quiet hours.

Messages to a whole group or to everyone with a place (invitations, cancellations, chasers, reminders) go in
bulk (`messaging.messages_send_many`: one insert, one delivery task per hundred). Publishing and cancelling
do not even do that in the request: they record a fan-out (`notifications.services.fanout_request`) that a
task runs after the commit (inline, at once, where MESSAGE_DELIVERY is "inline")."""

from datetime import timedelta

from django.conf import settings

from core.templatetags.govuk import format_datetime
from groups.models import Membership, StaffRole
from groups.selectors import group_facilitators
from notifications.services import Outgoing, fanout_request

from .answer_links import answer_links
from .messaging import message_send, messages_send_many
from .models import Answer, FollowUp, Message, Rsvp, Session, SupportRequest


def _link(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def when(session: Session) -> str:
    """For example "Tuesday 3 June, 9:20am": GOV.UK style, the one time format of every page and message."""
    return format_datetime(session.starts_at, year=False)


def place(session: Session, *, show_link: bool) -> str:
    parts = []
    if session.venue_id:
        parts.append(f"{session.venue.name}, {session.venue.address}".replace("\n", ", "))
    if session.joining_link:
        parts.append(f"online: {session.joining_link}" if show_link else "online (the link comes when you say yes)")
    return " and ".join(parts)


def _tell(
    *,
    people,
    kind: str,
    key: str,
    session: Session | None,
    context: dict,
    subject: str,
    organisation_id: int | None = None,
) -> int:
    """Sends one message of `kind` to each person; `notifications` renders the kind's templates
    (messages/<kind>.txt for email, messages/<kind>_text.txt for text) with this context."""
    sent = 0
    for person in people:
        ctx = {**context, "person": person}
        if session is not None:
            ctx.setdefault("session", session)
            ctx.setdefault("when", when(session))
            ctx.setdefault("link", _link(session.get_absolute_url()))
            if kind in (Message.Kind.INVITATION, Message.Kind.CHASER):
                # one nonce for the pair: once either link is used, both stop working
                ctx["yes_link"], ctx["no_link"] = answer_links(session=session, person=person)
        sent += len(
            message_send(
                person=person,
                kind=kind,
                key=key,
                context=ctx,
                subject=subject,
                session=session,
                organisation_id=organisation_id,
            )
        )
    return sent


def _tell_many(*, people, kind: str, key: str, session: Session, context: dict, subject: str, per_person=None) -> int:
    """`_tell` for many people at once, in bulk. `per_person(person)` adds to each person's context."""
    base = {"session": session, "when": when(session), "link": _link(session.get_absolute_url()), **context}
    with_answer_links = kind in (Message.Kind.INVITATION, Message.Kind.CHASER)

    def outgoing():
        for person in people:
            ctx = {**base, "person": person}
            if with_answer_links:
                # one nonce for the pair: once either link is used, both stop working
                ctx["yes_link"], ctx["no_link"] = answer_links(session=session, person=person)
            if per_person is not None:
                ctx.update(per_person(person))
            yield Outgoing(person=person, key=key, context=ctx, subject=subject)

    return messages_send_many(kind=kind, outgoing=outgoing(), session=session)


def _members(session: Session, *, exclude_ids=()):
    return [
        m.user
        for m in Membership.objects.active()
        .filter(group_id=session.group_id)
        .exclude(user_id__in=list(exclude_ids))
        .select_related("user")
    ]


def _session_facilitator_ids(session: Session) -> set[int]:
    return set(session.facilitators.filter(withdrawn_at__isnull=True).values_list("user_id", flat=True))


FANOUT_PUBLISHED = "sessions.session_published"
FANOUT_CANCELLED = "sessions.session_cancelled"


def session_published(*, session: Session) -> int:
    """Everyone in the group (but the session's own facilitators) is invited, with one-tap yes and no links:
    by a task after the publish commits (`invite_members`), not in the request."""
    return fanout_request(name=FANOUT_PUBLISHED, object_id=session.pk)


def session_cancelled(*, session: Session) -> int:
    """Everyone who said yes is told, by a task after the cancellation commits (`tell_cancelled`)."""
    return fanout_request(name=FANOUT_CANCELLED, object_id=session.pk)


def _session_for_fanout(session_id: int) -> Session | None:
    return Session.objects.select_related("group", "venue").filter(pk=session_id).first()


def invite_members(session_id: int) -> int:
    """The publish fan-out. A session cancelled before it ran invites nobody."""
    session = _session_for_fanout(session_id)
    if session is None or session.status != Session.Status.PUBLISHED:
        return 0
    return _tell_many(
        people=_members(session, exclude_ids=_session_facilitator_ids(session)),
        kind=Message.Kind.INVITATION,
        key=f"invitation:{session.pk}",
        session=session,
        context={"place": place(session, show_link=False)},
        subject=f"Will you come? {session.title}, {when(session)}",
    )


def tell_cancelled(session_id: int) -> int:
    """The cancellation fan-out."""
    session = _session_for_fanout(session_id)
    if session is None or session.status != Session.Status.CANCELLED:
        return 0
    people = [r.user for r in Rsvp.objects.filter(session=session, answer=Answer.YES).select_related("user")]
    return _tell_many(
        people=people,
        kind=Message.Kind.CANCELLATION,
        key=f"cancellation:{session.pk}",
        session=session,
        context={},
        subject=f"Cancelled: {session.title}, {when(session)}",
    )


def chaser(*, session: Session) -> int:
    answered = set(Rsvp.objects.filter(session=session).values_list("user_id", flat=True))
    people = _members(session, exclude_ids=answered | _session_facilitator_ids(session))
    return _tell_many(
        people=people,
        kind=Message.Kind.CHASER,
        key=f"chaser:{session.pk}",
        session=session,
        context={"place": place(session, show_link=False)},
        subject=f"Can you come? {session.title}, {when(session)}",
    )


def reminder(*, session: Session, kind: str) -> int:
    """To everyone with a place: when, where (the joining link too), preparation and the support arranged."""
    rsvps = Rsvp.objects.filter(
        session=session,
        answer=Answer.YES,
        waitlisted_at__isnull=True,
        # only people still in the group (one active membership per group, so no row twice)
        user__memberships__group_id=session.group_id,
        user__memberships__left_at__isnull=True,
    ).select_related("user")
    prep = list(session.preparation.values_list("title", flat=True))
    support = {}
    for req in SupportRequest.objects.filter(session=session, status=SupportRequest.Status.APPROVED):
        support.setdefault(req.user_id, []).append(req)
    return _tell_many(
        people=(rsvp.user for rsvp in rsvps),
        kind=kind,
        key=f"{kind}:{session.pk}",
        session=session,
        context={"place": place(session, show_link=True), "preparation": prep},
        per_person=lambda person: {"support": support.get(person.pk, [])},
        subject=f"Reminder: {session.title}, {when(session)}",
    )


def place_offered(*, rsvp: Rsvp) -> int:
    session = rsvp.session
    return _tell(
        people=[rsvp.user],
        kind=Message.Kind.PLACE_OFFERED,
        key=f"place_offered:{rsvp.pk}:{rsvp.promoted_at:%Y%m%d%H%M%S%f}",
        session=session,
        context={"place": place(session, show_link=True)},
        subject=f"A place is free for you: {session.title}",
    )


URGENT_WITHIN = timedelta(hours=24)
SUPPORT_DIGEST = "support_digest"  # the kind, registered in messaging.py


def support_request_is_urgent(request: SupportRequest) -> bool:
    """A request made within 24 hours of its session cannot wait for the next digest."""
    return request.session.starts_at - request.created_at <= URGENT_WITHIN


def support_requested(*, request: SupportRequest) -> int:
    """Facilitators hear of a new request in their digest (checks.support_digests_run, every 15 minutes), not
    one email each; only an urgent one (its session within 24 hours) is sent to them at once."""
    if not support_request_is_urgent(request):
        return 0
    session = request.session
    return _tell(
        people=list(group_facilitators(group_id=session.group_id)),
        kind=Message.Kind.SUPPORT_REQUESTED,
        key=f"support_requested:{request.pk}",
        session=session,
        context={"request": request, "queue_link": _link("/sessions/support/")},
        subject=f"Support asked for: {session.title}",
    )


def support_digest(*, person, requests: list, key: str) -> int:
    """One message to a facilitator listing the support requests made since their last digest (`key` names the
    person and the digest window, so a second run sends nothing)."""
    for request in requests:
        request.when = when(request.session)
    count = len(requests)
    return _tell(
        people=[person],
        kind=SUPPORT_DIGEST,
        key=key,
        session=None,
        organisation_id=requests[0].session.group.organisation_id,
        context={"requests": requests, "count": count, "queue_link": _link("/sessions/support/")},
        subject=f"{count} new support request{'s' if count != 1 else ''} to decide",
    )


def quorum_reminder(*, session: Session, people: list, key: str) -> int:
    """The chaser, sent again by a governance lead to the parents who have not answered a meeting at risk of
    missing its parent quorum (`key`: one a day per meeting)."""
    return _tell_many(
        people=people,
        kind=Message.Kind.CHASER,
        key=key,
        session=session,
        context={"place": place(session, show_link=False)},
        subject=f"Can you come? {session.title}, {when(session)}",
    )


def support_decided(*, request: SupportRequest) -> int:
    session = request.session
    return _tell(
        people=[request.user],
        kind=Message.Kind.SUPPORT_DECIDED,
        key=f"support_decided:{request.pk}",
        session=session,
        context={"request": request},
        subject=f"Your request for {request.get_kind_display().lower()}: {request.get_status_display().lower()}",
    )


def follow_up_due(*, follow_up: FollowUp) -> int:
    return _tell(
        people=[follow_up.assigned_to],
        kind=Message.Kind.FOLLOW_UP_DUE,
        key=f"follow_up_due:{follow_up.pk}",
        session=follow_up.session,
        context={"follow_up": follow_up, "queue_link": _link("/sessions/follow-ups/")},
        subject=f"Follow-up due: {follow_up.person.display_name}",
    )


def _staff_and_facilitators(session: Session, role: str) -> list:
    """The organisation's staff in `role`, then the group's facilitators, each person once."""
    people = {
        r.user.pk: r.user
        for r in StaffRole.objects.filter(organisation_id=session.group.organisation_id, role=role).select_related(
            "user"
        )
    }
    for user in group_facilitators(group_id=session.group_id):
        people.setdefault(user.pk, user)
    return list(people.values())


def quorum_alert(*, session: Session, check, not_answered: list, maybe: list) -> int:
    return _tell(
        people=_staff_and_facilitators(session, StaffRole.Role.GOVERNANCE_LEAD),
        kind=Message.Kind.QUORUM_ALERT,
        key=f"quorum:{session.pk}:{check.hours_before}",
        session=session,
        context={"check": check, "not_answered": not_answered, "maybe": maybe, "dashboard_link": _link("/governance/")},
        subject=f"Parents short for {session.title}, {when(session)}",
    )


def facilitator_alert(*, alert) -> int:
    session = alert.session
    return _tell(
        people=_staff_and_facilitators(session, StaffRole.Role.ADMIN),
        kind=Message.Kind.FACILITATOR_ALERT,
        key=f"facilitator_alert:{alert.pk}",
        session=session,
        context={"alert": alert},
        subject=f"Needs two facilitators: {session.title}, {when(session)}",
    )
