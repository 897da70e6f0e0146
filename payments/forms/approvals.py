"""The finance officer's forms on a claim: the reason for refusing a line, and a line's new amount."""

from decimal import Decimal

from django import forms

from core.money import parse_pounds
from core.validators import refuse_control_characters

from ..services.approvals import REASON_MAX

# No line of one claim is anywhere near this; it keeps a mistyped amount from going through.
MAX_LINE_POUNDS = Decimal("5000")


@refuse_control_characters
class LineRejectForm(forms.Form):
    FIELD_NOUNS = {"reason": "the reason"}

    reason = forms.CharField(
        label="Why is this not accepted?",
        help_text="The parent will see this reason and can answer it. Say what they could send or explain.",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the reason the parent will see."},
    )


@refuse_control_characters
class LineAmountForm(forms.Form):
    FIELD_NOUNS = {"amount": "the amount", "reason": "the reason"}

    amount = forms.CharField(
        label="New amount, in pounds",
        help_text="For example 12.50",
        max_length=12,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        error_messages={"required": "Enter the new amount in pounds, like 12.50."},
    )
    reason = forms.CharField(
        label="Why are you changing it?",
        help_text="Needed once the claim is approved. It is kept with the old and new amounts.",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, reason_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = reason_required
        self.fields["reason"].error_messages["required"] = "Enter why you are changing the amount."
        if reason_required:
            self.fields[
                "reason"
            ].help_text = "This claim is approved, so a reason is needed. It is kept with the old and new amounts."

    def clean_amount(self):
        pence = parse_pounds(
            self.cleaned_data.get("amount", ""),
            what="the amount",
            example="12.50",
            maximum=MAX_LINE_POUNDS,
            too_much=f"Enter an amount up to £{MAX_LINE_POUNDS:,.0f}.",
        )
        if pence is None:
            raise forms.ValidationError("Enter the new amount in pounds, like 12.50.", code="required")
        return pence
