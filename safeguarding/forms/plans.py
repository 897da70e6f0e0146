"""Input checks for a person's safety plan and whom they share it with. The services keep the rules."""

from django import forms

from core.validators import refuse_control_characters

from ..services.plans import MAX_LENGTH


def _answer(label: str, hint: str) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=hint,
        required=False,
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


@refuse_control_characters
class SafetyPlanForm(forms.Form):
    """The five questions of an emotional safety plan, each optional, with a gentle example."""

    FIELD_NOUNS = {
        "upsets_me": "what can upset you",
        "signs": "the signs you are struggling",
        "helps": "what helps",
        "contacts": "who to contact",
        "wishes": "what you would like facilitators to do",
    }

    upsets_me = _answer(
        "What can upset me",
        "For example, talking about the time my child was taken into care, or loud arguments.",
    )
    signs = _answer(
        "Signs that I'm struggling",
        "For example, I go quiet, I leave the room, or I get short with people.",
    )
    helps = _answer(
        "What helps me",
        "For example, a short break outside, a cup of tea, or someone sitting with me.",
    )
    contacts = _answer(
        "Who to contact if I need support",
        "For example, my sister Jo on 07700 900123, or my support worker.",
    )
    wishes = _answer(
        "What I'd like facilitators to do",
        "For example, check in with me quietly at the break, and don't ask me to speak first.",
    )

    def service_arguments(self) -> dict:
        return {name: self.cleaned_data.get(name, "") for name in self.fields}


class PlanSharingForm(forms.Form):
    """Tick the groups whose facilitators may read the plan; unticking one stops sharing with it."""

    groups = forms.TypedMultipleChoiceField(
        label="Share my plan with this group's facilitators",
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="You can stop sharing at any time. Facilitators of other groups cannot see your plan.",
        error_messages={"invalid_choice": "Choose from your groups."},
    )

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["groups"].choices = list(choices)
