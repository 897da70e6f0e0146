"""Reads for sessions. Each selector decides what a person may see and loads it in a fixed number of queries."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from groups.models import Group, Membership, Organisation, StaffRole, User
from groups.permissions import R, facilitated_group_ids, has_perm, has_role, orgs_with_role, standing, visible
from groups.selectors import PAGE_SIZE, TrailPage, page_of

from .models import (
    Action,
    Answer,
    CalendarFeed,
    CheckIn,
    Debrief,
    Decision,
    FacilitatorRole,
    FollowUp,
    PreparationMaterial,
    Rsvp,
    Session,
    SessionFacilitator,
    SupportRequest,
    Venue,
    Win,
)


def managed_group_ids(user) -> set[int]:
    """Groups a person manages (the "group.manage" policy): those they currently facilitate, and every group of
    organisations they administer."""
    ids = facilitated_group_ids(user)
    admin_orgs = orgs_with_role(user, R.ADMIN)
    if admin_orgs:  # the same rule as the policy's queryset form, without a query when there is nothing to add
        ids |= set(
            visible(user, "group.manage", Group.objects.filter(organisation_id__in=admin_orgs)).values_list(
                "pk", flat=True
            )
        )
    return ids


def _active_place(role):
    return Exists(SessionFacilitator.objects.filter(session=OuterRef("pk"), role=role, withdrawn_at__isnull=True))


def _rsvp_count(**where):
    counted = Rsvp.objects.filter(session=OuterRef("pk"), answer=Answer.YES, **where).order_by()
    return Coalesce(Subquery(counted.values("session").annotate(n=Count("pk")).values("n")), 0)


def with_rule_and_places(qs):
    """Annotates places taken, the waiting list and whether the two-facilitator rule holds. Each is a
    subquery on one session's rows (by the rsvp (session, answer, waitlisted_at) index and the active
    facilitator (session, role) index), not a join and GROUP BY: a bounded list reads only its own sessions'
    answers, and PostgreSQL does not hash the whole facilitator table to answer for a page of sessions."""
    return qs.annotate(
        places_taken=_rsvp_count(waitlisted_at__isnull=True),
        waiting=_rsvp_count(waitlisted_at__isnull=False),
        has_lead=_active_place(FacilitatorRole.LEAD),
        has_support=_active_place(FacilitatorRole.SUPPORT),
    )


def with_my_answer(qs, user):
    mine = Rsvp.objects.filter(session=OuterRef("pk"), user=user)
    return qs.annotate(
        my_answer=Subquery(mine.values("answer")[:1]),
        my_waitlisted_at=Subquery(mine.values("waitlisted_at")[:1]),
    )


def is_at_risk(session) -> bool:
    """Published, not yet over, and without an active lead and an active support facilitator."""
    return session.status == Session.Status.PUBLISHED and not (session.has_lead and session.has_support)


def sessions_for_group(*, group: Group, user, can_manage: bool):
    qs = Session.objects.filter(group=group).select_related("venue")
    if not can_manage:
        qs = qs.exclude(status=Session.Status.DRAFT)
    qs = with_my_answer(with_rule_and_places(qs), user)
    return qs.prefetch_related(
        Prefetch(
            "facilitators",
            queryset=SessionFacilitator.objects.filter(withdrawn_at__isnull=True).select_related("user"),
            to_attr="active_facilitators",
        )
    ).order_by("starts_at")


UPCOMING_SHOWN = 50


@dataclass
class GroupSessions:
    upcoming: list  # still to come or under way, soonest first: at most UPCOMING_SHOWN
    more_upcoming: bool  # more are planned than are shown
    past: TrailPage  # one page of those that have ended, the most recent first


def group_sessions_page(*, group: Group, user, can_manage: bool, number, now=None) -> GroupSessions:
    """A group's sessions page: those to come, bounded, and one page of its history (50, the most recent
    first). Both lists are read in one query (each picks its rows by the (group, starts_at) index) and their
    facilitators in one more, however many sessions the group has held. Only a page past the end costs a
    count, and shows the last page instead."""
    now = now or timezone.now()
    try:
        number = min(max(1, int(number)), 10_000)
    except (TypeError, ValueError):
        number = 1
    listed = Session.objects.filter(group=group)
    if not can_manage:
        listed = listed.exclude(status=Session.Status.DRAFT)
    still_to_come = listed.filter(ends_at__gte=now).order_by("starts_at", "pk").values("pk")
    ended = listed.filter(ends_at__lt=now).order_by("-starts_at", "-pk").values("pk")
    bottom = (number - 1) * PAGE_SIZE
    rows = list(
        sessions_for_group(group=group, user=user, can_manage=can_manage).filter(
            Q(pk__in=still_to_come[: UPCOMING_SHOWN + 1]) | Q(pk__in=ended[bottom : bottom + PAGE_SIZE + 1])
        )
    )
    upcoming = [s for s in rows if s.ends_at >= now]
    past = sorted((s for s in rows if s.ends_at < now), key=lambda s: (s.starts_at, s.pk), reverse=True)
    if not past and number > 1:
        last = max(1, -(-ended.count() // PAGE_SIZE))
        return group_sessions_page(group=group, user=user, can_manage=can_manage, number=last, now=now)
    return GroupSessions(
        upcoming=upcoming[:UPCOMING_SHOWN],
        more_upcoming=len(upcoming) > UPCOMING_SHOWN,
        past=TrailPage(rows=past[:PAGE_SIZE], number=number, has_next=len(past) > PAGE_SIZE, per_page=PAGE_SIZE),
    )


def upcoming_for_member(*, user, limit: int = 10):
    """Published sessions still to come (or under way) in the person's groups, with their answer."""
    group_ids = list(standing(user).memberships)
    qs = (
        Session.objects.filter(group_id__in=group_ids, status=Session.Status.PUBLISHED, ends_at__gte=timezone.now())
        .select_related("group", "venue")
        .order_by("starts_at")
    )
    my_place = SessionFacilitator.objects.filter(session=OuterRef("pk"), user=user, withdrawn_at__isnull=True)
    qs = qs.annotate(my_facilitator_role=Subquery(my_place.values("role")[:1]))
    return list(with_my_answer(with_rule_and_places(qs), user)[:limit])


