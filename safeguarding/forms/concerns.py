"""Input checks for raising a concern and for what the safeguarding leads do with one. Forms check the input;
the services (safeguarding.services.concerns, .grants) keep the rules."""

from datetime import date

from django import forms
from django.utils import timezone

from core.validators import date_range_check, refuse_control_characters
from groups.models import Organisation, User

from ..models import EntryKind, ReferralAgency, Severity
from ..services import concerns as concern_services
from ..services import grants as grant_services

YES_NO = [("yes", "Yes"), ("no", "No")]


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


@refuse_control_characters
class RaiseForm(forms.Form):
    """One short page, phone first. The organisation is asked only of someone in several."""

    FIELD_NOUNS = {
        "what_happened": "what happened",
        "when_happened": "when it happened",
        "people_description": "the description",
    }

    organisation = forms.ModelChoiceField(
        label="Which organisation is this about?",
        queryset=Organisation.objects.none(),
        empty_label="Choose the organisation",
        error_messages={"required": "Choose the organisation.", "invalid_choice": "Choose the organisation."},
    )
    what_happened = forms.CharField(
        label="What happened?",
        max_length=concern_services.WHAT_MAX,
        help_text="Write what you saw or heard, in your own words.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Say what happened."},
    )
    when_happened = forms.CharField(
        label="When did it happen?",
        max_length=concern_services.WHEN_MAX,
        required=False,
        help_text="For example: today at the session, or last week",
    )
    people = PeopleChoiceField(
        label="Who is involved?",
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"invalid_choice": "Choose people from the list.", "invalid_pk_value": "Choose from the list."},
    )
    people_description = forms.CharField(
        label="Someone else: describe them",
        max_length=concern_services.DESCRIPTION_MAX,
        required=False,
        help_text="If someone involved is not in the list, say who they are (for example: a child at the session).",
    )
    immediate_risk = forms.ChoiceField(
        label="Is anyone in danger right now?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether anyone is in danger right now."},
    )

    def __init__(self, *args, organisations: list, people: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = organisations
        if len(organisations) == 1:
            del self.fields["organisation"]
        else:
            self.fields["organisation"].queryset = Organisation.objects.filter(pk__in=[o.pk for o in organisations])
        if people:
            self.fields["people"].queryset = User.objects.filter(pk__in=[p.pk for p in people]).order_by(
                "full_name", "pk"
            )
        else:
            del self.fields["people"]
            self.fields["people_description"].label = "Who is involved?"
            self.fields["people_description"].help_text = "Say who they are (for example: a child at the session)."

    def chosen_organisation(self):
        if "organisation" in self.fields:
            return self.cleaned_data["organisation"]
        return self.organisations[0]

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "organisation": self.chosen_organisation(),
            "what_happened": data["what_happened"],
            "when_happened": data.get("when_happened", ""),
            "immediate_risk": data["immediate_risk"] == "yes",
            "people": list(data.get("people") or []),
            "people_description": data.get("people_description", ""),
        }


@refuse_control_characters
class TriageForm(forms.Form):
    severity = forms.ChoiceField(
        label="How serious is it?",
        choices=Severity.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how serious it is."},
    )
    owner = PersonChoiceField(
        label="Who owns it?",
        queryset=User.objects.none(),
        empty_label="Choose a safeguarding lead",
        help_text="One of the organisation's safeguarding leads.",
        error_messages={"required": "Choose who owns it.", "invalid_choice": "Choose one of the safeguarding leads."},
    )

    def __init__(self, *args, leads: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(pk__in=[u.pk for u in leads]).order_by("full_name", "pk")


@refuse_control_characters
class ReferForm(forms.Form):
    FIELD_NOUNS = {"reference": "the reference"}

    agency = forms.ChoiceField(
        label="Who was it referred to?",
        choices=ReferralAgency.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose who it was referred to."},
    )
    reference = forms.CharField(
        label="Their reference (optional)",
        max_length=concern_services.REFERENCE_MAX,
        required=False,
        help_text="The number or reference they gave you, if any.",
    )


@refuse_control_characters
class CloseForm(forms.Form):
    FIELD_NOUNS = {"outcome": "the outcome"}

    outcome = forms.CharField(
        label="What was the outcome?",
        max_length=concern_services.OUTCOME_MAX,
        help_text="What was done, and why the concern can be closed. It is kept in the record.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say what the outcome was."},
    )


