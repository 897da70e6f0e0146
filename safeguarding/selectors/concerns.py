"""Reads for concerns. Every list is filtered by the permission it is shown under, loads what it names with
`select_related` (no query per row) and is paginated or bounded. A document's content is never loaded for a
list: only when it is downloaded."""

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Case, IntegerField, Q, Value, When
from django.utils import timezone

from core.models import AccessEvent
from groups.models import Membership, Organisation, StaffRole, User
from groups.permissions import standing, visible
from groups.selectors import page_of

from ..models import AccessGrant, ChronologyEntry, Concern, ConcernDocument, ConcernPerson, Severity
from ..services.alerts import leads_of

CONCERNS_PER_PAGE = 25
TRAIL_PER_PAGE = 25
RAISED_SHOWN = 20
PEOPLE_OFFERED = 200
GRANTS_ENDED_SHOWN_FOR = timedelta(days=30)
GRANTS_SHOWN = 50


def raise_organisations(*, user) -> list[Organisation]:
    """Where the person may raise a concern: every organisation they belong to."""
    return list(visible(user, "safeguarding.raise", Organisation.objects.all()).order_by("name", "pk"))


def people_to_offer(*, user, organisation_ids, group=None) -> list[User]:
    """The people a concern may name, as tick boxes: the members of the session's group when raised from a
    session, otherwise the members of the person's own groups in those organisations (never a whole
    organisation's list, which a parent has no business seeing). Bounded; the person themselves left out."""
    if group is not None:
        group_ids = [group.pk]
    else:
        st = standing(user)
        group_ids = [gid for gid, org in st.group_orgs.items() if org in set(organisation_ids)]
    if not group_ids:
        return []
    member_ids = Membership.objects.active().filter(group_id__in=group_ids).exclude(user_id=user.pk).values("user_id")
    return list(User.objects.filter(pk__in=member_ids, is_active=True).order_by("full_name", "pk")[:PEOPLE_OFFERED])


def concerns_raised_by(*, user, limit: int = RAISED_SHOWN) -> list[Concern]:
    """What the person raised: for their own list of dates (nothing of the record is shown to them)."""
    return list(
        Concern.objects.filter(raised_by=user)
        .only("pk", "raised_at", "organisation_id", "raised_by_id")
        .order_by("-raised_at")[:limit]
    )


def lead_names(*, organisation_id: int) -> list[str]:
    return [lead.display_name for lead in leads_of(organisation_id=organisation_id)]


def concerns_for_leads(*, user, organisation, status: str = "", page=1):
    """The organisation's concerns for its leads: open ones first, those with someone at immediate risk or
    marked urgent at the top of them, then the newest; filtered by status if one is given."""
    concerns = visible(user, "safeguarding.concern.manage", Concern.objects.filter(organisation=organisation))
    if status in Concern.Status.values:
        concerns = concerns.filter(status=status)
    concerns = (
        concerns.select_related("owner", "raised_by")
        .annotate(
            is_closed=Case(
                When(status=Concern.Status.CLOSED, then=Value(1)), default=Value(0), output_field=IntegerField()
            ),
            is_pressing=Case(
                When(Q(immediate_risk=True) | Q(severity=Severity.URGENT), then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("is_closed", "is_pressing", "-raised_at", "-pk")
    )
    return page_of(concerns, number=page, per_page=CONCERNS_PER_PAGE)


def grants_for_review(*, organisation, now=None) -> list[AccessGrant]:
    """Access given to the organisation's concerns, to review: open ones and those that ended in the last 30
    days, newest first (bounded)."""
    now = now or timezone.now()
    recent = now - GRANTS_ENDED_SHOWN_FOR
    return list(
        AccessGrant.objects.filter(concern__organisation=organisation)
        .filter(Q(ended_at__isnull=True, expires_at__gt=recent) | Q(ended_at__gte=recent))
        .select_related("person", "granted_by", "concern")
        .order_by("-granted_at")[:GRANTS_SHOWN]
    )


@dataclass
class ConcernPage:
    people: list[ConcernPerson]
    documents: list[ConcernDocument]
    chronology: list[ChronologyEntry]
    grants: list[AccessGrant]


def concern_page(*, concern: Concern) -> ConcernPage:
    """What the concern's page shows (a fixed number of queries, whatever the record's length)."""
    return ConcernPage(
        people=list(concern.people.select_related("person").order_by("pk")),
        documents=list(concern.documents.defer("content").select_related("added_by").order_by("added_at", "pk")),
        chronology=list(concern.chronology.select_related("recorded_by").order_by("recorded_at", "pk")),
        grants=list(concern.grants.select_related("person", "granted_by").order_by("-granted_at")[:GRANTS_SHOWN]),
    )


def access_trail(*, concern: Concern, page=1):
    """Who looked at the record, or tried to: newest first, a page at a time."""
    events = AccessEvent.objects.filter(object_type="safeguarding.concern", object_id=str(concern.pk)).select_related(
        "actor"
    )
    return page_of(events.order_by("-at", "-pk"), number=page, per_page=TRAIL_PER_PAGE)


def document_of(*, concern: Concern, document_id: int) -> ConcernDocument | None:
    return ConcernDocument.objects.filter(concern=concern, pk=document_id).first()


def grant_of(*, concern: Concern, grant_id: int) -> AccessGrant | None:
    return AccessGrant.objects.filter(concern=concern, pk=grant_id).select_related("person", "concern").first()


def organisation_leads(*, organisation_id: int) -> list[User]:
    return leads_of(organisation_id=organisation_id)


def people_to_grant(*, organisation_id: int, exclude_ids=()) -> list[User]:
    """Who a lead may give access to: the organisation's staff and the members of its groups (bounded)."""
    staff = StaffRole.objects.filter(organisation_id=organisation_id).values("user_id")
    members = Membership.objects.active().filter(group__organisation_id=organisation_id).values("user_id")
    return list(
        User.objects.filter(Q(pk__in=staff) | Q(pk__in=members), is_active=True)
        .exclude(pk__in=list(exclude_ids))
        .order_by("full_name", "pk")[:500]
    )
