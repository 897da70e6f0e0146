"""Forms of the pages of the person a claim pays: how to be paid, travel costs, a receipt, an answer to a refused
line, and their usual way to be paid. Forms check what is typed; the rules are in payments/services/parent.py."""

import re
from decimal import Decimal

from django import forms

from core.money import format_pence, parse_pounds
from core.validators import refuse_control_characters

from ..models import Method, TravelBasis
from ..receipts import MAX_BYTES
from ..services.parent import MILES_TENTHS_MAX, MILES_TENTHS_MIN, REPLY_MAX

NONE_HINT = "You can still have your travel and childcare costs paid back."
MILES_RE = re.compile(r"^[0-9]{1,3}(\.[0-9])?$")


def method_choices(policy, *, current: str = "") -> list[tuple[str, str]]:
    """The ways the policy offers, in the order we show them, in plain words."""
    order = [Method.BANK, Method.VOUCHER, Method.CASH, Method.CHARITY, Method.NONE]
    choices = []
    for method in order:
        offered = policy is not None and policy.offers(method)
        if method == Method.CHARITY and not (policy is not None and policy.charity_name):
            offered = False
        if not offered and method != current:
            continue
        label = f"Give it to {policy.charity_name}" if method == Method.CHARITY and policy else method.label
        choices.append((method.value, label))
    return choices


@refuse_control_characters
class HowToBePaidForm(forms.Form):
    """ "How would you like to be paid?", take less (optional), and the benefits choice when it applies."""

    method = forms.ChoiceField(
        label="How would you like to be paid?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you would like to be paid.",
            "invalid_choice": "Choose one of the ways to be paid on the list.",
        },
    )
    take_less = forms.CharField(
        label="Take less (optional)",
        required=False,
        max_length=15,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"}),
    )
    benefits_acknowledged = forms.BooleanField(label="I understand. Go ahead and pay me this amount.", required=False)

    def __init__(self, *args, policy, due_pence: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.due_pence = due_pence
        self.fields["method"].choices = method_choices(policy)
        self.fields["take_less"].help_text = (
            f"You are due {format_pence(due_pence)} for your time. To take less, type the amount you would like, "
            "like 20.00. Leave it empty to take it all."
        )

    def clean_take_less(self):
        return parse_pounds(
            self.cleaned_data.get("take_less", ""),
            what="the amount",
            example="20.00",
            maximum=Decimal(self.due_pence) / 100,
            too_much=f"Enter an amount up to {format_pence(self.due_pence)}, what you are due for your time.",
        )


@refuse_control_characters
class TravelLineForm(forms.Form):
    basis = forms.ChoiceField(
        label="How do you want to claim your travel?",
        choices=TravelBasis.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a ticket or receipt, or miles driven."},
    )
    amount = forms.CharField(
        label="What did your ticket or journey cost?",
        required=False,
        max_length=15,
        help_text="In pounds and pence, like 4.50.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"}),
    )
    miles = forms.CharField(
        label="How many miles did you drive, there and back?",
        required=False,
        max_length=6,
        help_text="Like 12 or 12.5.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "form-control"}),
    )

    def __init__(self, *args, maximum_pence: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.maximum_pence = maximum_pence
        self.fields["amount"].help_text = f"In pounds and pence, like 4.50. Up to {format_pence(maximum_pence)}."

    def clean(self):
        data = super().clean()
        basis = data.get("basis")
        if basis == TravelBasis.RECEIPT:
            try:
                pence = parse_pounds(
                    data.get("amount", ""),
                    what="the cost",
                    example="4.50",
                    maximum=Decimal(self.maximum_pence) / 100,
                    too_much=f"Enter an amount up to {format_pence(self.maximum_pence)}. "
                    "If it cost more, tell a facilitator.",
                )
            except forms.ValidationError as error:
                self.add_error("amount", error)
                return data
            if pence is None:
                self.add_error("amount", "Enter what your ticket or journey cost, like 4.50.")
            data["amount_pence"] = pence
        elif basis == TravelBasis.MILEAGE:
            text = (data.get("miles") or "").strip()
            if not text:
                self.add_error("miles", "Enter how many miles you drove, like 12.5.")
            elif not MILES_RE.match(text):
                self.add_error("miles", "Enter the miles as a number with at most one number after the dot, like 12.5.")
            else:
                tenths = int(Decimal(text) * 10)
                if not MILES_TENTHS_MIN <= tenths <= MILES_TENTHS_MAX:
                    self.add_error("miles", "Enter the miles you drove, from 0.1 to 500.")
                data["miles_tenths"] = tenths
        return data

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "basis": data["basis"],
            "amount_pence": data.get("amount_pence"),
            "miles_tenths": data.get("miles_tenths"),
        }


class ReceiptForm(forms.Form):
    file = forms.FileField(
        label="Photo or PDF of your ticket or receipt",
        help_text="Up to 5 MB.",
        allow_empty_file=False,
        widget=forms.FileInput(attrs={"accept": "image/*,application/pdf", "class": "form-control"}),
        error_messages={
            "required": "Choose a photo or PDF of your ticket or receipt.",
            "empty": "The file is empty. Choose a photo or PDF of your ticket or receipt.",
            "invalid": "Choose a photo or PDF of your ticket or receipt.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                "The file is bigger than 5 MB. Take a smaller photo, or choose a smaller file.", code="too_big"
            )
        return upload


@refuse_control_characters
class LineReplyForm(forms.Form):
    text = forms.CharField(
        label="Your answer",
        max_length=REPLY_MAX,
        help_text="Tell the finance officer what happened. Up to 1,000 characters.",
        widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"}),
        error_messages={"required": "Write your answer."},
    )


BENEFITS_CHOICES = [
    ("yes", "Yes"),
    ("no", "No"),
    ("prefer_not", "I'd prefer not to say"),
]


class PreferenceForm(forms.Form):
    method = forms.ChoiceField(
        label="How would you usually like to be paid?",
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you would usually like to be paid.",
            "invalid_choice": "Choose one of the ways to be paid on the list.",
        },
    )
    receives_benefits = forms.ChoiceField(
        label="Do you receive benefits?",
        choices=BENEFITS_CHOICES,
        widget=forms.RadioSelect,
        help_text="We ask only so we can warn you gently before a payment might affect your benefits. "
        "We do not tell anyone.",
        error_messages={"required": "Choose yes, no, or that you would prefer not to say."},
    )

    def __init__(self, *args, policy, current_method: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["method"].choices = method_choices(policy, current=current_method)
