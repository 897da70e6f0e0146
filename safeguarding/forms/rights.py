"""Forms of the retention page: how long each type of record is kept, and a lead's decision about one record
past that period. They shape what was typed; the rules are the services' (safeguarding/services/retention.py)."""

from django import forms

from core.validators import refuse_control_characters
from sessions_app.forms.scheduling import RadioSelect

from ..models import RecordType
from ..selectors.rights import COUNTED_FROM, SUGGESTED_MONTHS
from ..services.retention import MONTHS_MAX, MONTHS_MIN, REASON_MAX


def _in_years(months: int) -> str:
    years, rest = divmod(months, 12)
    if rest or not years:
        return ""
    return f" ({years} year{'s' if years != 1 else ''})"


class RetentionRulesForm(forms.Form):
    """One box per record type: months, blank while the organisation has not chosen."""

    def __init__(self, *args, rules: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        rules = rules or {}
        for record_type, label in RecordType.choices:
            suggested = SUGGESTED_MONTHS[record_type]
            rule = rules.get(record_type)
            self.fields[record_type] = forms.IntegerField(
                label=f"{label}: months to keep",
                required=False,
                min_value=MONTHS_MIN,
                max_value=MONTHS_MAX,
                initial=rule.months if rule else None,
                help_text=(
                    f"Counted {COUNTED_FROM[record_type]}. A suggestion: {suggested} months{_in_years(suggested)}. "
                    "Your organisation must decide its own period." + ("" if rule else " Not set yet.")
                ),
                error_messages={
                    "invalid": "Enter a whole number of months, like 72.",
                    "min_value": f"Enter at least {MONTHS_MIN} month.",
                    "max_value": f"Enter at most {MONTHS_MAX} months.",
                },
                widget=forms.NumberInput(attrs={"inputmode": "numeric", "class": "w-auto"}),
            )

    def months(self) -> dict[str, int | None]:
        return {record_type: self.cleaned_data.get(record_type) for record_type in RecordType.values}


@refuse_control_characters
class RetentionReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label="What should happen to this record?",
        widget=RadioSelect,
        error_messages={"required": "Choose whether to keep or erase the record."},
    )
    reason = forms.CharField(
        label="Why",
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Needed to keep a record: for example, a court case is still open. Do not write what the record "
        "says.",
    )

    FIELD_NOUNS = {"reason": "the reason"}

    def __init__(self, *args, erasable: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("keep", "Keep it, and say why")]
        if erasable:
            choices.append(("erase", "Erase what it says"))
        self.fields["decision"].choices = choices
