"""Forms on the member's pages: asking for support, and checking in and out on your own phone.

Forms check what was typed; the services keep the rules (who may ask, when check-in is open)."""

from decimal import Decimal

from django import forms

from core.money import parse_pounds as pounds_to_pence
from core.validators import refuse_control_characters

from ..models import CheckIn, SupportKind, TravelMode

# The most we accept as an expected travel cost for one session; more is almost certainly a typing slip, and a
# facilitator can sort out a genuinely large cost in person.
MAX_TRAVEL_POUNDS = Decimal("200")

KIND_CHOICES = [
    (SupportKind.CHILDCARE, "Childcare, so I can come"),
    (SupportKind.TRAVEL, "Travel: help with the cost, or booking a ticket or taxi"),
    (SupportKind.INTERPRETER, "An interpreter"),
    (SupportKind.ACCESS, "Access needs: help to get in, move around or take part"),
    (SupportKind.ONE_TO_ONE, "A one-to-one meeting instead of the group"),
]

# The fields that belong to each kind of help, in the order they are shown.
FIELDS_FOR_KIND = {
    SupportKind.CHILDCARE: ["children_count", "children_ages", "creche_place"],
    SupportKind.TRAVEL: ["travel_mode", "expected_cost", "booking_wanted"],
    SupportKind.INTERPRETER: ["language"],
    SupportKind.ACCESS: ["access_details"],
    SupportKind.ONE_TO_ONE: ["one_to_one_details"],
}


