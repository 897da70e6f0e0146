"""The scheduled checks: reminders, parent quorum and the two-facilitator watcher. Celery beat runs them (see
CELERY_BEAT_SCHEDULE); `python manage.py run_check` runs any of them on demand. Each is safe to run twice:
what it sends is keyed in the message log, and what it records has a unique key."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone

from core.audit import audit_record
from groups.models import Membership

from . import notify
from .messaging import reminder_settings_for
from .models import Answer, FacilitatorAlert, FollowUp, Message, QuorumCheck, Rsvp, Session, SupportRequest
from .services import facilitator_rule_problems, quorum_record

QUORUM_CHECK_HOURS = (72, 24)
WATCH_DAYS = 14
# Nobody is chased within two days of their invitation, e.g. for a session published four days before.
CHASER_MIN_GAP = timedelta(days=2)


def _upcoming(now: datetime, within: timedelta):
    return Session.objects.filter(
        status=Session.Status.PUBLISHED, starts_at__gt=now, starts_at__lte=now + within
    ).select_related("group", "venue")


# --- reminders -------------------------------------------------------------------------------------------


@dataclass
class ReminderRun:
    chasers: int = 0
    reminders: int = 0
    follow_ups: int = 0


def reminders_run(*, now: datetime | None = None) -> ReminderRun:
    """For every published session to come: a chaser N days before to members who have not answered, and
    reminders days and hours before to those with a place, by each organisation's timings; plus a reminder to
    facilitators for each follow-up due today or overdue."""
    now = now or timezone.now()
    result = ReminderRun()
    settings_cache = {}
    for session in _upcoming(now, timedelta(days=31)):
        org_id = session.group.organisation_id
        rules = settings_cache.setdefault(org_id, reminder_settings_for(org_id))
        to_go = session.starts_at - now
        with transaction.atomic():
            invited_long_enough = session.published_at is None or now - session.published_at >= CHASER_MIN_GAP
            if invited_long_enough and timedelta(days=rules.first_reminder_days_before) < to_go <= timedelta(
                days=rules.chaser_days_before
            ):
                result.chasers += notify.chaser(session=session)
            if to_go <= timedelta(hours=rules.last_reminder_hours_before):
                result.reminders += notify.reminder(session=session, kind=Message.Kind.REMINDER_HOURS)
            elif to_go <= timedelta(days=rules.first_reminder_days_before):
                result.reminders += notify.reminder(session=session, kind=Message.Kind.REMINDER_DAYS)
    today = timezone.localdate(now)
    # Only to someone who still facilitates the group: a follow-up never goes to a person who has left.
    still_facilitates = Membership.objects.active().filter(
        group_id=OuterRef("session__group_id"), user_id=OuterRef("assigned_to_id"), role=Membership.Role.FACILITATOR
    )
    for follow_up in (
        FollowUp.objects.filter(closed_at__isnull=True, due_on__lte=today)
        .filter(Exists(still_facilitates))
        .select_related("session", "session__group", "person", "assigned_to")
    ):
        with transaction.atomic():
            result.follow_ups += notify.follow_up_due(follow_up=follow_up)
    return result


# --- quorum ----------------------------------------------------------------------------------------------


@dataclass
class QuorumPicture:
    """Who is expected at a meeting, against the group's parent quorum."""

    session: Session
    required: int
    parents_yes: list = field(default_factory=list)
    parents_maybe: list = field(default_factory=list)
    parents_no: list = field(default_factory=list)
    parents_not_answered: list = field(default_factory=list)

    @property
    def expected(self) -> int:
        return len(self.parents_yes)

    @property
    def status(self) -> str:
        """ "met" when enough parents said yes; "at_risk" when not yet, but enough could still come;
        "not_met" when even every maybe and unanswered parent would not be enough."""
        if self.expected >= self.required:
            return "met"
        if self.expected + len(self.parents_maybe) + len(self.parents_not_answered) >= self.required:
            return "at_risk"
        return "not_met"


