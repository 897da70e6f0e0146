"""Reads for people and groups. Each selector decides what a person may see and loads it in a fixed number
of queries, whatever the number of rows."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from core.models import AuditEvent

from .models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Invitation,
    Membership,
    Organisation,
    PathwayRole,
    User,
)
from .permissions import R, has_perm, standing


def _current_version_subquery():
    return Subquery(AgreementVersion.objects.filter(group=OuterRef("pk")).order_by("-number").values("pk")[:1])


def groups_visible_to(*, user):
    """Groups a person is an active member of, plus every group of organisations where they hold a staff role."""
    st = standing(user)
    return (
        Group.objects.filter(
            Q(pk__in=list(st.memberships)) | Q(organisation_id__in=list(st.roles)), archived_at__isnull=True
        )
        .select_related("organisation")
        .annotate(
            member_count=Count("memberships", filter=Q(memberships__left_at__isnull=True), distinct=True),
            parent_count=Count(
                "memberships",
                filter=Q(memberships__left_at__isnull=True, memberships__role=Membership.Role.PARENT),
                distinct=True,
            ),
        )
        .order_by("organisation__name", "name")
    )


def groups_of_member(*, user):
    """The groups a person belongs to (active memberships), with their role in each."""
    return (
        Membership.objects.active()
        .filter(user=user, group__archived_at__isnull=True)
        .select_related("group", "group__organisation")
        .order_by("group__name")
    )


def organisations_where_can_create_groups(*, user):
    st = standing(user)
    ids = [org_id for org_id, roles in st.roles.items() if roles & {R.ADMIN, R.FACILITATOR}]
    return Organisation.objects.filter(pk__in=ids)


def agreements_awaiting(*, user) -> list[AgreementVersion]:
    """Current agreement versions of the person's groups that they have not acknowledged yet."""
    group_ids = list(standing(user).memberships)
    if not group_ids:
        return []
    current_ids = (
        Group.objects.filter(pk__in=group_ids, archived_at__isnull=True)
        .annotate(current_version=_current_version_subquery())
        .values_list("current_version", flat=True)
    )
    return list(
        AgreementVersion.objects.filter(pk__in=[i for i in current_ids if i])
        .exclude(acknowledgements__user=user)
        .select_related("group")
        .order_by("group__name")
    )


@dataclass
class MemberRow:
    membership: Membership
    acknowledged: bool
    pathway_roles: list


def group_members(*, group: Group, current_version: AgreementVersion | None) -> list[MemberRow]:
    """Active members with whether they acknowledged the current agreement and their current pathway roles.
    Three queries, whatever the size of the group."""
    memberships = list(
        Membership.objects.active()
        .filter(group=group)
        .select_related("user")
        .prefetch_related(
            Prefetch(
                "user__pathway_roles",
                queryset=PathwayRole.objects.filter(organisation_id=group.organisation_id),
                to_attr="org_pathway_roles",
            )
        )
        .order_by("role", "user__full_name")
    )
    acknowledged = set()
    if current_version is not None:
        acknowledged = set(Acknowledgement.objects.filter(version=current_version).values_list("user_id", flat=True))
    return [
        MemberRow(
            membership=m,
            acknowledged=m.user_id in acknowledged,
            pathway_roles=[p for p in m.user.org_pathway_roles if p.is_current()],
        )
        for m in memberships
    ]


def group_open_invitations(*, group: Group):
    return (
        Invitation.objects.filter(
            group=group, accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )
        .select_related("invited_by")
        .order_by("-created_at")
    )


# --- the organisation's audit trail ------------------------------------------------------------------------

AUDIT_PAGE_SIZE = 50


def audit_events_visible_to(
    *,
    user,
    organisation: Organisation,
    person=None,
    action: str | None = None,
    object_query: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
):
    """The organisation's audit trail, newest first, for its admins (nothing for anyone else).

    - `person`: who acted: a User, their id, or words from their name or email address (or a job's label);
    - `action`: an action name ("session.published"), or a prefix ending in a dot ("session.") for all of a
      thing's actions;
    - `object_query`: "type#id" ("sessions_app.session#12", or "#12"), a type alone ("groups.group"), or words
      from what the event is about;
    - `date_from`, `date_to`: days in the site's time zone (Europe/London), both included.
    The organisation and date filters use the (organisation_id, at) index."""
    if not has_perm(user, "organisation.audit", organisation):
        return AuditEvent.objects.none()
    events = AuditEvent.objects.filter(organisation_id=organisation.pk).select_related("actor")
    if isinstance(person, User):
        events = events.filter(actor=person)
    elif isinstance(person, int) or (isinstance(person, str) and person.strip().isdigit()):
        events = events.filter(actor_id=int(person))
    elif isinstance(person, str) and person.strip():
        words = person.strip()
        events = events.filter(
            Q(actor__full_name__icontains=words)
            | Q(actor__preferred_name__icontains=words)
            | Q(actor__email__icontains=words)
            | Q(actor_label__icontains=words)
        )
    if action:
        events = events.filter(action__startswith=action) if action.endswith(".") else events.filter(action=action)
    if object_query and object_query.strip():
        events = events.filter(_object_filter(object_query.strip()))
    if date_from:
        events = events.filter(at__gte=_start_of(date_from))
    if date_to:
        events = events.filter(at__lt=_start_of(date_to + timedelta(days=1)))
    return events.order_by("-at", "-pk")


