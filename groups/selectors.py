"""Reads for people and groups. Each selector decides what a person may see and loads it in a fixed number
of queries, whatever the number of rows."""

from dataclasses import dataclass

from django.db.models import Count, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from .models import (
    Acknowledgement,
    AgreementVersion,
    Group,
    Invitation,
    Membership,
    Organisation,
    PathwayRole,
)
from .permissions import R, standing


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


def facilitated_groups_with_members(*, user):
    """For a facilitator's home page: the groups they facilitate, each with its active members prefetched."""
    return (
        Group.objects.filter(
            memberships__user=user,
            memberships__role=Membership.Role.FACILITATOR,
            memberships__left_at__isnull=True,
            archived_at__isnull=True,
        )
        .prefetch_related(
            Prefetch(
                "memberships",
                queryset=Membership.objects.active().select_related("user").order_by("role", "user__full_name"),
                to_attr="active_memberships",
            )
        )
        .annotate(current_version=_current_version_subquery())
        .order_by("name")
        .distinct()
    )