def quorum_picture(*, session: Session, members=None, rsvps=None) -> QuorumPicture:
    """Counts lived-experience members (membership role "parent or carer") by their answer. Pass members and
    rsvps already loaded to avoid queries (the dashboard does)."""
    if members is None:
        members = [
            m.user
            for m in Membership.objects.active()
            .filter(group_id=session.group_id, role=Membership.Role.PARENT)
            .select_related("user")
        ]
    if rsvps is None:
        rsvps = {r.user_id: r for r in Rsvp.objects.filter(session=session)}
    picture = QuorumPicture(session=session, required=session.group.parent_quorum)
    for person in sorted(members, key=lambda p: p.display_name.lower()):
        rsvp = rsvps.get(person.pk)
        if rsvp is None:
            picture.parents_not_answered.append(person)
        elif rsvp.answer == Answer.YES and rsvp.waitlisted_at is None:
            picture.parents_yes.append(person)
        elif rsvp.answer in (Answer.YES, Answer.MAYBE):
            picture.parents_maybe.append(person)
        else:
            picture.parents_no.append(person)
    return picture


@transaction.atomic
def quorum_check(*, session: Session, hours_before: int, now: datetime | None = None) -> QuorumCheck | None:
    """Records the check once per meeting and check point (database); when parents are short, the governance
    leads and the group's facilitators are alerted once, with the names of parents who have not answered."""
    now = now or timezone.now()
    if not session.group.has_quorum_rule or session.status != Session.Status.PUBLISHED or session.starts_at <= now:
        return None
    existing = QuorumCheck.objects.filter(session=session, hours_before=hours_before).first()
    if existing:
        return existing
    picture = quorum_picture(session=session)
    try:
        with transaction.atomic():
            check = QuorumCheck.objects.create(
                session=session,
                hours_before=hours_before,
                checked_at=now,
                required=picture.required,
                parents_yes=picture.expected,
                met=picture.status == "met",
            )
    except IntegrityError:  # the same check ran at the same moment elsewhere: it has done the work
        return QuorumCheck.objects.get(session=session, hours_before=hours_before)
    if not check.met:
        notify.quorum_alert(
            session=session, check=check, not_answered=picture.parents_not_answered, maybe=picture.parents_maybe
        )
    audit_record(
        action="quorum_check.recorded",
        actor_label="job:check-quorums",
        obj=check,
        organisation_id=session.group.organisation_id,
        data={"session_id": session.pk, "hours_before": hours_before, "met": check.met},
    )
    return check


def quorum_checks_run(*, now: datetime | None = None) -> list[QuorumCheck]:
    """Runs the 72-hour and 24-hour checks for meetings of groups with a quorum rule that have reached them.
    A meeting published inside 24 hours gets only the 24-hour check."""
    now = now or timezone.now()
    done = []
    for session in _upcoming(now, timedelta(hours=max(QUORUM_CHECK_HOURS))).filter(group__parent_quorum__gt=0):
        to_go = session.starts_at - now
        due = [h for h in QUORUM_CHECK_HOURS if to_go <= timedelta(hours=h)]
        if due:
            check = quorum_check(session=session, hours_before=min(due), now=now)
            if check:
                done.append(check)
    return done


def quorum_records_run(*, now: datetime | None = None) -> int:
    """Records the quorum of meetings that ended in the last day and have no record yet."""
    now = now or timezone.now()
    sessions = Session.objects.filter(
        status=Session.Status.PUBLISHED,
        group__parent_quorum__gt=0,
        ends_at__lte=now,
        ends_at__gte=now - timedelta(days=1),
        quorum_record__isnull=True,
    ).select_related("group")
    return sum(1 for s in sessions if quorum_record(session=s))


# --- the two-facilitator watcher -------------------------------------------------------------------------


def facilitator_watch_run(*, now: datetime | None = None) -> list[FacilitatorAlert]:
    """Published sessions in the next fourteen days that break the two-facilitator rule: each problem is
    recorded once (database) and alerts the group's facilitators and the organisation admin once."""
    now = now or timezone.now()
    raised = []
    for session in _upcoming(now, timedelta(days=WATCH_DAYS)):
        for problem in facilitator_rule_problems(session=session):
            with transaction.atomic():
                alert, created = FacilitatorAlert.objects.get_or_create(session=session, problem=problem)
                if created:
                    notify.facilitator_alert(alert=alert)
                    audit_record(
                        action="facilitator_alert.raised",
                        actor_label="job:watch-facilitators",
                        obj=alert,
                        organisation_id=session.group.organisation_id,
                        data={"session_id": session.pk},
                    )
                    raised.append(alert)
    return raised


# --- the facilitators' digest of new support requests ----------------------------------------------------

DIGEST_EVERY = timedelta(minutes=15)
DIGEST_LOOKBACK = timedelta(days=1)  # a digest never reaches further back than this, however long the gap


def _window_end(now: datetime) -> datetime:
    """The end of the digest window `now` falls after: the last quarter hour."""
    return now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)


