"""How long an organisation keeps each type of record, and its safeguarding leads' decisions about records past
that period. Nothing is deleted: "erase" clears what a record says where nothing else rests on it (the words of a
message; how a person felt at a session), and is offered for those types only. Safeguarding records are kept."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.audit import audit_record
from core.validators import text_check
from notifications.models import Message
from sessions_app.models import CheckIn

from ..models import RecordType, RetentionReview, RetentionRule
from ..permissions import is_lead
from ..selectors.rights import ERASABLE, retention_due_queryset

MONTHS_MIN, MONTHS_MAX = 1, 1200
REASON_MAX = 1000
DECISIONS = ("keep", "erase")


def _lead_check(*, organisation, acting_user) -> None:
    if not is_lead(acting_user, organisation.pk):
        raise ValidationError("Only a safeguarding lead of the organisation can do this.", code="not_allowed")


@transaction.atomic
def retention_rules_set(*, organisation, months: dict[str, int | None], acting_user) -> list[str]:
    """Sets the organisation's retention periods, in months, per record type. A type left blank stays unset; a
    period once set can be changed but not removed (records past it would silently stop being reviewed).
    Returns the types that changed; each change is audited with the period before."""
    _lead_check(organisation=organisation, acting_user=acting_user)
    unknown = set(months) - set(RecordType.values)
    if unknown:
        raise ValidationError("Choose record types from the list.", code="unknown_type")
    existing = {r.record_type: r for r in RetentionRule.objects.select_for_update().filter(organisation=organisation)}
    errors = {}
    for record_type, value in months.items():
        if value is None:
            if record_type in existing:
                errors[record_type] = ValidationError(
                    "Enter a number of months. A period can be changed but not removed.", code="period_needed"
                )
        elif not isinstance(value, int) or not MONTHS_MIN <= value <= MONTHS_MAX:
            errors[record_type] = ValidationError(
                f"Enter a number of months from {MONTHS_MIN} to {MONTHS_MAX}.", code="months_range"
            )
    if errors:
        raise ValidationError(errors)
    changed = []
    now = timezone.now()
    for record_type, value in months.items():
        rule = existing.get(record_type)
        if value is None or (rule is not None and rule.months == value):
            continue
        was = rule.months if rule else None
        if rule is None:
            rule = RetentionRule(organisation=organisation, record_type=record_type)
        rule.months, rule.updated_by, rule.updated_at = value, acting_user, now
        rule.full_clean()
        rule.save()
        audit_record(
            action="retention_rule.set",
            actor=acting_user,
            obj=rule,
            organisation_id=organisation.pk,
            data={"record_type": record_type, "months": value, "was": was},
        )
        changed.append(record_type)
    return changed


def _erase(record_type: str, object_id: int) -> None:
    if record_type == RecordType.MESSAGES:
        message = Message.objects.select_for_update().get(pk=object_id)
        message.subject = message.body = message.link = ""
        # A message with no account behind it is known by its address only; the database asks for one.
        message.address = "" if message.person_id else f"removed-{message.pk}"
        message.save(update_fields=["subject", "body", "link", "address"])
    elif record_type == RecordType.ATTENDANCE:
        CheckIn.objects.filter(pk=object_id).update(checkin_feeling=None, checkout_feeling=None, wants_to_talk=False)
    else:  # pragma: no cover - refused before
        raise ValidationError("This kind of record cannot be erased.", code="erase_not_allowed")


@transaction.atomic
def retention_review_record(
    *,
    organisation,
    record_type: str,
    object_id: int,
    decision: str,
    reason: str,
    acting_user,
    now=None,
) -> RetentionReview:
    """A lead's decision about one record past its retention period: "keep" (with a reason) or "erase" (only
    messages and how people felt at sessions). One decision per record (a unique key): a second is refused. The
    record must belong to the organisation and be past the period now. Audited without the reason, which may say
    something about a person."""
    _lead_check(organisation=organisation, acting_user=acting_user)
    if record_type not in RecordType.values:
        raise ValidationError("Choose a record type from the list.", code="unknown_type")
    if decision not in DECISIONS:
        raise ValidationError({"decision": ValidationError("Choose keep or erase.", code="unknown_decision")})
    if decision == "erase" and record_type not in ERASABLE:
        raise ValidationError(
            {"decision": ValidationError("This kind of record is kept, never erased.", code="erase_not_allowed")}
        )
    reason = (reason or "").strip()
    if decision == "keep" and not reason:
        raise ValidationError({"reason": ValidationError("Say why the record is kept.", code="reason_needed")})
    try:
        text_check(reason, noun="the reason", limit=REASON_MAX, multi_line=True)
    except ValidationError as error:
        raise ValidationError({"reason": error}) from None
    rule = RetentionRule.objects.filter(organisation=organisation, record_type=record_type).first()
    if rule is None:
        raise ValidationError("Set how long these records are kept first.", code="no_rule")
    if RetentionReview.objects.filter(organisation=organisation, record_type=record_type, object_id=object_id).exists():
        raise ValidationError("A decision about this record has already been made.", code="already_reviewed")
    due = retention_due_queryset(organisation=organisation, record_type=record_type, months=rule.months, now=now)
    if due is None or not due.filter(pk=object_id).exists():
        raise ValidationError("This record is not past its retention period.", code="not_due")
    review = RetentionReview(
        organisation=organisation,
        record_type=record_type,
        object_id=object_id,
        decision=decision,
        reason=reason or f"Past its retention period of {rule.months} months.",
        decided_by=acting_user,
    )
    review.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            review.save()
    except IntegrityError:  # another lead decided it at the same moment
        raise ValidationError("A decision about this record has already been made.", code="already_reviewed") from None
    if decision == "erase":
        _erase(record_type, object_id)
    audit_record(
        action=f"retention.{'erased' if decision == 'erase' else 'kept'}",
        actor=acting_user,
        obj=review,
        organisation_id=organisation.pk,
        data={"record_type": record_type, "object_id": object_id},
    )
    return review
