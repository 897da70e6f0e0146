"""Reads for the governance pages: parent quorum across an organisation's committees, one meeting's quorum
record, and the messages sent about a session. Each loads in a fixed number of queries, however many meetings,
members and answers there are."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from groups.models import Group, Membership, Organisation
from groups.permissions import R, has_perm, orgs_with_role, standing, visible
from groups.selectors import TrailPage, page_of

from .checks import QuorumPicture, quorum_picture, quorum_reminder_key
from .models import Answer, CheckIn, Decision, Message, QuorumCheck, QuorumRecord, Rsvp, Session, session_topic

UPCOMING_DAYS = 60
ATTENDANCE_DAYS = 365


def governance_organisations(*, user) -> list[Organisation]:
    """The organisations whose committees a person oversees (governance lead or organisation admin)."""
    org_ids = list(standing(user).roles)
    if not org_ids:
        return []
    return [
        org
        for org in Organisation.objects.filter(pk__in=org_ids).order_by("name")
        if has_perm(user, "organisation.governance", org)
    ]


def _parents_of_group(group_id_ref):
    """Everyone who has been a parent or carer member of the group (as services.quorum_record counts them)."""
    return Membership.objects.filter(group_id=group_id_ref, role=Membership.Role.PARENT).values("user_id")


def _record_of(session: Session) -> QuorumRecord | None:
    try:
        return session.quorum_record
    except ObjectDoesNotExist:
        return None


# --- the dashboard ---------------------------------------------------------------------------------------


@dataclass
class UpcomingMeeting:
    session: Session
    picture: QuorumPicture
    latest_check: QuorumCheck | None
    waitlisted_ids: set = field(default_factory=set)

    @property
    def status(self) -> str:
        return self.picture.status


@dataclass
class PastMeeting:
    session: Session
    required: int
    parents_present: int
    quorate: bool
    recorded: bool  # True: from the quorum record; False: counted now from check-ins


@dataclass
class CommitteeAttendance:
    """A committee's meetings held in the last twelve months: counted in full, listed in part (`meetings`:
    the most recent few, or one page of them all when the committee is chosen)."""

    group: Group
    held: int = 0
    quorate: int = 0
    present_total: int = 0
    meetings: list = field(default_factory=list)
    page: TrailPage | None = None  # set when every meeting is listed, a page at a time

    @property
    def inquorate(self) -> int:
        return self.held - self.quorate

    @property
    def average_present(self) -> float | None:
        if not self.held:
            return None
        return self.present_total / self.held

    @property
    def more(self) -> bool:
        """Meetings were held that the short list leaves out."""
        return self.page is None and self.held > len(self.meetings)


@dataclass
class Dashboard:
    organisations: list
    upcoming: list
    committees: list
    since: datetime
    until: datetime
    upcoming_page: TrailPage | None = None

    @property
    def several_organisations(self) -> bool:
        return len(self.organisations) > 1


UPCOMING_PER_PAGE = 20  # each meeting's card lists the parents to call
RECENT_MEETINGS = 5
MEETINGS_PER_PAGE = 50


def _meetings_page(meetings: list, number) -> TrailPage:
    """A page of a committee's meetings (already read for its counts); past the end shows the last page."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    number = min(number, max(1, -(-len(meetings) // MEETINGS_PER_PAGE)))
    bottom = (number - 1) * MEETINGS_PER_PAGE
    return TrailPage(
        rows=meetings[bottom : bottom + MEETINGS_PER_PAGE],
        number=number,
        has_next=len(meetings) > bottom + MEETINGS_PER_PAGE,
        per_page=MEETINGS_PER_PAGE,
    )


