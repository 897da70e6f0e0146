"""Input checks for running a session: check-in and check-out, support decisions, follow-ups, the debrief,
decisions, actions and wins. Forms check the input; the services keep the rules."""

from decimal import Decimal

from django import forms
from django.utils import timezone

from core.money import parse_pounds as pounds_to_pence
from core.money import pence_to_text
from core.validators import date_range_check, refuse_control_characters

from ..models import Action, CheckIn
from ..services.outcomes import action_due_window
from ..services.support_decisions import MONEY_KINDS, amount_name

FEELING_CHOICES = [(value, words) for value, words in CheckIn.FEELINGS]


@refuse_control_characters
class SharedPageForm(forms.Form):
    """A form that shares its page with others of its kind. Its fields carry a prefix, so every id on the page
    is unique and the error summary links land on the right field; the fields named in ``plain_names`` keep
    their plain names, so the view can tell which form (and whose) was sent."""

    plain_names: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.plain_names:
            self.fields[name].widget.attrs["id"] = f"id_{self.prefix or 'form'}-{name}"

    def add_prefix(self, field_name):
        if field_name in self.plain_names:
            return field_name
        return super().add_prefix(field_name)


def _feeling_field(label: str) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=label,
        choices=FEELING_CHOICES,
        coerce=int,
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose how they feel from the five words."},
    )


class _PersonForm(SharedPageForm):
    """One per person on the check-in screen; the labels name the person, since many forms share the page."""

    plain_names = ("action", "person")
    feeling_label = "How is {name} feeling? (optional)"

    def __init__(self, *args, person_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        name = person_name or "this person"
        self.fields["feeling"].label = self.feeling_label.format(name=name)
        if "wants_to_talk" in self.fields:
            self.fields["wants_to_talk"].label = f"{name[:1].upper()}{name[1:]} would like to talk afterwards"


class CheckInForm(_PersonForm):
    action = forms.CharField(widget=forms.HiddenInput, initial="checkin")
    person = forms.IntegerField(widget=forms.HiddenInput)
    feeling = _feeling_field("How are they feeling? (optional)")


class CheckOutForm(_PersonForm):
    feeling_label = "How is {name} feeling now? (optional)"

    action = forms.CharField(widget=forms.HiddenInput, initial="checkout")
    person = forms.IntegerField(widget=forms.HiddenInput)
    feeling = _feeling_field("How are they feeling now? (optional)")
    wants_to_talk = forms.BooleanField(label="Would like to talk afterwards", required=False)


class CheckInUndoForm(forms.Form):
    """The collapsed card's "Undo": only whose check-in to take back."""

    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=999_999_999)


# --- support requests --------------------------------------------------------------------------------------


pounds_text = pence_to_text  # 1250 -> "12.50", for a form field people can read and change