def _digest_key(person_id: int, window_end: datetime) -> str:
    return f"support_digest:{person_id}:{window_end.astimezone(UTC):%Y%m%dT%H%M}"


def _digest_end_of(key: str) -> datetime | None:
    try:
        return datetime.strptime(key.rsplit(":", 1)[1], "%Y%m%dT%H%M").replace(tzinfo=UTC)
    except (IndexError, ValueError):
        return None


def support_digests_run(*, now: datetime | None = None) -> int:
    """Every 15 minutes: each facilitator gets one message listing the support requests made in their groups
    since their last digest, up to the last quarter hour, still waiting for a decision. Urgent requests (the
    session within 24 hours) went to them at once (notify.support_requested) and are left out. The message key
    names the person and the window, so a second run in the same window sends nothing. Returns how many
    digests were sent."""
    now = now or timezone.now()
    end = _window_end(now)
    requests = list(
        SupportRequest.objects.filter(
            status=SupportRequest.Status.PENDING,
            created_at__gte=end - DIGEST_LOOKBACK,
            created_at__lt=end,
            session__status=Session.Status.PUBLISHED,
            session__starts_at__gt=F("created_at") + notify.URGENT_WITHIN,
        )
        .select_related("session", "session__group", "user")
        .order_by("session__starts_at", "created_at", "pk")
    )
    if not requests:
        return 0
    group_ids = {r.session.group_id for r in requests}
    facilitators: dict[int, list] = {}
    people = {}
    for m in (
        Membership.objects.active()
        .filter(group_id__in=group_ids, role=Membership.Role.FACILITATOR, user__is_active=True)
        .select_related("user")
    ):
        facilitators.setdefault(m.user_id, []).append(m.group_id)
        people[m.user_id] = m.user
    last_end = {}
    for person_id, key in (
        Message.objects.filter(kind=notify.SUPPORT_DIGEST, person_id__in=list(people))
        .order_by("person_id", "-created_at")
        .distinct("person_id")
        .values_list("person_id", "key")
    ):
        last_end[person_id] = _digest_end_of(key)
    sent = 0
    for person_id, groups in facilitators.items():
        since = last_end.get(person_id) or end - DIGEST_EVERY
        theirs = [r for r in requests if r.session.group_id in groups and r.created_at >= since]
        if not theirs:
            continue
        with transaction.atomic():
            sent += bool(
                notify.support_digest(person=people[person_id], requests=theirs, key=_digest_key(person_id, end))
            )
    return sent


# --- reminding parents before a meeting at risk of missing its quorum ------------------------------------


def quorum_reminder_key(*, session: Session, now: datetime | None = None) -> str:
    """The message-log key of the parents' reminder for a meeting: one a day."""
    day = timezone.localdate(now or timezone.now())
    return f"quorum_reminder:{session.pk}:{day:%Y-%m-%d}"


@transaction.atomic
def quorum_reminders_send(*, session: Session, acting_user, now: datetime | None = None) -> int:
    """A governance lead (or organisation admin) reminds the parents who have not answered a published meeting
    still to come of a group with a parent quorum. The chaser goes to each of them once a day at most (the
    message key names the meeting and the day), so a double click or a second visit sends nothing more; the
    reminder is recorded in the audit trail when it sends anything. Returns how many messages were sent."""
    from django.core.exceptions import ValidationError

    now = now or timezone.now()
    session = Session.objects.select_for_update(of=("self",)).select_related("group", "venue").get(pk=session.pk)
    if session.status != Session.Status.PUBLISHED or session.starts_at <= now:
        raise ValidationError("This meeting is not coming up, so nobody can be reminded.", code="not_upcoming")
    if not session.group.has_quorum_rule:
        raise ValidationError("This group has no parent quorum.", code="no_quorum_rule")
    picture = quorum_picture(session=session)
    facilitating = set(session.facilitators.filter(withdrawn_at__isnull=True).values_list("user_id", flat=True))
    people = [p for p in picture.parents_not_answered if p.pk not in facilitating and p.is_active]
    key = quorum_reminder_key(session=session, now=now)
    sent = notify.quorum_reminder(session=session, people=people, key=key) if people else 0
    if sent:
        audit_record(
            action="quorum.parents_reminded",
            actor=acting_user,
            obj=session,
            organisation_id=session.group.organisation_id,
            data={"session_id": session.pk, "sent": sent, "key": key},
        )
    return sent
