"""An organisation's payment policy: read the current version, and change it by making a new version.

A claim keeps the version it was made under, so a change applies to sessions whose claims are made after it and
never to claims already made. Old versions are never edited.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.audit import audit_record
from groups.models import Organisation
from groups.permissions import has_perm

from ..models import Method, PaymentPolicy, TimeBasis

# The policy fields an admin may change (nothing else: not the version, the organisation or who made it).
POLICY_FIELDS = (
    "hourly_rate_pence",
    "half_day_hours",
    "half_day_pence",
    "full_day_pence",
    "time_basis",
    "late_grace_minutes",
    "pays_preparation",
    "methods",
    "charity_name",
    "mileage_pence_per_mile",
    "target_working_days",
    "benefits_weekly_pence",
    "benefits_yearly_pence",
)

MILEAGE_MAX_PENCE = 100
TARGET_DAYS_MAX = 30
GRACE_MAX_MINUTES = 60
HALF_DAY_HOURS_MAX = 12


def _organisation_id(organisation) -> int:
    return organisation.pk if isinstance(organisation, Organisation) else int(organisation)


def _latest(organisation_id: int) -> PaymentPolicy | None:
    return PaymentPolicy.objects.filter(organisation_id=organisation_id).order_by("-version").first()


def policy_current(*, organisation) -> PaymentPolicy:
    """The newest version of the organisation's policy. An organisation that never set one gets version 1 with
    the model's defaults (two requests at once make one: the unique version holds, the loser reads the row)."""
    organisation_id = _organisation_id(organisation)
    policy = _latest(organisation_id)
    if policy is not None:
        return policy
    try:
        with transaction.atomic():  # a savepoint, so the caller's transaction survives losing the race
            policy = PaymentPolicy.objects.create(organisation_id=organisation_id, version=1)
            audit_record(
                action="payment_policy.created",
                actor_label="default policy",
                obj=policy,
                organisation_id=organisation_id,
                data={"version": 1},
            )
            return policy
    except IntegrityError:
        policy = _latest(organisation_id)
        if policy is None:
            raise
        return policy


def policy_versions(*, organisation, limit: int = 10) -> list[PaymentPolicy]:
    """The newest `limit` versions, newest first, with who made each."""
    return list(
        PaymentPolicy.objects.filter(organisation_id=_organisation_id(organisation))
        .select_related("created_by")
        .order_by("-version")[:limit]
    )


def _error(field: str, message: str, code: str) -> tuple[str, ValidationError]:
    return field, ValidationError(message, code=code)


