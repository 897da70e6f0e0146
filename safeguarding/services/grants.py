"""Access to one concern for a named person, for a while.

- A safeguarding lead gives a person of the organisation access for 1 to 30 days, with a reason; the person is
  told there is something to look at. A lead may end it sooner.
- In an emergency, a facilitator who raised the concern or is named on it opens it ("break glass") with a
  reason: 24 hours of access, and every lead is alerted at once.
- A grant ends on its own at `expires_at` (the permission checks it): nothing is deleted. Each grant is a line
  in the concern's chronology and in the audit trail (with no text of the concern or the reason).
"""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from core.validators import text_check
from groups.permissions import has_perm, in_organisation
from notifications.services import message_send

from .. import messaging
from ..models import AccessGrant, Concern, EntryKind, GrantKind
from . import alerts
from .concerns import _entry, _locked, _require_lead

MIN_DAYS = 1
MAX_DAYS = 30
BREAK_GLASS_HOURS = 24
REASON_MAX = 1000


def _reason_checked(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ValidationError("Give the reason.", code="reason_required")})
    try:
        text_check(reason, noun="the reason", limit=REASON_MAX, multi_line=True)
    except ValidationError as error:
        raise ValidationError({"reason": error}) from None
    return reason


def access_grant_give(*, concern: Concern, acting_user, person, days: int, reason: str) -> AccessGrant:
    """A lead gives a named person of the organisation access to the concern for 1 to 30 days, with a reason.
    The person is told (a message that says only that there is something to look at)."""
    _require_lead(concern=concern, acting_user=acting_user)
    reason = _reason_checked(reason)
    errors = {}
    if person is None or not person.is_active or not in_organisation(person, concern.organisation_id):
        errors["person"] = ValidationError("Choose a person of this organisation.", code="not_in_organisation")
    elif person.pk == acting_user.pk:
        errors["person"] = ValidationError("You can already see this concern.", code="own_access")
    if not isinstance(days, int) or not MIN_DAYS <= days <= MAX_DAYS:
        errors["days"] = ValidationError(f"Give access for {MIN_DAYS} to {MAX_DAYS} days.", code="days_out_of_range")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    with transaction.atomic():
        concern = _locked(concern)
        grant = AccessGrant(
            concern=concern,
            person=person,
            kind=GrantKind.GRANTED,
            reason=reason,
            granted_by=acting_user,
            granted_at=now,
            expires_at=now + timedelta(days=days),
        )
        grant.full_clean()
        grant.save()
        _entry(
            concern=concern,
            kind=EntryKind.ACCESS_GRANTED,
            acting_user=acting_user,
            text=f"Access given to {person.display_name} for {days} day{'s' if days != 1 else ''}. Reason: {reason}",
        )
        audit_record(
            action="access_grant.given",
            actor=acting_user,
            obj=concern,
            data={"concern": concern.pk, "grant": grant.pk, "person": person.pk, "days": days},
        )
        message_send(
            kind=messaging.ACCESS_GRANTED,
            key=f"access-granted:{grant.pk}",
            person=person,
            link=concern.get_absolute_url(),
            subject="You were given access to a safeguarding record",
            organisation_id=concern.organisation_id,
        )
    return grant


def access_grant_end(*, grant: AccessGrant, acting_user) -> AccessGrant:
    """A lead ends a grant before it expires. Ending one that has already ended changes nothing."""
    concern = grant.concern
    _require_lead(concern=concern, acting_user=acting_user)
    with transaction.atomic():
        concern = _locked(concern)
        grant = AccessGrant.objects.select_for_update().select_related("person").get(pk=grant.pk)
        now = timezone.now()
        if grant.ended_at is not None or grant.expires_at <= now:
            raise ValidationError("This access has already ended.", code="already_ended")
        grant.ended_at = now
        grant.reviewed_by = acting_user
        grant.reviewed_at = now
        grant.save(update_fields=["ended_at", "reviewed_by", "reviewed_at"])
        _entry(
            concern=concern,
            kind=EntryKind.NOTE,
            acting_user=acting_user,
            text=f"Access for {grant.person.display_name} ended early.",
        )
        audit_record(
            action="access_grant.ended",
            actor=acting_user,
            obj=concern,
            data={"concern": concern.pk, "grant": grant.pk, "person": grant.person_id},
        )
    return grant


def concern_break_glass(*, concern: Concern, acting_user, reason: str) -> AccessGrant:
    """A facilitator who raised the concern or is named on it opens it in an emergency, with a reason: access
    for 24 hours, a chronology line, and every safeguarding lead alerted at once. Opening it again while that
    access is open gives the same grant (a double click alerts nobody twice)."""
    if not has_perm(acting_user, "safeguarding.concern.break_glass", concern):
        raise ValidationError("You cannot open this record in an emergency.", code="not_allowed")
    reason = _reason_checked(reason)
    now = timezone.now()
    with transaction.atomic():
        concern = _locked(concern)
        open_grant = AccessGrant.objects.filter(
            concern=concern, person=acting_user, kind=GrantKind.BREAK_GLASS, ended_at__isnull=True, expires_at__gt=now
        ).first()
        if open_grant is not None:
            return open_grant
        grant = AccessGrant(
            concern=concern,
            person=acting_user,
            kind=GrantKind.BREAK_GLASS,
            reason=reason,
            granted_by=acting_user,
            granted_at=now,
            expires_at=now + timedelta(hours=BREAK_GLASS_HOURS),
        )
        grant.full_clean()
        grant.save()
        _entry(
            concern=concern,
            kind=EntryKind.BREAK_GLASS,
            acting_user=acting_user,
            text=f"Opened in an emergency by {acting_user.display_name}. Reason: {reason}",
        )
        audit_record(
            action="concern.break_glass",
            actor=acting_user,
            obj=concern,
            data={"concern": concern.pk, "grant": grant.pk},
        )
        alerts.alert_leads_after_commit(concern_id=concern.pk, reason=alerts.BREAK_GLASS)
    return grant