@dataclass
class SessionPage:
    session: Session
    rsvp: Rsvp | None
    support_requests: list
    agenda: list
    breaks: list
    preparation: list
    preparation_opens_at: object
    facilitators: list
    places_taken: int
    waiting: int


def session_page(*, session: Session, user, can_manage: bool, can_read_preparation: bool = True) -> SessionPage:
    """What the session page shows one person. Preparation is listed once it is shared (managers any time), and
    only to those who may read it (the `session.preparation` permission)."""
    now = timezone.now()
    prep_open = can_read_preparation and (can_manage or now >= session.preparation_opens_at)
    rsvps = Rsvp.objects.filter(session=session, answer=Answer.YES)
    return SessionPage(
        session=session,
        rsvp=Rsvp.objects.filter(session=session, user=user).first(),
        support_requests=list(SupportRequest.objects.filter(session=session, user=user).order_by("-created_at")),
        agenda=list(session.agenda_items.all()),
        breaks=list(session.breaks.all()),
        preparation=list(PreparationMaterial.objects.filter(session=session)) if prep_open else [],
        preparation_opens_at=session.preparation_opens_at,
        facilitators=list(session.facilitators.filter(withdrawn_at__isnull=True).select_related("user")),
        places_taken=rsvps.filter(waitlisted_at__isnull=True).count(),
        waiting=rsvps.filter(waitlisted_at__isnull=False).count(),
    )


@dataclass
class CheckInRow:
    membership: Membership
    rsvp: Rsvp | None
    checkin: CheckIn | None

    @property
    def expected(self):
        return self.rsvp is not None and self.rsvp.has_place


