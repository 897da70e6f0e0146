"""Input checks for consent: a person changing their own choice, and staff recording one given in person, on
paper or by phone. The services keep the rules."""

from django import forms

from ..models import ConsentHow, ConsentKind
from ..services.consent import STAFF_WAYS

YES_NO = [("yes", "Yes"), ("no", "No")]


class MyConsentChangeForm(forms.Form):
    """One button on the person's own page: change one kind in one organisation to yes or no."""

    organisation = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(choices=ConsentKind.choices, widget=forms.HiddenInput)
    given = forms.ChoiceField(choices=YES_NO, widget=forms.HiddenInput)

    def __init__(self, *args, organisation_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisation_ids = set(organisation_ids)

    def clean_organisation(self):
        value = self.cleaned_data["organisation"]
        if value not in self.organisation_ids:
            raise forms.ValidationError("Choose one of your organisations.")
        return value


class ConsentRecordForm(forms.Form):
    """Staff recording a consent a person gave (or withdrew) in person, on paper or by phone."""

    kind = forms.ChoiceField(
        label="What is it about?",
        choices=ConsentKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the consent is about."},
    )
    given = forms.ChoiceField(
        label="What did they say?",
        choices=[("yes", "Yes, they agree"), ("no", "No, they do not agree, or they want to stop")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose yes or no."},
    )
    how = forms.ChoiceField(
        label="How did they tell you?",
        choices=[(value, label) for value, label in ConsentHow.choices if value in STAFF_WAYS],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how they told you."},
    )

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"kind": data["kind"], "given": data["given"] == "yes", "how": data["how"]}