_OBJECT_TYPE = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _object_filter(query: str) -> Q:
    if "#" in query:
        object_type, _, object_id = (part.strip() for part in query.partition("#"))
        q = Q(object_id=object_id) if object_id else Q()
        return q & Q(object_type=object_type.lower()) if object_type else q
    if _OBJECT_TYPE.match(query.lower()):
        return Q(object_type=query.lower())
    return Q(object_repr__icontains=query)


def _start_of(day: date) -> datetime:
    """Midnight at the start of `day` in the site's time zone (so "from 30 March" means the local day)."""
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_default_timezone())


def audit_actions_present(*, organisation: Organisation) -> list[str]:
    """The action names that occur in the organisation's trail, for the filter's list of choices."""
    return list(
        AuditEvent.objects.filter(organisation_id=organisation.pk)
        .order_by("action")
        .values_list("action", flat=True)
        .distinct()
    )


def action_label(action: str) -> str:
    """Plain words for an action name: "staff_role.granted" -> "Staff role granted"."""
    return action.replace("_", " ").replace(".", " ").strip().capitalize()


@dataclass
class TrailPage:
    """One page of a list that is not counted (counting a long trail would read all of it): the rows, and
    whether there is a page before or after."""

    rows: list
    number: int
    has_next: bool
    per_page: int = AUDIT_PAGE_SIZE

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0


def trail_page(queryset, *, number, per_page: int = AUDIT_PAGE_SIZE) -> TrailPage:
    """Page `number` (1 for the first; anything unreadable is 1) in one query: one row more than a page is
    read to know whether there is a next page."""
    try:
        number = max(1, int(number))
    except (TypeError, ValueError):
        number = 1
    number = min(number, 10_000)  # an offset has a cost; nobody pages this far by hand
    bottom = (number - 1) * per_page
    rows = list(queryset[bottom : bottom + per_page + 1])
    return TrailPage(rows=rows[:per_page], number=number, has_next=len(rows) > per_page, per_page=per_page)


PAGE_SIZE = 50


def page_of(queryset, *, number, per_page: int = PAGE_SIZE) -> TrailPage:
    """Page `number` of a list that grows with history, in one query and without counting it: one row more
    than a page is read to know whether there is a next page. Only a page past the end (an old link, a typed
    number) costs a count, and shows the last page instead; a number that is not a number shows the first."""
    page = trail_page(queryset, number=number, per_page=per_page)
    if page.rows or page.number == 1:
        return page
    last = max(1, -(-queryset.count() // per_page))
    return trail_page(queryset, number=last, per_page=per_page)


def facilitated_groups_with_members(*, user):
    """For a facilitator's home page: the groups they facilitate, each with how many active members it has. The
    names are on each group's members page: a home page that listed every member of every group grew with the
    groups and cost most of the page's time at scale (docs/PERFORMANCE.md)."""
    active_count = (
        Membership.objects.active()
        .filter(group=OuterRef("pk"))
        .order_by()
        .values("group")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Group.objects.filter(
            memberships__user=user,
            memberships__role=Membership.Role.FACILITATOR,
            memberships__left_at__isnull=True,
            archived_at__isnull=True,
        )
        .annotate(current_version=_current_version_subquery(), active_member_count=Subquery(active_count))
        .order_by("name")
        .distinct()
    )


def group_facilitators(*, group_id: int):
    """The one rule for "a group's facilitators": people with an active membership of the group in the
    facilitator role. A queryset of users, by name, so callers can add `values_list("pk", flat=True)` or
    `exists()` and stay at one query."""
    from .models import User

    return (
        User.objects.filter(
            memberships__group_id=group_id,
            memberships__left_at__isnull=True,
            memberships__role=Membership.Role.FACILITATOR,
        )
        .distinct()
        .order_by("full_name", "email")
    )