@refuse_control_characters
class EditForm(forms.Form):
    FIELD_NOUNS = {"what_happened": "what happened", "when_happened": "when it happened"}

    what_happened = forms.CharField(
        label="What happened?",
        max_length=concern_services.WHAT_MAX,
        help_text="The earlier words are kept in the chronology.",
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Say what happened."},
    )
    when_happened = forms.CharField(label="When did it happen?", max_length=concern_services.WHEN_MAX, required=False)


@refuse_control_characters
class EntryForm(forms.Form):
    FIELD_NOUNS = {"text": "the text"}

    kind = forms.ChoiceField(
        label="What are you adding?",
        choices=[(EntryKind.NOTE, "A note"), (EntryKind.ACTION, "An action taken")],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a note or an action taken."},
    )
    happened_on = forms.DateField(
        label="When did it happen?",
        help_text="For example: today's date, or the day of a phone call.",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": "Enter the date.", "invalid": "Enter a real date."},
    )
    text = forms.CharField(
        label="What to add",
        max_length=concern_services.ENTRY_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write what to add."},
    )

    def clean_happened_on(self):
        day = self.cleaned_data["happened_on"]
        today = timezone.localdate()
        date_range_check(day, earliest=date(today.year - 20, 1, 1), latest=today, today=today)
        return day


@refuse_control_characters
class DocumentForm(forms.Form):
    FIELD_NOUNS = {"title": "the title"}

    title = forms.CharField(
        label="Title",
        max_length=concern_services.TITLE_MAX,
        help_text="For example: Referral form sent to children's social care.",
        error_messages={"required": "Give the document a title."},
    )
    file = forms.FileField(
        label="File",
        help_text="A PDF or a picture (JPEG or PNG), 5 MB at most.",
        error_messages={"required": "Choose a file.", "empty": "The file is empty."},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > concern_services.DOCUMENT_MAX_BYTES:
            raise forms.ValidationError("The file must be 5 MB or smaller.", code="file_too_big")
        return upload


@refuse_control_characters
class GrantForm(forms.Form):
    FIELD_NOUNS = {"reason": "the reason"}

    person = PersonChoiceField(
        label="Who needs to see it?",
        queryset=User.objects.none(),
        empty_label="Choose a person",
        error_messages={"required": "Choose who needs to see it.", "invalid_choice": "Choose a person from the list."},
    )
    days = forms.IntegerField(
        label="For how many days?",
        min_value=grant_services.MIN_DAYS,
        max_value=grant_services.MAX_DAYS,
        initial=7,
        help_text=f"From {grant_services.MIN_DAYS} to {grant_services.MAX_DAYS} days. Access ends on its own.",
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": "Say for how many days.",
            "invalid": "Enter a whole number of days.",
            "min_value": f"Give access for {grant_services.MIN_DAYS} to {grant_services.MAX_DAYS} days.",
            "max_value": f"Give access for {grant_services.MIN_DAYS} to {grant_services.MAX_DAYS} days.",
        },
    )
    reason = forms.CharField(
        label="Why do they need to see it?",
        max_length=grant_services.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason."},
    )

    def __init__(self, *args, people: list, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(pk__in=[u.pk for u in people]).order_by("full_name", "pk")


@refuse_control_characters
class BreakGlassForm(forms.Form):
    FIELD_NOUNS = {"reason": "the reason"}

    reason = forms.CharField(
        label="Why do you need to open it now?",
        max_length=grant_services.REASON_MAX,
        help_text="Every safeguarding lead is told at once that you opened it, and why.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Give the reason."},
    )
