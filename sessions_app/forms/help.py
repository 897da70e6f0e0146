"""Forms of the "help to come" journey: which kinds of help, then one short question page per kind.

Each question form checks only what its page asks; `service_arguments()` gives what support_requests_create
takes for that kind, and `summary()` the lines of the check-your-answers page."""

import re

from django import forms

from core.money import format_pence
from core.money import parse_pounds as pounds_to_pence
from core.validators import refuse_control_characters

from ..models import SupportKind, TravelMode
from .member import MAX_TRAVEL_POUNDS

# The tick boxes of "Do you need any help to come?", in the order the question pages follow.
HELP_CHOICES = [
    (SupportKind.CHILDCARE, "Childcare"),
    (SupportKind.TRAVEL, "Travel: help with the cost of getting here"),
    (SupportKind.INTERPRETER, "An interpreter"),
    (SupportKind.ACCESS, "Access needs: help to get in, move around or take part"),
    (SupportKind.ONE_TO_ONE, "A one-to-one meeting instead of the group"),
]
HELP_ORDER = [kind for kind, _ in HELP_CHOICES]
KIND_SLUGS = {SupportKind.CHILDCARE: "childcare", SupportKind.TRAVEL: "travel",
              SupportKind.INTERPRETER: "interpreter", SupportKind.ACCESS: "access",
              SupportKind.ONE_TO_ONE: "one-to-one"}  # fmt: skip
SLUG_KINDS = {slug: kind for kind, slug in KIND_SLUGS.items()}

AGES_RE = re.compile(r"^[0-9]{1,2}(\s*(,|and|&)?\s*[0-9]{1,2})*$")


class QuestionForm(forms.Form):
    """A question page's form: text boxes styled as the site's inputs (the first one is the page's heading)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, (forms.TextInput, forms.Textarea)):
                field.widget.attrs.setdefault("class", "form-control")


@refuse_control_characters
class HelpKindsForm(forms.Form):
    """The tick boxes under "Do you need any help to come?" (no tick: no help needed)."""

    help = forms.MultipleChoiceField(
        label="Do you need any help to come?",
        choices=HELP_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="Tick any that apply. We will ask a question or two about each.",
        error_messages={"invalid_choice": "Choose the help you need from the list."},
    )

    def kinds(self) -> list[str]:
        chosen = set(self.cleaned_data.get("help") or [])
        return [kind for kind in HELP_ORDER if kind in chosen]


@refuse_control_characters
class ChildcareForm(QuestionForm):
    children_count = forms.IntegerField(
        label="How many children need looking after?",
        min_value=1,
        max_value=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "pattern": "[0-9]*", "autocomplete": "off"}),
        error_messages={
            "required": "Enter how many children need looking after, like 2.",
            "invalid": "Enter the number of children as a number, like 2.",
            "min_value": "Enter at least 1 child.",
            "max_value": "Enter a number up to 12. If you have more children, tell a facilitator.",
        },
    )
    children_ages = forms.CharField(
        label="Their ages (optional)",
        required=False,
        max_length=100,
        help_text="Numbers only, for example: 2 and 5.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def clean_children_ages(self):
        ages = self.cleaned_data.get("children_ages", "").strip()
        if ages and not AGES_RE.match(ages):
            raise forms.ValidationError("Enter their ages as numbers, for example: 2 and 5.", code="ages_format")
        return ages

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"kind": SupportKind.CHILDCARE, "children_count": data["children_count"],
                "children_ages": data["children_ages"]}  # fmt: skip

    @staticmethod
    def summary(args: dict) -> list[tuple[str, str]]:
        count = args["children_count"]
        rows = [("How many children", f"{count} {'child' if count == 1 else 'children'}")]
        if args.get("children_ages"):
            rows.append(("Their ages", args["children_ages"]))
        return rows


@refuse_control_characters
class TravelForm(QuestionForm):
    """How they travel is one tap: each way of travelling is a button that answers and continues."""

    FIELD_FOR = {"expected_cost_pence": "expected_cost"}

    expected_cost = forms.CharField(
        label="Roughly how much will it cost, in pounds? (optional)",
        required=False,
        max_length=12,
        help_text="There and back, for example 3.50. Leave it blank if you don't know.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    travel_mode = forms.ChoiceField(
        label="How will you travel?",
        choices=TravelMode.choices,
        error_messages={"required": "Choose how you will travel.", "invalid_choice": "Choose how you will travel."},
    )

    def clean_expected_cost(self):
        return pounds_to_pence(
            self.cleaned_data.get("expected_cost", ""),
            what="the cost",
            example="3.50",
            maximum=MAX_TRAVEL_POUNDS,
            too_much=f"Enter an amount up to £{MAX_TRAVEL_POUNDS:.0f}. "
            "For a bigger cost, please speak to a facilitator.",
        )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"kind": SupportKind.TRAVEL, "travel_mode": data["travel_mode"],
                "expected_cost_pence": data.get("expected_cost")}  # fmt: skip

    @staticmethod
    def summary(args: dict) -> list[tuple[str, str]]:
        rows = [("How you will travel", TravelMode(args["travel_mode"]).label)]
        pence = args.get("expected_cost_pence")
        rows.append(("Roughly how much", format_pence(pence) if pence is not None else "You don't know yet"))
        return rows


@refuse_control_characters
class InterpreterForm(QuestionForm):
    language = forms.CharField(
        label="Which language do you need an interpreter for?",
        max_length=60,
        help_text="Include British Sign Language (BSL) if that is what you need.",
        error_messages={"required": "Tell us which language you need an interpreter for."},
    )

    def service_arguments(self) -> dict:
        return {"kind": SupportKind.INTERPRETER, "language": self.cleaned_data["language"].strip()}

    @staticmethod
    def summary(args: dict) -> list[tuple[str, str]]:
        return [("Language", args["language"])]


@refuse_control_characters
class AccessForm(QuestionForm):
    FIELD_FOR = {"details": "access_details"}

    access_details = forms.CharField(
        label="What do you need so you can get in, move around and take part?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a ground-floor room, a hearing loop, large print, a seat near the door.",
        error_messages={"required": "Tell us what you need, so we can get it ready."},
    )

    def service_arguments(self) -> dict:
        return {"kind": SupportKind.ACCESS, "details": self.cleaned_data["access_details"].strip()}

    @staticmethod
    def summary(args: dict) -> list[tuple[str, str]]:
        return [("What you need", args["details"])]


@refuse_control_characters
class OneToOneForm(QuestionForm):
    FIELD_FOR = {"details": "one_to_one_details"}

    one_to_one_details = forms.CharField(
        label="What would work better for you? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a phone call, a video call, or meeting a facilitator at a time that suits you.",
    )

    def service_arguments(self) -> dict:
        return {"kind": SupportKind.ONE_TO_ONE, "details": self.cleaned_data.get("one_to_one_details", "").strip()}

    @staticmethod
    def summary(args: dict) -> list[tuple[str, str]]:
        return [("What would work better", args["details"] or "Nothing added")]


FORM_FOR_KIND = {
    SupportKind.CHILDCARE: ChildcareForm,
    SupportKind.TRAVEL: TravelForm,
    SupportKind.INTERPRETER: InterpreterForm,
    SupportKind.ACCESS: AccessForm,
    SupportKind.ONE_TO_ONE: OneToOneForm,
}