def checkin_rows(*, session: Session) -> list[CheckInRow]:
    """Everyone in the group, those expected (a yes with a place) first, with their check-in. Three queries."""
    members = list(
        Membership.objects.active()
        .filter(group=session.group)
        .exclude(role=Membership.Role.FACILITATOR)
        .select_related("user")
        .order_by("user__full_name")
    )
    rsvps = {r.user_id: r for r in Rsvp.objects.filter(session=session)}
    checkins = {c.user_id: c for c in CheckIn.objects.filter(session=session)}
    rows = [CheckInRow(m, rsvps.get(m.user_id), checkins.get(m.user_id)) for m in members]
    rows.sort(key=lambda r: (not r.expected, r.membership.user.display_name.lower()))
    return rows


def support_queue(*, user, status: str = SupportRequest.Status.PENDING):
    """Support requests the person may decide (the "support_request.decide" policy)."""
    return (
        visible(user, "support_request.decide", SupportRequest.objects.filter(status=status))
        .select_related("session", "session__group", "user")
        .order_by("session__starts_at", "created_at", "pk")
    )


def follow_up_queue(*, user, include_closed: bool = False):
    """Follow-ups the person may see and close (the "follow_up.close" policy): of groups where they currently
    facilitate or administer, never of a group they have left."""
    qs = visible(user, "follow_up.close", FollowUp.objects.all()).select_related(
        "session", "session__group", "person", "assigned_to"
    )
    if not include_closed:
        qs = qs.filter(closed_at__isnull=True)
    return qs.order_by("due_on", "created_at")


def at_risk_sessions(*, user, within: timedelta | None = None, limit: int | None = None):
    """Published sessions still to come in groups the person manages that break the two-facilitator rule:
    all of them, or (for the home page) those `within` a time from now, the soonest `limit`."""
    now = timezone.now()
    # The rule is decided in the database (two EXISTS), so only the sessions at risk come back.
    qs = (
        Session.objects.filter(
            group_id__in=managed_group_ids(user), status=Session.Status.PUBLISHED, starts_at__gte=now
        )
        .annotate(has_lead=_active_place(FacilitatorRole.LEAD), has_support=_active_place(FacilitatorRole.SUPPORT))
        .filter(Q(has_lead=False) | Q(has_support=False))
        .select_related("group")
        .order_by("starts_at", "pk")
    )
    if within is not None:
        qs = qs.filter(starts_at__lte=now + within)
    return list(qs[:limit] if limit is not None else qs)


def overdue_debriefs(*, user):
    """Sessions that ended more than 48 hours ago with no debrief, for whoever the "session.debrief" policy
    names: their lead (while they stand in the group) or the organisation admin."""
    return (
        visible(user, "session.debrief", Session.objects.all())
        .filter(status=Session.Status.PUBLISHED, ends_at__lt=timezone.now() - timedelta(hours=48))
        .exclude(Exists(Debrief.objects.filter(session=OuterRef("pk"))))
        .select_related("group")
        .order_by("-ends_at")
    )


@dataclass
class TimelineEntry:
    kind: str  # "decision", "action" or "win"
    when: object
    session: Session
    item: object


TIMELINE_PAGES = 200  # a page reads the rows of every page before it; nobody pages this far by hand