@refuse_control_characters
class SupportDecisionForm(forms.Form):
    # The service names model fields; this form asks for them as "amount" and "reason".
    FIELD_FOR = {"amount_pence": "amount", "decision_reason": "reason"}

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve"), ("decline", "Decline")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve or decline."},
    )
    amount = forms.CharField(
        label="Amount to pay, in pounds",
        required=False,
        max_length=12,
        help_text="Only if you approve. For example 12.50. Leave blank to pay the expected cost.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        help_text="Needed if you decline: the parent or carer will see it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_amount(self) -> int | None:
        """Blank means the expected cost."""
        return pounds_to_pence(
            self.cleaned_data["amount"],
            what="the amount",
            example="12.50",
            maximum=Decimal("100000"),
            too_much="Enter an amount under £100,000.",
        )


@refuse_control_characters
class SupportDecideTogetherForm(forms.Form):
    """One decision for all of one person's waiting requests for a session: approve all or decline all, one
    reason, and an amount for each kind that costs money. ``requests`` are the ones shown, so a second submit
    names the same (now decided) requests and is refused rather than deciding newer ones unseen."""

    FIELD_FOR = {"decision_reason": "reason"}

    decision = forms.ChoiceField(
        label="Your decision",
        choices=[("approve", "Approve all"), ("decline", "Decline all")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose approve all or decline all."},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=2000,
        help_text="Needed if you decline: the parent or carer will see it.",
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    request_ids = forms.CharField(widget=forms.HiddenInput, max_length=200)

    def __init__(self, *args, requests=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.requests = list(requests)
        self.fields["request_ids"].initial = ",".join(str(r.pk) for r in self.requests)
        self.money_kinds = []
        for item in self.requests:
            if item.kind in MONEY_KINDS and item.kind not in self.money_kinds:
                self.money_kinds.append(item.kind)
                self.fields[amount_name(item.kind)] = forms.CharField(
                    label=f"Amount to pay for {item.get_kind_display().lower()}, in pounds",
                    required=False,
                    max_length=12,
                    help_text="Only if you approve. Leave blank to pay the expected cost.",
                    initial=pounds_text(item.expected_cost_pence),
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                )
        # The amounts come before the reason, as on the single decision form.
        self.order_fields(["decision", *[amount_name(k) for k in self.money_kinds], "reason", "request_ids"])

    def clean_request_ids(self) -> list[int]:
        raw = self.cleaned_data["request_ids"]
        parts = [p.strip() for p in raw.split(",") if p.strip()]
        if not parts or not all(p.isdigit() and len(p) < 12 for p in parts):
            raise forms.ValidationError(
                "This form is out of date. Open the support requests again.", code="request_ids_invalid"
            )
        return [int(p) for p in parts]

    def clean(self):
        data = super().clean()
        for kind in self.money_kinds:
            name = amount_name(kind)
            if name in data:
                try:
                    data[name] = pounds_to_pence(
                        data[name],
                        what="the amount",
                        example="12.50",
                        maximum=Decimal("100000"),
                        too_much="Enter an amount under £100,000.",
                    )
                except forms.ValidationError as error:
                    self.add_error(name, error)
        return data

    def amounts(self) -> dict[str, int | None]:
        """Pence by kind, for support_requests_decide_together."""
        return {kind: self.cleaned_data.get(amount_name(kind)) for kind in self.money_kinds}


# --- follow-ups, debrief -----------------------------------------------------------------------------------


@refuse_control_characters
class FollowUpCloseForm(forms.Form):
    note = forms.CharField(
        label="What happened",
        help_text="A short note: for example, when you spoke and anything agreed.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        error_messages={"required": "Write a short note about how the follow-up went."},
    )


@refuse_control_characters
class DebriefForm(forms.Form):
    went_well = forms.CharField(
        label="What went well",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what went well."},
    )
    was_hard = forms.CharField(
        label="What was hard",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what was hard."},
    )
    to_change = forms.CharField(
        label="What to change next time",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Write what to change next time."},
    )


# --- decisions, actions, wins ------------------------------------------------------------------------------


class DecisionForm(SharedPageForm):
    plain_names = ("form",)

    form = forms.CharField(widget=forms.HiddenInput, initial="decision")
    proposal = forms.CharField(
        label="What was proposed",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write what was proposed."},
    )
    outcome = forms.CharField(
        label="What the group decided",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write what the group decided."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "decision")
        super().__init__(*args, **kwargs)


class ActionForm(SharedPageForm):
    plain_names = ("form",)

    form = forms.CharField(widget=forms.HiddenInput, initial="action")
    description = forms.CharField(
        label="What will be done",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write what will be done."},
    )
    owner = forms.ModelChoiceField(
        label="Who will do it",
        queryset=None,
        empty_label="Choose a person",
        error_messages={
            "required": "Choose who will do it.",
            "invalid_choice": "Choose someone from the group.",
        },
    )
    due_on = forms.DateField(
        label="Done by (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date, like 31/03/2030."},
    )

    def __init__(self, *args, members=None, **kwargs):
        kwargs.setdefault("prefix", "action")
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = members

    def clean_due_on(self):
        day = self.cleaned_data.get("due_on")
        if day is not None:
            earliest, latest = action_due_window()
            date_range_check(day, earliest=earliest, latest=latest, today=timezone.localdate())
        return day


class WinForm(SharedPageForm):
    plain_names = ("form",)

    form = forms.CharField(widget=forms.HiddenInput, initial="win")
    description = forms.CharField(
        label="What changed for the better",
        help_text='For example: "You said the letters were hard to read, so we rewrote them."',
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "Write what changed for the better."},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "win")
        super().__init__(*args, **kwargs)


class ActionStatusForm(SharedPageForm):
    """One per action on a page, so each carries the action's id as its prefix; ``next`` is where to go back to."""

    plain_names = ("next",)

    next = forms.CharField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label="Progress",
        choices=Action.Status.choices,
        error_messages={"required": "Choose a status.", "invalid_choice": "Choose a status from the list."},
    )
