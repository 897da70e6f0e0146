"""The payment policy form: amounts typed in pounds (shown from pence), each field with a hint in plain words.
The rules across fields (half day within full day, a charity named...) are the service's (`policy_check`); the
form only shapes what was typed."""

from decimal import Decimal

from django import forms

from core.money import parse_pounds, pence_to_text
from core.validators import refuse_control_characters
from sessions_app.forms.scheduling import CheckboxSelectMultiple, RadioSelect

from ..models import Method, PaymentPolicy, TimeBasis
from ..services.policy import GRACE_MAX_MINUTES, HALF_DAY_HOURS_MAX, MILEAGE_MAX_PENCE, TARGET_DAYS_MAX

MONEY_FIELDS = {
    # field: (what it is called in messages, an example, the most it can be)
    "hourly_rate_pence": ("the hourly rate", "25.00", Decimal("500")),
    "half_day_pence": ("the half-day amount", "75.00", Decimal("5000")),
    "full_day_pence": ("the full-day amount", "150.00", Decimal("5000")),
    "benefits_weekly_pence": ("the weekly amount", "195.00", Decimal("100000")),
    "benefits_yearly_pence": ("the yearly amount", "1000.00", Decimal("1000000")),
}


def _money(name: str, label: str, help_text: str) -> forms.CharField:
    what, example, _ = MONEY_FIELDS[name]
    return forms.CharField(
        label=label,
        max_length=20,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off", "class": "w-auto"}),
        error_messages={"required": f"Enter {what} in pounds, like {example}, or 0."},
    )


@refuse_control_characters
class PolicyForm(forms.Form):
    hourly_rate_pence = _money(
        "hourly_rate_pence",
        "Hourly rate, in pounds",
        "What a parent is paid for each hour of their time. Time is paid by the quarter hour, rounded up. "
        "Enter 0 if you do not pay for people's time.",
    )
    half_day_hours = forms.IntegerField(
        label="A half day is up to this many hours",
        min_value=1,
        max_value=HALF_DAY_HOURS_MAX,
        help_text="Sessions of this many hours or less are paid at most the half-day amount. Usually 4.",
        error_messages={"required": "Enter a number of hours, like 4."},
    )
    half_day_pence = _money(
        "half_day_pence",
        "Most paid for a half day, in pounds",
        "No one is paid more than this for a half day, whatever the hourly rate adds up to.",
    )
    full_day_pence = _money(
        "full_day_pence",
        "Most paid for a full day, in pounds",
        "No one is paid more than this for a longer session. It must be at least the half-day amount.",
    )
    time_basis = forms.ChoiceField(
        label="What time counts",
        choices=TimeBasis.choices,
        widget=RadioSelect,
        help_text="Paying the scheduled time is simplest. Paying the time people were there is fairer when people "
        "come and go.",
        error_messages={"required": "Choose what time counts."},
    )
    late_grace_minutes = forms.IntegerField(
        label="Minutes late or early that still count as the whole session",
        min_value=0,
        max_value=GRACE_MAX_MINUTES,
        help_text="Someone who arrives this many minutes late, or leaves this many minutes early, is paid as if "
        "they were there the whole time. Buses are late and children need collecting. Usually 15.",
        error_messages={"required": "Enter a number of minutes, or 0."},
    )
    pays_preparation = forms.BooleanField(
        label="Pay for preparation time when a session asks people to prepare",
        required=False,
        help_text="The facilitator says how many minutes of reading or preparation a session asks for.",
    )
    methods = forms.MultipleChoiceField(
        label="Ways people can choose to be paid",
        choices=Method.choices,
        widget=CheckboxSelectMultiple,
        help_text="Tick every way you offer. The first ticked is used until a person chooses.",
        error_messages={"required": "Choose at least one way to pay people."},
    )
    charity_name = forms.CharField(
        label="Charity people can give their payment to (optional)",
        required=False,
        max_length=150,
        help_text="Needed if you offer giving the payment to a charity.",
    )
    mileage_pence_per_mile = forms.IntegerField(
        label="Mileage rate, in pence a mile",
        min_value=0,
        max_value=MILEAGE_MAX_PENCE,
        help_text="For people who drive to a session. The tax office's (HM Revenue and Customs) approved rate is 45p "
        "a mile.",
        error_messages={
            "required": "Enter the pence paid for each mile, like 45.",
            "max_value": f"The mileage rate can be up to {MILEAGE_MAX_PENCE}p a mile.",
        },
    )
    target_working_days = forms.IntegerField(
        label="Pay people within this many working days of the session",
        min_value=1,
        max_value=TARGET_DAYS_MAX,
        help_text="Working days leave out weekends and bank holidays. Public involvement programmes often take 2 to "
        "6 weeks; we aim for 2 working days.",
        error_messages={
            "required": "Enter a number of working days, like 2.",
            "min_value": f"Enter a number of working days between 1 and {TARGET_DAYS_MAX}.",
            "max_value": f"Enter a number of working days between 1 and {TARGET_DAYS_MAX}.",
        },
    )
    benefits_weekly_pence = _money(
        "benefits_weekly_pence",
        "Benefits warning: weekly amount, in pounds",
        "Payments can affect some benefits. If a person told us they receive benefits and their payments in a week "
        "would pass this amount, we warn them gently and let them choose. It is a warning only: we never stop or "
        "reduce a payment.",
    )
    benefits_yearly_pence = _money(
        "benefits_yearly_pence",
        "Benefits warning: yearly amount, in pounds",
        "The same gentle warning for the tax year (6 April to 5 April).",
    )

    def __init__(self, *args, policy: PaymentPolicy | None = None, **kwargs):
        if policy is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_for(policy)
        super().__init__(*args, **kwargs)

    @staticmethod
    def initial_for(policy: PaymentPolicy) -> dict:
        initial = {name: getattr(policy, name) for name in PolicyForm.base_fields}
        for name in MONEY_FIELDS:
            initial[name] = pence_to_text(getattr(policy, name))
        return initial

    def _clean_money(self, name: str) -> int:
        what, example, maximum = MONEY_FIELDS[name]
        pence = parse_pounds(
            self.cleaned_data.get(name, ""),
            what=what,
            example=example,
            maximum=maximum,
            too_much=f"Enter {what} of £{maximum:,} or less.",
        )
        return 0 if pence is None else pence

    def clean_hourly_rate_pence(self):
        return self._clean_money("hourly_rate_pence")

    def clean_half_day_pence(self):
        return self._clean_money("half_day_pence")

    def clean_full_day_pence(self):
        return self._clean_money("full_day_pence")

    def clean_benefits_weekly_pence(self):
        return self._clean_money("benefits_weekly_pence")

    def clean_benefits_yearly_pence(self):
        return self._clean_money("benefits_yearly_pence")

    def policy_fields(self) -> dict:
        """What policy_update takes, from the cleaned form."""
        data = self.cleaned_data
        return {name: data[name] for name in self.fields}
