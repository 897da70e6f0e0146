"""An organisation's settings for sessions: when reminders go out, and its quiet hours for text messages."""

from django.core.exceptions import ValidationError
from django.db import transaction

from core.audit import audit_record
from groups.models import Organisation, User

from ..models import ReminderSettings

REMINDER_FIELDS = frozenset(
    {"chaser_days_before", "first_reminder_days_before", "last_reminder_hours_before", "quiet_from", "quiet_until"}
)


@transaction.atomic
def reminder_settings_update(*, organisation: Organisation, acting_user: User, **fields) -> ReminderSettings:
    """Sets when the organisation's reminders go out and its quiet hours (only these fields). The chaser to
    people who have not answered comes before the first reminder, and the first reminder (days before) before
    the last (hours before); quiet hours need a start and an end that differ. One row per organisation (made on
    the first change; until then the defaults apply). The trail records which fields changed."""
    unknown = set(fields) - REMINDER_FIELDS
    if unknown:
        raise TypeError(f"reminder_settings_update cannot change {', '.join(sorted(unknown))}")
    settings, created = ReminderSettings.objects.select_for_update().get_or_create(organisation=organisation)
    if created:
        settings.refresh_from_db()  # the defaults as the database holds them (times, not the strings above)
    changed = []
    for name, value in fields.items():
        if getattr(settings, name) != value:
            changed.append(name)
            setattr(settings, name, value)
    errors = {}
    if settings.chaser_days_before <= settings.first_reminder_days_before:
        errors["chaser_days_before"] = ValidationError(
            "Ask people who have not answered before the first reminder: choose more days than for the first reminder.",
            code="chaser_after_reminder",
        )
    if settings.first_reminder_days_before * 24 <= settings.last_reminder_hours_before:
        errors["last_reminder_hours_before"] = ValidationError(
            "The last reminder must come after the first: choose fewer hours than the first reminder's days.",
            code="last_before_first",
        )
    if settings.quiet_from == settings.quiet_until:
        errors["quiet_until"] = ValidationError(
            "Quiet hours need an end time that is different from the start time.", code="quiet_hours_empty"
        )
    if errors:
        raise ValidationError(errors)
    settings.full_clean()
    settings.save()
    if changed:
        audit_record(
            action="reminder_settings.updated",
            actor=acting_user,
            obj=settings,
            organisation_id=organisation.pk,
            data={"fields": sorted(changed)},
        )
    return settings
