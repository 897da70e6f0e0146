"""Emotional safety plans: a member writes their own, and shares it with the facilitators of a group they belong
to for as long as they choose. Only the person writes it; sharing and stopping are theirs alone too.

The audit trail says that a plan was saved, shared or stopped, never what it says (it is special-category data).
Sharing again after stopping makes a new share row, so the history of who could read it, and when, is kept."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.validators import texts_check
from groups.models import Group, Membership, User

from ..models import SafetyPlan, SafetyPlanShare

MAX_LENGTH = 2000
PLAN_FIELDS = ("upsets_me", "signs", "helps", "contacts", "wishes")
NOUNS = {
    "upsets_me": "what can upset you",
    "signs": "the signs you are struggling",
    "helps": "what helps",
    "contacts": "who to contact",
    "wishes": "what you would like facilitators to do",
}


def _only_the_person(*, person, acting_user, doing: str) -> None:
    if acting_user is None or acting_user.pk != person.pk:
        raise ValidationError(f"Only the person whose plan it is can {doing} it.", code="not_own_plan")


@transaction.atomic
def safety_plan_save(
    *, person: User, acting_user: User, upsets_me: str, signs: str, helps: str, contacts: str, wishes: str
) -> SafetyPlan:
    """Writes the person's plan (made on first save). Only the person themselves; each answer at most
    MAX_LENGTH characters."""
    _only_the_person(person=person, acting_user=acting_user, doing="write")
    values = {
        "upsets_me": upsets_me,
        "signs": signs,
        "helps": helps,
        "contacts": contacts,
        "wishes": wishes,
    }
    values = {name: (value or "").strip() for name, value in values.items()}
    # The answers may hold line breaks, nothing else out of the ordinary (code "control_character"), and
    # MAX_LENGTH characters each (code "text_too_long", on its field).
    texts_check(**{name: (value, NOUNS[name], MAX_LENGTH, True) for name, value in values.items()})
    # The person's row is the lock: two first saves at once make one plan, not an error.
    User.objects.select_for_update().only("pk").get(pk=person.pk)
    plan = SafetyPlan.objects.select_for_update().filter(person_id=person.pk).first()
    created = plan is None
    if created:
        plan = SafetyPlan(person=person)
    for name, value in values.items():
        setattr(plan, name, value)
    plan.updated_at = timezone.now()
    plan.full_clean()
    plan.save()
    audit_record(action="safety_plan.created" if created else "safety_plan.updated", actor=acting_user, obj=plan)
    return plan


def _plan_locked(person: User) -> SafetyPlan:
    plan = SafetyPlan.objects.select_for_update().filter(person_id=person.pk).first()
    if plan is None:
        raise ValidationError("Write your safety plan first, then you can share it.", code="no_plan")
    return plan


@transaction.atomic
def safety_plan_share(*, person: User, acting_user: User, group: Group) -> SafetyPlanShare:
    """Shares the person's plan with the facilitators of a group they are an active member of (code
    "not_a_member" otherwise). Sharing what is already shared changes nothing and returns the open share."""
    _only_the_person(person=person, acting_user=acting_user, doing="share")
    plan = _plan_locked(person)
    if not Membership.objects.active().filter(group_id=group.pk, user_id=person.pk).exists():
        raise ValidationError("You can only share your plan with a group you belong to.", code="not_a_member")
    share = SafetyPlanShare.objects.filter(plan=plan, group_id=group.pk, stopped_at__isnull=True).first()
    if share is not None:
        return share
    share = SafetyPlanShare(plan=plan, group=group)
    share.full_clean()
    share.save()
    audit_record(
        action="safety_plan.shared",
        actor=acting_user,
        obj=plan,
        organisation_id=group.organisation_id,
        data={"group_id": group.pk},
    )
    return share


@transaction.atomic
def safety_plan_stop_sharing(*, person: User, acting_user: User, group: Group) -> SafetyPlanShare:
    """Stops sharing the plan with a group's facilitators from now on (the share row keeps when it stopped).
    Works whether or not the person still belongs to the group. Code "not_shared" when it was not shared."""
    _only_the_person(person=person, acting_user=acting_user, doing="stop sharing")
    plan = _plan_locked(person)
    share = (
        SafetyPlanShare.objects.select_for_update()
        .filter(plan=plan, group_id=group.pk, stopped_at__isnull=True)
        .first()
    )
    if share is None:
        raise ValidationError("Your plan is not shared with that group.", code="not_shared")
    share.stopped_at = timezone.now()
    share.save(update_fields=["stopped_at"])
    audit_record(
        action="safety_plan.sharing_stopped",
        actor=acting_user,
        obj=plan,
        organisation_id=group.organisation_id,
        data={"group_id": group.pk},
    )
    return share


@transaction.atomic
def safety_plan_sharing_set(*, person: User, acting_user: User, group_ids: set[int]) -> dict[str, list[int]]:
    """The sharing page in one step: shares the plan with each group in `group_ids` it is not shared with yet,
    and stops sharing with every group it is shared with that is not in `group_ids`. Returns the group ids
    shared with and stopped, by "shared" and "stopped"."""
    _only_the_person(person=person, acting_user=acting_user, doing="share")
    plan = _plan_locked(person)
    open_ids = set(
        SafetyPlanShare.objects.filter(plan=plan, stopped_at__isnull=True).values_list("group_id", flat=True)
    )
    wanted = {int(g) for g in group_ids}
    groups = Group.objects.in_bulk(wanted | open_ids)
    if wanted - set(groups):
        raise ValidationError("You can only share your plan with a group you belong to.", code="not_a_member")
    shared = sorted(wanted - open_ids)
    stopped = sorted(open_ids - wanted)
    for gid in shared:
        safety_plan_share(person=person, acting_user=acting_user, group=groups[gid])
    for gid in stopped:
        safety_plan_stop_sharing(person=person, acting_user=acting_user, group=groups[gid])
    return {"shared": shared, "stopped": stopped}
