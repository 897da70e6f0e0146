"""Input checks for payment runs: the payment reference when a run is marked paid, and the reason a payment is
reversed. The services keep the rules (and check the same again)."""

from django import forms

from core.validators import refuse_control_characters

from ..services.runs import REASON_MAX, REFERENCE_MAX


@refuse_control_characters
class RunPaidForm(forms.Form):
    reference = forms.CharField(
        label="Payment reference",
        max_length=REFERENCE_MAX,
        help_text="The reference your bank or voucher supplier gave this batch of payments, so it can be found "
        "on your statement.",
        error_messages={"required": "Enter the payment reference from your bank or supplier."},
    )
    # Set by the confirm page: the officer has seen how many payments and how much money this marks as paid.
    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)


@refuse_control_characters
class PaymentReverseForm(forms.Form):
    reason = forms.CharField(
        label="Why are you reversing this payment?",
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="For example: the money went to the wrong account, or the bank sent it back. "
        "This is kept with the payment.",
        error_messages={"required": "Say why this payment is being reversed."},
    )
    FIELD_NOUNS = {"reason": "the reason"}
