"""Safety plans: only the person writes and shares their own; sharing is with a group they belong to; stopping
keeps the row; the audit trail never holds what a plan says."""

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from safeguarding.models import SafetyPlan, SafetyPlanShare
from safeguarding.services import plans as services
from tests.safeguarding.factories_s2 import share_plan, write_plan

SECRET = "talking about the time my child was taken into care"


def test_the_person_writes_their_plan_and_the_audit_keeps_no_text(group_with_members, parent):
    plan = write_plan(parent, upsets_me=SECRET, helps="A cup of tea")
    plan = write_plan(parent, upsets_me=SECRET, helps="A walk outside")

    assert SafetyPlan.objects.filter(person=parent).count() == 1
    plan = SafetyPlan.objects.get(pk=plan.pk)
    assert plan.upsets_me == SECRET
    assert plan.helps == "A walk outside"
    actions = list(
        AuditEvent.objects.filter(object_type="safeguarding.safetyplan", object_id=str(plan.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["safety_plan.created", "safety_plan.updated"]
    for event in AuditEvent.objects.all():
        assert "child" not in str(event.data) and "tea" not in str(event.data) and "walk" not in str(event.data)
        assert "child" not in event.object_repr


def test_nobody_else_writes_a_persons_plan(group_with_members, parent, facilitator):
    with pytest.raises(ValidationError) as error:
        services.safety_plan_save(
            person=parent, acting_user=facilitator, upsets_me="x", signs="", helps="", contacts="", wishes=""
        )
    assert error.value.code == "not_own_plan"
    assert not SafetyPlan.objects.exists()


def test_each_answer_is_at_most_2000_characters(parent):
    write_plan(parent, signs="a" * 2000)
    with pytest.raises(ValidationError) as error:
        write_plan(parent, signs="a" * 2001, helps="fine")
    assert error.value.error_dict["signs"][0].code == "text_too_long"
    assert not SafetyPlan.objects.get(person=parent).helps  # nothing of the refused save was kept


def test_sharing_needs_a_plan_and_a_group_the_person_belongs_to(group_with_members, other_group, parent):
    with pytest.raises(ValidationError) as error:
        share_plan(parent, group_with_members)
    assert error.value.code == "no_plan"

    write_plan(parent, helps="Tea")
    with pytest.raises(ValidationError) as error:
        share_plan(parent, other_group)
    assert error.value.code == "not_a_member"
    assert not SafetyPlanShare.objects.exists()


def test_stopping_keeps_the_row_and_sharing_again_makes_a_new_one(group_with_members, parent):
    write_plan(parent, helps="Tea")
    first = share_plan(parent, group_with_members)
    assert share_plan(parent, group_with_members) == first  # already shared: nothing new

    stopped = services.safety_plan_stop_sharing(person=parent, acting_user=parent, group=group_with_members)
    assert stopped.pk == first.pk and stopped.stopped_at is not None
    with pytest.raises(ValidationError) as error:
        services.safety_plan_stop_sharing(person=parent, acting_user=parent, group=group_with_members)
    assert error.value.code == "not_shared"

    again = share_plan(parent, group_with_members)
    assert again.pk != first.pk
    assert SafetyPlanShare.objects.filter(plan__person=parent).count() == 2
    assert list(
        AuditEvent.objects.filter(action__startswith="safety_plan.s").order_by("pk").values_list("action", flat=True)
    ) == ["safety_plan.shared", "safety_plan.sharing_stopped", "safety_plan.shared"]


def test_only_the_person_shares_or_stops(group_with_members, parent, facilitator):
    write_plan(parent, helps="Tea")
    with pytest.raises(ValidationError) as error:
        services.safety_plan_share(person=parent, acting_user=facilitator, group=group_with_members)
    assert error.value.code == "not_own_plan"
    share_plan(parent, group_with_members)
    with pytest.raises(ValidationError) as error:
        services.safety_plan_stop_sharing(person=parent, acting_user=facilitator, group=group_with_members)
    assert error.value.code == "not_own_plan"


def test_sharing_set_shares_and_stops_in_one_step(group_with_members, other_group, parent, facilitator2):
    from tests.safeguarding.factories_s2 import add_member

    add_member(other_group, parent, facilitator2)
    write_plan(parent, helps="Tea")
    share_plan(parent, group_with_members)

    done = services.safety_plan_sharing_set(person=parent, acting_user=parent, group_ids={other_group.pk})

    assert done == {"shared": [other_group.pk], "stopped": [group_with_members.pk]}
    open_groups = set(SafetyPlanShare.objects.filter(stopped_at__isnull=True).values_list("group_id", flat=True))
    assert open_groups == {other_group.pk}