@refuse_control_characters
class SupportRequestForm(forms.Form):
    """Every kind's fields are on the page (no script needed); only the chosen kind's fields are checked, and
    anything typed in another kind's part stops the form with a message rather than being dropped."""

    # Which form field shows a service error about a model field (core.forms.add_service_errors).
    FIELD_FOR = {"expected_cost_pence": "expected_cost", "details": "access_details"}

    kind = forms.ChoiceField(
        label="What help do you need?",
        choices=KIND_CHOICES,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the help you need.", "invalid_choice": "Choose the help you need."},
    )
    # Childcare
    children_count = forms.IntegerField(
        label="How many children?",
        required=False,
        min_value=1,
        max_value=12,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
        error_messages={
            "invalid": "Enter the number of children as a number, like 2.",
            "min_value": "Enter at least 1 child, or ask for a crèche place.",
            "max_value": "Enter a number up to 12. If you have more children, tell a facilitator.",
        },
    )
    children_ages = forms.CharField(
        label="Their ages (optional)",
        required=False,
        max_length=100,
        help_text="For example: 2 and 5.",
    )
    creche_place = forms.BooleanField(
        label="I'd like a crèche place at the venue",
        required=False,
        help_text="If the venue has a crèche, your children can stay there during the session.",
    )
    # Travel
    travel_mode = forms.ChoiceField(
        label="How will you travel?",
        choices=TravelMode.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    expected_cost = forms.CharField(
        label="Expected cost in pounds (optional)",
        required=False,
        max_length=12,
        help_text="The return journey, for example 4.50. Leave blank if you don't know.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    booking_wanted = forms.BooleanField(
        label="Please book a ticket or taxi for me",
        required=False,
        help_text="So you don't have to pay first and claim it back.",
    )
    # Interpreter
    language = forms.CharField(
        label="Which language?",
        required=False,
        max_length=60,
        help_text="Include British Sign Language (BSL) if that is what you need.",
    )
    # Access needs
    access_details = forms.CharField(
        label="What do you need?",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a ground-floor room, a hearing loop, large print, a seat near the door.",
    )
    # One-to-one
    one_to_one_details = forms.CharField(
        label="What would work better for you? (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: a phone call, a video call, or meeting a facilitator at a time that suits you.",
    )

    def fieldsets(self):
        """(kind value, legend, bound fields) for the template, one fieldset per kind of help."""
        legends = dict(KIND_CHOICES)
        return [(kind, legends[kind], [self[name] for name in names]) for kind, names in FIELDS_FOR_KIND.items()]

    def clean_expected_cost(self):
        return pounds_to_pence(
            self.cleaned_data.get("expected_cost", ""),
            what="the cost",
            example="4.50",
            maximum=MAX_TRAVEL_POUNDS,
            too_much=f"Enter an amount up to £{MAX_TRAVEL_POUNDS:.0f}. "
            "For a bigger cost, please speak to a facilitator.",
        )

    def other_kinds_filled(self, kind) -> list[str]:
        """The kinds, other than the chosen one, whose part of the form has something typed or ticked."""
        filled = []
        for other, names in FIELDS_FOR_KIND.items():
            if other == kind:
                continue
            if any(str(self.data.get(name, "")).strip() for name in names):
                filled.append(other)
        return filled

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        others = self.other_kinds_filled(kind) if kind else []
        if others:
            # Never thrown away without saying so: the page comes back with everything as it was typed.
            legends = dict(KIND_CHOICES)
            names = " and ".join(f"“{legends[k]}”" for k in others)
            raise forms.ValidationError(
                f"You also filled in the part for {names}, but this form sends one kind of help: the one you "
                "chose. Clear that part, or choose “Ask for several kinds of help at once” below.",
                code="other_kinds_filled",
            )
        if kind == SupportKind.CHILDCARE:
            if (
                not cleaned.get("children_count")
                and not cleaned.get("creche_place")
                and not self.has_error("children_count")
            ):
                self.add_error("children_count", "Tell us how many children, or tick the box for a crèche place.")
        elif kind == SupportKind.TRAVEL:
            if not cleaned.get("travel_mode"):
                self.add_error("travel_mode", "Choose how you will travel.")
        elif kind == SupportKind.INTERPRETER:
            if not cleaned.get("language", "").strip():
                self.add_error("language", "Tell us which language you need an interpreter for.")
        elif kind == SupportKind.ACCESS:
            if not cleaned.get("access_details", "").strip():
                self.add_error("access_details", "Tell us what you need, so we can get it ready.")
        return cleaned

    def service_arguments(self) -> dict:
        """Only the chosen kind's answers go to the service; the other fieldsets are ignored."""
        data = self.cleaned_data
        kind = data["kind"]
        if kind == SupportKind.CHILDCARE:
            return {
                "kind": kind,
                "children_count": data.get("children_count"),
                "children_ages": data.get("children_ages", "").strip(),
                "creche_place": bool(data.get("creche_place")),
            }
        if kind == SupportKind.TRAVEL:
            return {
                "kind": kind,
                "travel_mode": data["travel_mode"],
                "expected_cost_pence": data.get("expected_cost"),
                "booking_wanted": bool(data.get("booking_wanted")),
            }
        if kind == SupportKind.INTERPRETER:
            return {"kind": kind, "language": data["language"].strip()}
        if kind == SupportKind.ACCESS:
            return {"kind": kind, "details": data["access_details"].strip()}
        return {"kind": kind, "details": data.get("one_to_one_details", "").strip()}


SERVICE_FIELD_NAMES = SupportRequestForm.FIELD_FOR


# Who sees a feeling: whoever holds "session.run" (sessions_app/permissions.py): the session's own facilitators
# and those who manage the group, i.e. its facilitators and the organisation's admins.
FEELING_SEEN_BY = (
    "You don't have to answer. Only this session's facilitators and the people who run this group (its "
    "facilitators and the organisation's admins) see this."
)


def _feeling_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=CheckIn.FEELINGS,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        help_text=FEELING_SEEN_BY,
        error_messages={"invalid_choice": "Choose how you feel from the five answers."},
    )


@refuse_control_characters
class SelfCheckInForm(forms.Form):
    feeling = _feeling_field("How are you feeling? (optional)")


@refuse_control_characters
class SelfCheckOutForm(forms.Form):
    feeling = _feeling_field("How are you feeling now? (optional)")
    wants_to_talk = forms.BooleanField(
        label="I'd like to talk afterwards",
        required=False,
        help_text="A facilitator will get in touch within two working days.",
    )
