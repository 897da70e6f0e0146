"""Money is kept in whole pence everywhere, so nothing meets rounding; people see and type pounds."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

# No amount in coprod is above this (a year of payments to one person is far below it); it also keeps a typed
# "1e26" from reaching the database.
ABSOLUTE_MAXIMUM = Decimal("1000000")


def format_pence(pence) -> str:
    """1250 -> "£12.50"; whole pounds without pence: 1200 -> "£12"; None or "" -> ""."""
    if pence is None or pence == "":
        return ""
    pence = int(pence)
    sign = "-" if pence < 0 else ""
    whole, rest = divmod(abs(pence), 100)
    return f"{sign}£{whole:,}" if rest == 0 else f"{sign}£{whole:,}.{rest:02d}"


def pence_to_text(pence: int | None) -> str:
    """1250 -> "12.50", for a form field people can read and change."""
    if pence is None:
        return ""
    return f"{Decimal(pence) / 100:.2f}"


def parse_pounds(text: str, *, what: str, example: str, maximum: Decimal, too_much: str) -> int | None:
    """Money as people type it ("4.50", "£12", "1,200") to whole pence; blank is None. Refuses words, exponent
    forms ("1e26"), negative amounts, fractions of a penny and amounts above `maximum`, each with a plain
    message."""
    text = (text or "").strip().replace("£", "").replace(",", "").strip()
    if not text:
        return None
    bad_form = f"Enter {what} in pounds and pence, like {example}."
    if any(c not in "0123456789.-" for c in text) or len(text) > 15:
        raise ValidationError(bad_form, code="money_format")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValidationError(bad_form, code="money_format") from None
    if not value.is_finite():
        raise ValidationError(bad_form, code="money_format")
    if value < 0:
        raise ValidationError(
            f"{what.capitalize()} cannot be less than £0. Enter an amount like {example}.", code="money_negative"
        )
    if value != value.quantize(Decimal("0.01")):
        raise ValidationError(
            f"Enter pounds and pence, like {example}: no more than two numbers after the dot.", code="money_pennies"
        )
    if value > min(maximum, ABSOLUTE_MAXIMUM):
        raise ValidationError(too_much, code="money_too_much")
    return int(value * 100)