def group_timeline_page(*, group: Group, number, per_page: int = PAGE_SIZE) -> TrailPage:
    """One page of the group's decisions, actions and wins, newest first ("you said, we did"). Three queries,
    however long the group's history: each kind's newest rows down to the end of the page (no count), merged.
    Only a page past the end counts the rows (three more), to show the last page instead."""
    try:
        number = min(max(1, int(number)), TIMELINE_PAGES)
    except (TypeError, ValueError):
        number = 1
    top = number * per_page + 1
    kinds = {
        "decision": Decision.objects.filter(session__group=group).select_related("session"),
        "action": Action.objects.filter(session__group=group).select_related("session", "owner"),
        "win": Win.objects.filter(session__group=group).select_related("session"),
    }
    entries = [
        TimelineEntry(kind, item.recorded_at, item.session, item)
        for kind, qs in kinds.items()
        for item in qs.order_by("-recorded_at", "-pk")[:top]
    ]
    entries.sort(key=lambda e: (e.when, e.kind, e.item.pk), reverse=True)
    bottom = (number - 1) * per_page
    rows = entries[bottom : bottom + per_page + 1]
    if not rows and number > 1:
        total = sum(qs.count() for qs in kinds.values())
        return group_timeline_page(group=group, number=max(1, -(-total // per_page)), per_page=per_page)
    return TrailPage(rows=rows[:per_page], number=number, has_next=len(rows) > per_page, per_page=per_page)


def group_timeline(*, group: Group) -> list[TimelineEntry]:
    """Decisions, actions and wins of the group's sessions, newest first ("you said, we did")."""
    entries = [
        TimelineEntry("decision", d.recorded_at, d.session, d)
        for d in Decision.objects.filter(session__group=group).select_related("session")
    ]
    entries += [
        TimelineEntry("action", a.recorded_at, a.session, a)
        for a in Action.objects.filter(session__group=group).select_related("session", "owner")
    ]
    entries += [
        TimelineEntry("win", w.recorded_at, w.session, w)
        for w in Win.objects.filter(session__group=group).select_related("session")
    ]
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries


def calendar_sessions(*, user):
    """For a person's calendar: published and cancelled sessions of their groups, from 90 days ago."""
    group_ids = list(standing(user).memberships)
    return (
        Session.objects.filter(group_id__in=group_ids, starts_at__gte=timezone.now() - timedelta(days=90))
        .exclude(status=Session.Status.DRAFT)
        .select_related("group", "venue")
        .order_by("starts_at")
    )


def attendance(*, session: Session):
    return CheckIn.objects.filter(session=session).select_related("user").order_by("checked_in_at")


# --- one person's own records (the member's pages) -------------------------------------------------------


def rsvp_of(*, session: Session, user) -> Rsvp | None:
    return Rsvp.objects.filter(session=session, user=user).first()


def waiting_list_position(*, rsvp: Rsvp | None) -> int | None:
    """1 for the first person waiting; None when the person is not on the waiting list."""
    if rsvp is None or not rsvp.is_waitlisted:
        return None
    ahead = Q(waitlisted_at__lt=rsvp.waitlisted_at) | Q(waitlisted_at=rsvp.waitlisted_at, pk__lt=rsvp.pk)
    return (
        Rsvp.objects.filter(session_id=rsvp.session_id, answer=Answer.YES, waitlisted_at__isnull=False)
        .filter(ahead)
        .count()
        + 1
    )


def checkin_of(*, session: Session, user) -> CheckIn | None:
    return CheckIn.objects.filter(session=session, user=user).first()


def calendar_feed_owner(*, token: str):
    """The active person whose private calendar address this is, or None: the token is the only secret."""
    feed = CalendarFeed.objects.select_related("user").filter(token=token, user__is_active=True).first()
    return feed.user if feed else None


def session_ids_with_place(*, user) -> set[int]:
    """Sessions where the person said yes and has a place (not the waiting list): they get the joining link."""
    return set(
        Rsvp.objects.filter(user=user, answer=Answer.YES, waitlisted_at__isnull=True).values_list(
            "session_id", flat=True
        )
    )


# --- scheduling (the facilitator's pages) ----------------------------------------------------------------


def cancellation_recipients_count(*, session: Session) -> int:
    """How many people a cancellation tells: everyone who said yes, the waiting list included."""
    return Rsvp.objects.filter(session=session, answer=Answer.YES, user__is_active=True).count()


def venue_organisations(*, user):
    """Organisations whose venues a person may see and add to: where they are an admin or a facilitator."""
    ids = [org_id for org_id in standing(user).roles if has_role(user, org_id, R.ADMIN, R.FACILITATOR)]
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def venues_visible_to(*, user):
    return (
        Venue.objects.filter(organisation__in=venue_organisations(user=user))
        .select_related("organisation")
        .order_by("organisation__name", "name")
    )


# --- running a session: the record page and the debrief ---------------------------------------------------


def group_active_members(*, group: Group):
    """The people who can own an action: the group's active members, by name."""
    return User.objects.filter(memberships__group=group, memberships__left_at__isnull=True, is_active=True).order_by(
        "full_name", "email"
    )


@dataclass
class SessionOutcomes:
    decisions: list
    actions: list
    wins: list


def session_outcomes(*, session: Session) -> SessionOutcomes:
    """What one session recorded, in the order it was recorded. Three queries."""
    return SessionOutcomes(
        decisions=list(Decision.objects.filter(session=session).order_by("recorded_at", "pk")),
        actions=list(Action.objects.filter(session=session).select_related("owner").order_by("recorded_at", "pk")),
        wins=list(Win.objects.filter(session=session).order_by("recorded_at", "pk")),
    )


@dataclass
class DebriefPage:
    debrief: Debrief | None
    expected: int
    checked_in: int
    checked_out: int
    follow_ups: list


def debrief_page(*, session: Session) -> DebriefPage:
    """The debrief, the attendance in numbers and the follow-ups the session created. Four queries."""
    counts = CheckIn.objects.filter(session=session).aggregate(
        checked_in=Count("pk"), checked_out=Count("pk", filter=Q(checked_out_at__isnull=False))
    )
    return DebriefPage(
        debrief=Debrief.objects.filter(session=session).select_related("recorded_by").first(),
        expected=Rsvp.objects.filter(session=session, answer=Answer.YES, waitlisted_at__isnull=True).count(),
        checked_in=counts["checked_in"],
        checked_out=counts["checked_out"],
        follow_ups=list(
            FollowUp.objects.filter(session=session).select_related("person", "assigned_to").order_by("due_on", "pk")
        ),
    )


# --- what the views look up (each loads what its page shows, in one query) ----------------------------------


def active_facilitator_places(*, session: Session):
    """A session's active facilitators, the lead first, then supports in the order they joined."""
    return session.facilitators.filter(withdrawn_at__isnull=True).select_related("user").order_by("role", "assigned_at")


def facilitator_place_of(*, session: Session, user) -> SessionFacilitator | None:
    """The person's active place facilitating the session, if they have one."""
    return active_facilitator_places(session=session).filter(user=user).first()


def session_builder_parts(*, session: Session):
    """What the session builder is pre-filled from: the active facilitator places, the agenda and the breaks."""
    return (
        list(active_facilitator_places(session=session)),
        list(session.agenda_items.all()),
        list(session.breaks.all()),
    )


def glossary_terms(*, group: Group) -> list:
    return list(group.glossary.all())


def glossary_term_of(*, group: Group, term_id):
    """One term of the group's glossary, or None (also for an id that is not a number)."""
    try:
        return group.glossary.filter(pk=int(term_id)).first()
    except (TypeError, ValueError):
        return None


def preparation_of(*, session: Session) -> list:
    return list(PreparationMaterial.objects.filter(session=session))


def support_request_for_page(*, request_id: int) -> SupportRequest | None:
    """A support request with its session, group, organisation and person (the permission check and the page
    need them all)."""
    return (
        SupportRequest.objects.select_related("session", "session__group", "session__group__organisation", "user")
        .filter(pk=request_id)
        .first()
    )


def follow_up_for_page(*, follow_up_id: int) -> FollowUp | None:
    return (
        FollowUp.objects.select_related(
            "session", "session__group", "session__group__organisation", "person", "assigned_to", "closed_by"
        )
        .filter(pk=follow_up_id)
        .first()
    )


def action_for_page(*, action_id: int) -> Action | None:
    return (
        Action.objects.select_related("session", "session__group", "session__group__organisation", "owner")
        .filter(pk=action_id)
        .first()
    )


def person_by_id(*, person_id: int):
    """Anyone by id (the check-in screen then checks they are a member of the group)."""
    return User.objects.filter(pk=person_id).first()


def session_for_answer_link(*, session_id: int) -> Session | None:
    return Session.objects.select_related("group", "venue").filter(pk=session_id).first()


def active_person(*, person_id: int):
    return User.objects.filter(pk=person_id, is_active=True).first()


def support_queue_page(*, user, status: str, number=1) -> TrailPage:
    """One page (50) of the support queue's tab: those waiting by session, soonest first; decided ones, the
    most recently decided first, with who decided."""
    queue = support_queue(user=user, status=status)
    if status != SupportRequest.Status.PENDING:
        queue = queue.select_related("decided_by").order_by("-decided_at", "-pk")
    return page_of(queue, number=number)


def follow_up_queue_page(*, user, show_closed: bool, number=1) -> TrailPage:
    """One page (50) of open follow-ups by when they are due; or of the closed ones, the most recently closed
    first."""
    queue = follow_up_queue(user=user, include_closed=show_closed)
    if show_closed:
        queue = queue.filter(closed_at__isnull=False).select_related("closed_by").order_by("-closed_at", "-pk")
    else:
        queue = queue.order_by("due_on", "created_at", "pk")
    return page_of(queue, number=number)


def can_see_follow_ups(*, user) -> bool:
    """Whoever the "follow_up.queue" policy lets open the queue."""
    return has_perm(user, "follow_up.queue", None)


# --- the role homes ----------------------------------------------------------------------------------------
# Each list is bounded (`limit`), each is one query, and each rests on a registered permission's queryset form, so
# a home page costs the same whatever the organisation's history and shows only what the role may see.

ESCALATE_AFTER = timedelta(days=2)  # a follow-up overdue by more than this is escalated to the safeguarding lead
LOW_CHECKOUT_DAYS = 14


def support_urgency(session, *, now=None) -> str:
    """How soon the session of a support request is, in words ("session in 2 hours", "tomorrow"), or "" when it
    is more than a week away or over."""
    now = now or timezone.now()
    to_go = session.starts_at - now
    if to_go <= timedelta(0):
        return "session started" if session.ends_at > now else ""
    if to_go < timedelta(hours=1):
        minutes = max(1, int(to_go.total_seconds() // 60))
        return f"session in {minutes} minute{'s' if minutes != 1 else ''}"
    if to_go < timedelta(hours=24):
        hours = int(to_go.total_seconds() // 3600)
        if timezone.localdate(session.starts_at) == timezone.localdate(now) or hours < 12:
            return f"session in {hours} hour{'s' if hours != 1 else ''}"
        return "tomorrow"
    days = (timezone.localdate(session.starts_at) - timezone.localdate(now)).days
    if days == 1:
        return "tomorrow"
    if days < 7:
        return f"in {days} days"
    return ""


def is_urgent(session, *, now=None) -> bool:
    """A support request for a session within 24 hours cannot wait for the next digest."""
    now = now or timezone.now()
    return session.starts_at - now <= timedelta(hours=24)


def sessions_today_run_by(*, user, now=None, limit: int = 10) -> list:
    """Published sessions today that the person runs (the "session.run" policy), soonest first."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    return list(
        visible(user, "session.run", Session.objects.filter(status=Session.Status.PUBLISHED, starts_at__date=today))
        .select_related("group", "venue")
        .order_by("starts_at", "pk")[:limit]
    )


def overdue_follow_ups(*, user, now=None, limit: int = 10) -> list:
    """Open follow-ups past their due date that the person may close, the most overdue first."""
    today = timezone.localdate(now or timezone.now())
    return list(follow_up_queue(user=user).filter(due_on__lt=today).order_by("due_on", "created_at", "pk")[:limit])


def drafts_managed(*, user, limit: int = 10) -> list:
    """Draft sessions in the groups the person manages, the soonest first."""
    return list(
        visible(user, "session.manage", Session.objects.filter(status=Session.Status.DRAFT))
        .select_related("group")
        .order_by("starts_at", "pk")[:limit]
    )


def support_to_decide(*, user, now=None, limit: int = 10) -> list:
    """Requests waiting for the person's decision, by their session's start (the most urgent first), each with
    `urgency` in words."""
    now = now or timezone.now()
    rows = list(support_queue(user=user).filter(session__ends_at__gt=now)[:limit])
    for row in rows:
        row.urgency = support_urgency(row.session, now=now)
    return rows


def escalated_follow_ups(*, user, now=None, limit: int = 10) -> list:
    """Overdue open follow-ups across the organisations where the person is safeguarding lead ("follow_up.oversee"),
    the most overdue first; those overdue by more than ESCALATE_AFTER are marked `escalated` (and so come first)."""
    today = timezone.localdate(now or timezone.now())
    rows = list(
        visible(user, "follow_up.oversee", FollowUp.objects.filter(closed_at__isnull=True, due_on__lt=today))
        .select_related("session", "session__group", "person", "assigned_to")
        .order_by("due_on", "created_at", "pk")[:limit]
    )
    for row in rows:
        row.days_overdue = (today - row.due_on).days
        row.escalated = row.days_overdue > ESCALATE_AFTER.days
    return rows


def low_checkouts(*, user, now=None, limit: int = 10) -> list:
    """People who left a session feeling low in the last two weeks, across the organisations where the person is
    safeguarding lead ("checkin.oversee"), the most recent first, with whether a follow-up is still open."""
    now = now or timezone.now()
    open_follow_up = FollowUp.objects.filter(
        session_id=OuterRef("session_id"), person_id=OuterRef("user_id"), closed_at__isnull=True
    )
    return list(
        visible(
            user,
            "checkin.oversee",
            CheckIn.objects.filter(
                checkout_feeling__lte=CheckIn.LOW_FEELING,
                checked_out_at__gte=now - timedelta(days=LOW_CHECKOUT_DAYS),
            ),
        )
        .annotate(follow_up_open=Exists(open_follow_up))
        .select_related("session", "session__group", "user")
        .order_by("-checked_out_at", "-pk")[:limit]
    )


def support_to_pay(*, user, limit: int = 10) -> list:
    """Approved support in the organisations where the person is finance officer ("support_request.pay"), the
    most recently approved first, with the amount approved."""
    return list(
        visible(user, "support_request.pay", SupportRequest.objects.all())
        .select_related("session", "session__group", "user")
        .order_by("-decided_at", "-pk")[:limit]
    )


@dataclass
class AdminWork:
    """What needs an organisation admin, across the organisations they administer."""

    without_two_step: list
    open_invitations: int
    expired_invitations: int
    short_of_facilitators: list


def admin_work(*, user, now=None, limit: int = 10) -> AdminWork | None:
    """Staff whose role needs two-step sign-in and who have not set it up; invitations still open and those
    that ran out unanswered in the last 30 days; groups with fewer than two facilitators. Three queries."""
    from allauth.mfa.models import Authenticator

    from groups.middleware import ROLES_NEEDING_TWO_STEP
    from groups.models import Invitation

    now = now or timezone.now()
    org_ids = list(orgs_with_role(user, R.ADMIN))
    if not org_ids:
        return None
    has_app = Authenticator.objects.filter(user_id=OuterRef("user_id"), type=Authenticator.Type.TOTP)
    staff = (
        StaffRole.objects.filter(
            organisation_id__in=org_ids, role__in=list(ROLES_NEEDING_TWO_STEP), user__is_active=True
        )
        .exclude(Exists(has_app))
        .select_related("user", "organisation")
        .order_by("user__full_name", "user_id", "role")
    )
    people = {}
    for role in staff[: limit * 3]:
        person = people.setdefault(role.user_id, {"user": role.user, "organisation": role.organisation, "roles": []})
        person["roles"].append(role.get_role_display().lower())
    open_inv = Q(accepted_at__isnull=True, revoked_at__isnull=True)
    counts = Invitation.objects.filter(open_inv, group__organisation_id__in=org_ids).aggregate(
        open=Count("pk", filter=Q(expires_at__gt=now)),
        expired=Count("pk", filter=Q(expires_at__lte=now, expires_at__gt=now - timedelta(days=30))),
    )
    facilitators = Count(
        "memberships",
        filter=Q(memberships__role=Membership.Role.FACILITATOR, memberships__left_at__isnull=True),
    )
    short = list(
        Group.objects.filter(organisation_id__in=org_ids, archived_at__isnull=True)
        .annotate(facilitator_count=facilitators)
        .filter(facilitator_count__lt=2)
        .order_by("name", "pk")[:limit]
    )
    return AdminWork(
        without_two_step=list(people.values())[:limit],
        open_invitations=counts["open"],
        expired_invitations=counts["expired"],
        short_of_facilitators=short,
    )