def policy_check(values: dict) -> None:
    """The rules a policy keeps, each error under its field with a code."""
    errors: list[tuple[str, ValidationError]] = []
    hourly, half, full = values["hourly_rate_pence"], values["half_day_pence"], values["full_day_pence"]
    for name in ("hourly_rate_pence", "half_day_pence", "full_day_pence", "mileage_pence_per_mile"):
        if values[name] is None or values[name] < 0:
            errors.append(_error(name, "Enter an amount of £0 or more.", "amount_negative"))
    if not errors:
        if half > full:
            errors.append(
                _error(
                    "half_day_pence",
                    "The half-day amount cannot be more than the full-day amount.",
                    "half_day_above_full_day",
                )
            )
        if hourly == 0 and (half or full):
            errors.append(
                _error(
                    "hourly_rate_pence",
                    "Enter an hourly rate above £0, or set the half-day and full-day amounts to £0 too if you do not "
                    "pay for people's time.",
                    "hourly_rate_needed",
                )
            )
        if hourly > 0 and (half == 0 or full == 0):
            errors.append(
                _error(
                    "half_day_pence" if half == 0 else "full_day_pence",
                    "Enter a half-day and a full-day amount above £0: they are the most a person is paid for a "
                    "half or a whole day.",
                    "day_amount_needed",
                )
            )
        if values["mileage_pence_per_mile"] > MILEAGE_MAX_PENCE:
            errors.append(
                _error(
                    "mileage_pence_per_mile",
                    f"The mileage rate can be up to {MILEAGE_MAX_PENCE}p a mile.",
                    "mileage_too_high",
                )
            )
    if not 1 <= (values["half_day_hours"] or 0) <= HALF_DAY_HOURS_MAX:
        errors.append(
            _error("half_day_hours", f"A half day is between 1 and {HALF_DAY_HOURS_MAX} hours.", "half_day_hours")
        )
    if values["time_basis"] not in TimeBasis.values:
        errors.append(_error("time_basis", "Choose what time counts.", "unknown_time_basis"))
    if not 0 <= (values["late_grace_minutes"] or 0) <= GRACE_MAX_MINUTES:
        errors.append(
            _error("late_grace_minutes", f"Enter between 0 and {GRACE_MAX_MINUTES} minutes.", "grace_out_of_range")
        )
    methods = values["methods"]
    if not isinstance(methods, list) or not methods:
        errors.append(_error("methods", "Choose at least one way to pay people.", "no_method"))
    elif any(m not in Method.values for m in methods):
        errors.append(_error("methods", "Choose from the ways to pay listed.", "unknown_method"))
    elif Method.CHARITY in methods and not (values["charity_name"] or "").strip():
        errors.append(
            _error(
                "charity_name",
                "Enter the name of the charity people can give their payment to, or untick the charity.",
                "charity_name_needed",
            )
        )
    for name in ("benefits_weekly_pence", "benefits_yearly_pence"):
        if not values[name] or values[name] <= 0:
            errors.append(_error(name, "Enter an amount above £0.", "benefits_amount"))
    if not 1 <= (values["target_working_days"] or 0) <= TARGET_DAYS_MAX:
        errors.append(
            _error(
                "target_working_days",
                f"Enter a number of working days between 1 and {TARGET_DAYS_MAX}.",
                "target_working_days",
            )
        )
    if errors:
        by_field: dict[str, list[ValidationError]] = {}
        for field, error in errors:
            by_field.setdefault(field, []).append(error)
        raise ValidationError(by_field)


def _normalise(values: dict) -> dict:
    values = dict(values)
    if isinstance(values.get("methods"), list | tuple):
        # the order the methods are listed in (the first is what a claim uses when the person has not chosen)
        chosen = set(values["methods"])
        values["methods"] = [m for m in Method.values if m in chosen] + sorted(chosen - set(Method.values))
    if isinstance(values.get("charity_name"), str):
        values["charity_name"] = values["charity_name"].strip()
    return values


@transaction.atomic
def policy_update(*, organisation, acting_user, **fields) -> PaymentPolicy:
    """Changes the policy by making a new version from the current one with `fields` changed; only the
    POLICY_FIELDS may be given (TypeError otherwise). Nothing changed makes no new version. Checks: half-day
    within full-day, an hourly rate above £0 unless nothing is paid for time, at least one way to pay, a charity
    named when giving to a charity is offered, benefits amounts above £0, a target of 1 to 30 working days and
    mileage up to 100p a mile. The organisation's row is locked, so two admins saving at once make two versions
    one after the other. Audited as `payment_policy.changed` with what changed (old and new)."""
    unknown = set(fields) - set(POLICY_FIELDS)
    if unknown:
        raise TypeError(f"policy_update cannot change {', '.join(sorted(unknown))}")
    organisation = Organisation.objects.select_for_update().get(pk=_organisation_id(organisation))
    if not has_perm(acting_user, "payments.policy", organisation):
        raise ValidationError("Only the organisation's admins can change the payment policy.", code="not_allowed")
    current = policy_current(organisation=organisation)
    values = {name: getattr(current, name) for name in POLICY_FIELDS}
    values.update(_normalise(fields))
    policy_check(values)
    changed = {
        name: [getattr(current, name), values[name]] for name in POLICY_FIELDS if getattr(current, name) != values[name]
    }
    if not changed:
        return current
    policy = PaymentPolicy(organisation=organisation, version=current.version + 1, created_by=acting_user, **values)
    policy.full_clean()
    policy.save()
    audit_record(
        action="payment_policy.changed",
        actor=acting_user,
        obj=policy,
        organisation_id=organisation.pk,
        data={"version": policy.version, "previous_version": current.version, "changed": changed},
    )
    return policy
