"""Reading safety plans: a person's own plan and its sharing, who has read it, and which plans are shared with a
group (for the check-in markers, in one query for any number of people)."""

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from core.models import AccessEvent
from groups.models import Group, Membership, User
from groups.selectors import page_of

from ..models import SafetyPlan, SafetyPlanShare

READERS_PER_PAGE = 20
# What counts as reading a plan in its access trail (a refusal is not a reading).
READ_KINDS = (AccessEvent.Kind.VIEW, AccessEvent.Kind.DOWNLOAD, AccessEvent.Kind.PRINT, AccessEvent.Kind.EXPORT)


def plan_of(*, person: User) -> SafetyPlan | None:
    return SafetyPlan.objects.filter(person_id=person.pk).first()


@dataclass
class SharingChoice:
    group: Group
    shared: bool
    is_member: bool  # a group the person has left can only be stopped, not shared with again


def plan_sharing_choices(*, person: User, plan: SafetyPlan | None) -> list[SharingChoice]:
    """The groups the person belongs to, and any group their plan is still shared with (so they can always stop
    it), each with whether it is shared now. Two queries."""
    member_groups = {
        m.group_id: m.group
        for m in Membership.objects.active()
        .filter(user_id=person.pk, group__archived_at__isnull=True)
        .select_related("group", "group__organisation")
    }
    shared: dict[int, Group] = {}
    if plan is not None:
        shared = {
            s.group_id: s.group
            for s in SafetyPlanShare.objects.filter(plan=plan, stopped_at__isnull=True).select_related(
                "group", "group__organisation"
            )
        }
    groups = {**shared, **member_groups}
    choices = [
        SharingChoice(group=g, shared=gid in shared, is_member=gid in member_groups) for gid, g in groups.items()
    ]
    return sorted(choices, key=lambda c: (c.group.organisation.name, c.group.name))


def plan_readers_page(*, plan: SafetyPlan, number):
    """ "Who has read my plan": the plan's access trail, newest first, without the person's own readings, a
    page at a time (the trail's object index)."""
    trail = (
        AccessEvent.objects.filter(
            object_type=SafetyPlan._meta.label_lower, object_id=str(plan.pk), kind__in=READ_KINDS
        )
        .exclude(actor_id=plan.person_id)
        .select_related("actor")
        .order_by("-at", "-pk")
    )
    return page_of(trail, number=number, per_page=READERS_PER_PAGE)


def plan_shared_expression(*, group_id: int, person_ref: str = "pk") -> Subquery:
    """For a query about people: the id of the person's plan (at `person_ref`, an OuterRef path) if it is
    shared with the group now, else None."""
    return Subquery(
        SafetyPlanShare.objects.filter(
            group_id=group_id, stopped_at__isnull=True, plan__person_id=OuterRef(person_ref)
        ).values("plan_id")[:1]
    )
