"""Forms for the session pages, one module per area (scheduling, member, running)."""

from decimal import Decimal, InvalidOperation

from django import forms


def pounds_to_pence(text: str, *, what: str, example: str, maximum: Decimal, too_much: str) -> int | None:
    """Money as people type it ("4.50", "£12", "1,200") to whole pence; blank is None. Amounts are kept in
    pence everywhere else, so payments never meet rounding."""
    text = (text or "").strip().replace("£", "").replace(",", "").strip()
    if not text:
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise forms.ValidationError(f"Enter {what} in pounds and pence, like {example}.") from None
    if not value.is_finite():
        raise forms.ValidationError(f"Enter {what} in pounds and pence, like {example}.")
    if value < 0:
        raise forms.ValidationError(f"{what.capitalize()} cannot be less than £0. Enter an amount like {example}.")
    if value != value.quantize(Decimal("0.01")):
        raise forms.ValidationError(f"Enter pounds and pence, like {example}: no more than two numbers after the dot.")
    if value > maximum:
        raise forms.ValidationError(too_much)
    return int(value * 100)