def governance_dashboard(
    *,
    organisations: list[Organisation],
    now: datetime | None = None,
    upcoming_page=1,
    committee_id: int | None = None,
    meetings_page=1,
) -> Dashboard:
    """Published meetings in the next 60 days of committees with a parent quorum rule, each with who is
    expected (20 to a page), and each committee's meetings held in the last twelve months with the parents
    present: all counted, the five most recent listed, or every one 50 to a page for the committee
    `committee_id`. Six queries: committees, their parent members, a page of upcoming meetings, their answers,
    their quorum checks, and past meetings with their records and parents checked in."""
    now = now or timezone.now()
    since, until = now - timedelta(days=ATTENDANCE_DAYS), now + timedelta(days=UPCOMING_DAYS)
    org_ids = [org.pk for org in organisations]
    parent_memberships = (
        Membership.objects.active().filter(role=Membership.Role.PARENT).select_related("user").order_by("pk")
    )
    groups = list(
        Group.objects.filter(organisation_id__in=org_ids, parent_quorum__gt=0)
        .select_related("organisation")
        .prefetch_related(Prefetch("memberships", queryset=parent_memberships, to_attr="parent_memberships"))
        .order_by("organisation__name", "name")
    )
    by_id = {g.pk: g for g in groups}
    if not groups:
        return Dashboard(organisations=organisations, upcoming=[], committees=[], since=since, until=until)

    upcoming = []
    sessions = page_of(
        Session.objects.filter(
            group_id__in=list(by_id), status=Session.Status.PUBLISHED, starts_at__gt=now, starts_at__lte=until
        )
        .select_related("venue")
        .prefetch_related(Prefetch("rsvps", queryset=Rsvp.objects.order_by()), "quorum_checks")
        .order_by("starts_at", "pk"),
        number=upcoming_page,
        per_page=UPCOMING_PER_PAGE,
    )
    for session in sessions.rows:
        session.group = by_id[session.group_id]
        rsvps = {r.user_id: r for r in session.rsvps.all()}
        members = [m.user for m in session.group.parent_memberships]
        checks = list(session.quorum_checks.all())
        upcoming.append(
            UpcomingMeeting(
                session=session,
                picture=quorum_picture(session=session, members=members, rsvps=rsvps),
                latest_check=max(checks, key=lambda c: c.checked_at, default=None),
                waitlisted_ids={uid for uid, r in rsvps.items() if r.is_waitlisted},
            )
        )

    present = (
        CheckIn.objects.filter(session_id=OuterRef("pk"), user_id__in=_parents_of_group(OuterRef(OuterRef("group_id"))))
        .order_by()
        .values("session_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    past = (
        Session.objects.filter(
            group_id__in=list(by_id), status=Session.Status.PUBLISHED, starts_at__gte=since, ends_at__lte=now
        )
        .select_related("quorum_record")
        .annotate(parents_checked_in=Coalesce(Subquery(present, output_field=IntegerField()), 0))
        .order_by("-starts_at", "-pk")
    )
    attendance = {g.pk: CommitteeAttendance(group=g) for g in groups}
    for session in past:
        session.group = by_id[session.group_id]
        record = _record_of(session)
        if record is not None:
            meeting = PastMeeting(session, record.required, record.parents_present, record.quorate, recorded=True)
        else:
            required = session.group.parent_quorum
            count = session.parents_checked_in
            meeting = PastMeeting(session, required, count, count >= required, recorded=False)
        committee = attendance[session.group_id]
        committee.held += 1
        committee.quorate += meeting.quorate
        committee.present_total += meeting.parents_present
        committee.meetings.append(meeting)
    for committee in attendance.values():
        if committee.group.pk == committee_id:
            committee.page = _meetings_page(committee.meetings, meetings_page)
            committee.meetings = committee.page.rows
        else:
            committee.meetings = committee.meetings[:RECENT_MEETINGS]
    committees = [a for a in attendance.values() if a.group.archived_at is None or a.held]
    sessions.rows = upcoming
    return Dashboard(
        organisations=organisations,
        upcoming=upcoming,
        committees=committees,
        since=since,
        until=until,
        upcoming_page=sessions,
    )


# --- one meeting's quorum record -------------------------------------------------------------------------


def quorum_record_of(*, session: Session) -> QuorumRecord | None:
    return QuorumRecord.objects.filter(session=session).first()


@dataclass
class QuorumRecordPage:
    said_yes: list
    present: list
    decisions: list
    checks: list
    picture: QuorumPicture | None  # who is expected now, for a meeting not yet held


def quorum_record_page(*, session: Session, held: bool) -> QuorumRecordPage:
    """Parents who said yes (with a place), parents checked in with their arrival times, the decisions taken
    and the quorum checks made. Four queries, and two more for the current picture before the meeting."""
    parents = _parents_of_group(session.group_id)
    said_yes = sorted(
        Rsvp.objects.filter(
            session=session, answer=Answer.YES, waitlisted_at__isnull=True, user_id__in=parents
        ).select_related("user"),
        key=lambda r: r.user.display_name.lower(),
    )
    present = list(
        CheckIn.objects.filter(session=session, user_id__in=parents).select_related("user").order_by("checked_in_at")
    )
    decisions = list(
        Decision.objects.filter(session=session).select_related("confirmed_at_session").order_by("recorded_at", "pk")
    )
    checks = list(QuorumCheck.objects.filter(session=session).order_by("-hours_before"))
    picture = None
    if not held and session.group.has_quorum_rule:
        picture = quorum_picture(session=session)
    return QuorumRecordPage(said_yes=said_yes, present=present, decisions=decisions, checks=checks, picture=picture)


# --- messages about one session --------------------------------------------------------------------------


def session_messages(*, session: Session):
    """What each person was sent about the session, newest first. One query."""
    return Message.objects.about(session_topic(session)).select_related("person").order_by("-created_at", "-pk")


# --- the governance lead's home --------------------------------------------------------------------------

AT_RISK_DAYS = 14


@dataclass
class MeetingAtRisk:
    session: Session
    picture: QuorumPicture
    reminded_today: bool


def meetings_at_risk(*, user, now: datetime | None = None, limit: int = 10) -> list[MeetingAtRisk]:
    """Published meetings in the next 14 days, in organisations where the person is governance lead, whose
    parents who said yes do not yet make the quorum ("at_risk" or "not_met"), the soonest first, each with
    whether the parents were reminded today. Four queries: meetings, their answers, the groups' parent members,
    today's reminders."""
    now = now or timezone.now()
    org_ids = list(orgs_with_role(user, R.GOVERNANCE_LEAD))
    if not org_ids:
        return []
    parent_memberships = (
        Membership.objects.active().filter(role=Membership.Role.PARENT).select_related("user").order_by("pk")
    )
    sessions = list(
        visible(
            user,
            "session.quorum_remind",
            Session.objects.filter(
                group__organisation_id__in=org_ids,
                status=Session.Status.PUBLISHED,
                starts_at__gt=now,
                starts_at__lte=now + timedelta(days=AT_RISK_DAYS),
            ),
        )
        .select_related("group")
        .prefetch_related(
            Prefetch("rsvps", queryset=Rsvp.objects.order_by()),
            Prefetch("group__memberships", queryset=parent_memberships, to_attr="parent_memberships"),
        )
        .order_by("starts_at", "pk")[: limit * 3]
    )
    at_risk = []
    for session in sessions:
        picture = quorum_picture(
            session=session,
            members=[m.user for m in session.group.parent_memberships],
            rsvps={r.user_id: r for r in session.rsvps.all()},
        )
        if picture.status != "met":
            at_risk.append(MeetingAtRisk(session=session, picture=picture, reminded_today=False))
    at_risk = at_risk[:limit]
    if at_risk:
        keys = {quorum_reminder_key(session=m.session, now=now): m for m in at_risk}
        sent = Message.objects.filter(  # by the topic index: messages about these meetings
            topic__in=[session_topic(m.session) for m in at_risk], key__in=list(keys)
        ).values_list("key", flat=True)
        for key in set(sent):
            keys[key].reminded_today = True
    return at_risk
