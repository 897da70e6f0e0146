"""Confirming a phone number before any text message is sent to it.

A person proves a number is theirs with a 6-digit code sent to it by text (`phone_code_send`), typed into their
profile's phone page (`phone_code_check`). Until then `notifications.services.channels_for` sends them email only;
changing the number un-confirms it (groups.services.user_update_profile).

The code is never stored: the person's row keeps a random salt and a keyed hash (the site's secret key) of the code,
so the database alone does not give it away. The text is a sensitive kind (its body is not logged), rendered as it
goes out with the code worked out again from the salt in the message's key, the person's current number and the
secret key; a code replaced by a newer one, or for a number since changed, is not sent. A code works for
CODE_LIFETIME and for MAX_TRIES wrong guesses; a new one can be asked for after RESEND_AFTER.
"""

import secrets
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from core.audit import audit_record
from notifications import registry
from notifications.models import Channel
from notifications.registry import MessageKind
from notifications.services import message_send

from .models import User

PHONE_CODE_MESSAGE = "groups.phone_code"
CODE_LIFETIME = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = timedelta(minutes=1)
_KEY_PREFIX = "phone-code:"

ERRORS = {
    "no_phone": "Add your mobile phone number to your details first.",
    "phone_already_confirmed": "Your phone number is already confirmed.",
    "code_sent_recently": "We sent you a code less than a minute ago. Wait a minute before asking for another.",
    "no_code": "Ask for a code first.",
    "code_expired": "This code has expired. Ask for a new one.",
    "too_many_tries": "That was the wrong code too many times. Ask for a new one.",
    "wrong_code": "That is not the code we sent. Check the text message and try again.",
}


def _code(*, user: User, salt: str) -> str:
    digest = salted_hmac("coprod.phone-code", f"{user.pk}:{user.phone}:{salt}", algorithm="sha256").digest()
    return f"{int.from_bytes(digest[:8], 'big') % 1_000_000:06d}"


def _hash(*, user: User, salt: str, code: str) -> str:
    return salted_hmac(
        "coprod.phone-code-check", f"{user.pk}:{user.phone}:{salt}:{code}", algorithm="sha256"
    ).hexdigest()


def _salt_of(user: User) -> str:
    return user.phone_code_hash.split("$", 1)[0] if user.phone_code_hash else ""


def _refuse(code: str):
    raise ValidationError(ERRORS[code], code=code)


@transaction.atomic
def phone_code_send(*, user: User, now: datetime | None = None) -> None:
    """Sends a new code by text to the person's number (replacing any earlier code), unless the number is
    already confirmed, there is none, or a code went less than RESEND_AFTER ago."""
    now = now or timezone.now()
    user = User.objects.select_for_update().get(pk=user.pk)
    if not user.phone:
        _refuse("no_phone")
    if user.phone_confirmed_at is not None:
        _refuse("phone_already_confirmed")
    if user.phone_code_sent_at is not None and now - user.phone_code_sent_at < RESEND_AFTER:
        _refuse("code_sent_recently")
    salt = secrets.token_hex(16)
    user.phone_code_hash = f"{salt}${_hash(user=user, salt=salt, code=_code(user=user, salt=salt))}"
    user.phone_code_sent_at = now
    user.phone_code_tries = 0
    user.save(update_fields=["phone_code_hash", "phone_code_sent_at", "phone_code_tries"])
    message_send(kind=PHONE_CODE_MESSAGE, key=_KEY_PREFIX + salt, person=user, channels=[Channel.TEXT], now=now)
    audit_record(action="phone.code_sent", actor=user, obj=user)


def phone_code_check(*, user: User, code: str, now: datetime | None = None) -> User:
    """Confirms the person's number when `code` is the one last sent to it, within CODE_LIFETIME and before
    MAX_TRIES wrong guesses. A wrong guess is counted even though the call then raises."""
    now = now or timezone.now()
    code = "".join((code or "").split())
    problem = ""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.phone_confirmed_at is not None:
            return user
        if not user.phone or not user.phone_code_hash or user.phone_code_sent_at is None:
            problem = "no_code"
        elif now - user.phone_code_sent_at > CODE_LIFETIME:
            problem = "code_expired"
        elif user.phone_code_tries >= MAX_TRIES:
            problem = "too_many_tries"
        else:
            salt, expected = user.phone_code_hash.split("$", 1)
            if constant_time_compare(_hash(user=user, salt=salt, code=code), expected):
                user.phone_confirmed_at = now
                user.phone_code_hash = ""
                user.phone_code_sent_at = None
                user.phone_code_tries = 0
                user.save(
                    update_fields=["phone_confirmed_at", "phone_code_hash", "phone_code_sent_at", "phone_code_tries"]
                )
                audit_record(action="phone.confirmed", actor=user, obj=user)
                return user
            user.phone_code_tries += 1
            user.save(update_fields=["phone_code_tries"])
            problem = "too_many_tries" if user.phone_code_tries >= MAX_TRIES else "wrong_code"
    _refuse(problem)


def phone_unconfirm(user: User) -> None:
    """Forgets the confirmation and any code waiting (the number changed). Sets the fields; the caller saves."""
    user.phone_confirmed_at = None
    user.phone_code_hash = ""
    user.phone_code_sent_at = None
    user.phone_code_tries = 0


def phone_code_for_delivery(*, person, key: str) -> dict:
    """The code to put in the text as it goes out, worked out again (see the module's docstring). Refuses to
    send a code that a newer one replaced, one whose number has changed or been confirmed, or one that has expired:
    the delivery fails, with this reason recorded."""
    salt = key.removeprefix(_KEY_PREFIX)
    if person is None or not person.phone_code_hash or _salt_of(person) != salt:
        raise ValueError("This phone code was replaced or withdrawn before it could be sent; not sent.")
    if person.phone_code_sent_at is None or timezone.now() - person.phone_code_sent_at > CODE_LIFETIME:
        raise ValueError("This phone code expired before it could be sent; not sent.")
    code = _code(user=person, salt=salt)
    if not constant_time_compare(_hash(user=person, salt=salt, code=code), person.phone_code_hash.split("$", 1)[1]):
        raise ValueError("The phone number changed after this code was made; not sent.")
    return {"code": code}


def register_with_notifications() -> None:
    """Called from GroupsConfig.ready()."""
    registry.register_kind(
        MessageKind(
            name=PHONE_CODE_MESSAGE,
            label="Code to confirm a phone number",
            email_template="groups/email/phone_code.txt",
            text_template="groups/email/phone_code_text.txt",
            sensitive=True,
            delivery_context=phone_code_for_delivery,
        )
    )
