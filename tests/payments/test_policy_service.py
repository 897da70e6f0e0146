"""The payment policy's versions (payments/services/policy.py): the current one, and changes as new versions."""

import pytest
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from payments.models import PaymentPolicy
from payments.services.policy import POLICY_FIELDS, policy_current, policy_update

pytestmark = pytest.mark.django_db


def codes(error: ValidationError) -> dict:
    return {field: [e.code for e in errors] for field, errors in error.error_dict.items()}


def test_an_organisation_without_a_policy_gets_version_1_with_the_usual_amounts(organisation):
    policy = policy_current(organisation=organisation)
    assert (policy.version, policy.hourly_rate_pence, policy.target_working_days) == (1, 2500, 2)
    assert policy_current(organisation=organisation).pk == policy.pk
    assert PaymentPolicy.objects.filter(organisation=organisation).count() == 1


def test_a_change_makes_a_new_version_and_keeps_the_old_one(organisation, org_admin):
    first = policy_current(organisation=organisation)
    second = policy_update(organisation=organisation, acting_user=org_admin, hourly_rate_pence=3000)
    assert (second.version, second.hourly_rate_pence, second.created_by) == (2, 3000, org_admin)
    assert PaymentPolicy.objects.get(pk=first.pk).hourly_rate_pence == 2500  # never edited
    assert policy_current(organisation=organisation).pk == second.pk
    event = AuditEvent.objects.get(action="payment_policy.changed")
    assert event.data["changed"] == {"hourly_rate_pence": [2500, 3000]}
    assert event.actor == org_admin and event.organisation_id == organisation.pk


def test_nothing_changed_makes_no_new_version(organisation, org_admin):
    current = policy_current(organisation=organisation)
    same = policy_update(
        organisation=organisation, acting_user=org_admin, **{f: getattr(current, f) for f in POLICY_FIELDS}
    )
    assert same.pk == current.pk
    assert not AuditEvent.objects.filter(action="payment_policy.changed").exists()


def test_only_the_policy_fields_can_be_changed(organisation, org_admin):
    with pytest.raises(TypeError):
        policy_update(organisation=organisation, acting_user=org_admin, version=7)


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"half_day_pence": 20000}, "half_day_pence", "half_day_above_full_day"),
        ({"hourly_rate_pence": 0}, "hourly_rate_pence", "hourly_rate_needed"),
        ({"half_day_pence": 0}, "half_day_pence", "day_amount_needed"),
        ({"methods": []}, "methods", "no_method"),
        ({"methods": ["bank", "bitcoin"]}, "methods", "unknown_method"),
        ({"methods": ["bank", "charity"], "charity_name": "  "}, "charity_name", "charity_name_needed"),
        ({"benefits_weekly_pence": 0}, "benefits_weekly_pence", "benefits_amount"),
        ({"target_working_days": 0}, "target_working_days", "target_working_days"),
        ({"target_working_days": 31}, "target_working_days", "target_working_days"),
        ({"mileage_pence_per_mile": 101}, "mileage_pence_per_mile", "mileage_too_high"),
        ({"half_day_hours": 13}, "half_day_hours", "half_day_hours"),
    ],
)
def test_the_rules_refuse_with_codes_and_make_nothing(organisation, org_admin, fields, field, code):
    policy_current(organisation=organisation)
    with pytest.raises(ValidationError) as caught:
        policy_update(organisation=organisation, acting_user=org_admin, **fields)
    assert code in codes(caught.value)[field]
    assert PaymentPolicy.objects.filter(organisation=organisation).count() == 1


def test_all_zero_rates_is_a_policy_that_pays_only_costs(organisation, org_admin):
    policy = policy_update(
        organisation=organisation, acting_user=org_admin, hourly_rate_pence=0, half_day_pence=0, full_day_pence=0
    )
    assert policy.version == 2


def test_a_charity_offered_with_its_name_and_methods_kept_in_order(organisation, org_admin):
    policy = policy_update(
        organisation=organisation,
        acting_user=org_admin,
        methods=["charity", "voucher"],
        charity_name=" Bayside Food Bank ",
    )
    assert policy.methods == ["voucher", "charity"]
    assert policy.charity_name == "Bayside Food Bank"


def test_only_an_admin_changes_the_policy(organisation, finance_officer):
    with pytest.raises(ValidationError) as caught:
        policy_update(organisation=organisation, acting_user=finance_officer, hourly_rate_pence=3000)
    assert caught.value.code == "not_allowed"


def test_the_default_policy_made_for_an_organisation_is_in_the_audit_trail(organisation):
    from core.models import AuditEvent
    from payments.services.policy import policy_current

    policy = policy_current(organisation=organisation)
    again = policy_current(organisation=organisation)
    assert again.pk == policy.pk
    events = AuditEvent.objects.filter(action="payment_policy.created")
    assert [(e.object_id, e.organisation_id, e.actor_label) for e in events] == [
        (str(policy.pk), organisation.pk, "default policy")
    ]
