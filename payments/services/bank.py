"""A person's bank details: set only by the person themselves, checked, encrypted at rest (the model's fields),
and never written to the audit trail or to any message. A change (not the first time) is told to the person at
once on every channel they have, so someone who took over their account cannot quietly send their money
elsewhere."""

import re

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from notifications.models import Channel
from notifications.services import message_send

from ..messaging import BANK_DETAILS_CHANGED
from ..models import BankDetails

NAME_MAX = 140
_SEPARATORS = re.compile(r"[\s\-–]+")


def sort_code_normalise(text: str) -> str:
    """ "12-34-56", "12 34 56" or "123456" -> "123456"; anything else is refused (code "sort_code_format")."""
    digits = _SEPARATORS.sub("", text or "")
    if not re.fullmatch(r"[0-9]{6}", digits):
        raise ValidationError(
            {"sort_code": ValidationError("Enter a sort code of 6 numbers, like 12-34-56.", code="sort_code_format")}
        )
    return digits


def account_number_normalise(text: str) -> str:
    """8 numbers; a 7-number account (some older accounts) gets a 0 in front, as banks do. Anything else is
    refused (code "account_number_format")."""
    digits = _SEPARATORS.sub("", text or "")
    if re.fullmatch(r"[0-9]{7}", digits):
        digits = "0" + digits
    if not re.fullmatch(r"[0-9]{8}", digits):
        raise ValidationError(
            {
                "account_number": ValidationError(
                    "Enter an account number of 8 numbers, like 12345678.", code="account_number_format"
                )
            }
        )
    return digits


def account_name_normalise(text: str) -> str:
    name = " ".join((text or "").split())
    if not name:
        raise ValidationError(
            {
                "account_name": ValidationError(
                    "Enter the name on the account, as the bank has it.", code="account_name_missing"
                )
            }
        )
    if len(name) > NAME_MAX:
        raise ValidationError(
            {
                "account_name": ValidationError(
                    f"The name on the account must be {NAME_MAX} characters or fewer.", code="account_name_too_long"
                )
            }
        )
    return name


def alert_channels(person) -> list[str]:
    """Every channel the person has: email always, and a text when their phone is confirmed (whatever they
    chose for everyday messages: this one matters more than their preference)."""
    channels = [Channel.EMAIL]
    if person.phone and getattr(person, "phone_confirmed_at", None) is not None:
        channels.append(Channel.TEXT)
    return channels


def bank_details_set(*, person, acting_user, account_name: str, sort_code: str, account_number: str) -> BankDetails:
    """Saves the person's bank details (only the person themselves may: code "not_yours"). Sort code: 6 numbers
    (spaces and dashes allowed); account number: 8 numbers (7 gets a leading 0); name: up to 140 characters.
    The audit trail records that they changed, never the numbers. When details already existed and are changed,
    the person is told at once by email, and by text to a confirmed phone; saving the same details again
    changes nothing and sends nothing."""
    if acting_user is None or person is None or acting_user.pk != person.pk:
        raise ValidationError("You can only change your own bank details.", code="not_yours")
    errors: dict = {}
    values = {}
    for field, normalise, raw in (
        ("account_name", account_name_normalise, account_name),
        ("sort_code", sort_code_normalise, sort_code),
        ("account_number", account_number_normalise, account_number),
    ):
        try:
            values[field] = normalise(raw)
        except ValidationError as error:
            errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)

    User = get_user_model()
    with transaction.atomic():
        # The person's row is the lock: two saves at once (two tabs) queue, and the first-time create cannot race.
        User.objects.select_for_update().get(pk=person.pk)
        details = BankDetails.objects.filter(person_id=person.pk).first()
        first_time = details is None
        if not first_time and all(getattr(details, f) == v for f, v in values.items()):
            return details
        details = details or BankDetails(person_id=person.pk)
        for field, value in values.items():
            setattr(details, field, value)
        details.account_number_last2 = values["account_number"][-2:]
        now = timezone.now()
        details.updated_at = now
        details.full_clean()
        details.save()
        audit_record(
            action="bank_details.changed",
            actor=acting_user,
            obj=details,
            data={"person": person.pk, "first_time": first_time},
        )
        if not first_time:
            # No organisation: quiet hours do not hold this text back; a warning that may stop a theft goes now.
            message_send(
                kind=BANK_DETAILS_CHANGED,
                key=f"bank-changed:{person.pk}:{now.strftime('%Y%m%d%H%M%S%f')}",
                person=person,
                context={},
                subject="Your bank details for coprod payments were changed",
                link=reverse("payments:bank_details"),
                channels=alert_channels(person),
                now=now,
            )
    return details
