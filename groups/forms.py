"""Input checks for people and groups. Forms validate input; services keep the domain rules."""

from datetime import date

from allauth.account import forms as allauth_forms
from allauth.core import context as allauth_context
from django import forms
from django.utils import timezone

from core.validators import date_range_check, refuse_control_characters

from .models import ErasureReason, Group, Membership, User
from .selectors import action_label

# A working-together agreement is a short document, longer than a note (core.validators.MULTI_LINE_MAX).
AGREEMENT_MAX = 10_000


@refuse_control_characters
class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = [
            "full_name",
            "preferred_name",
            "name_pronunciation",
            "pronouns",
            "phone",
            "contact_preference",
            "preferred_language",
            "access_needs",
        ]
        labels = {"full_name": "Full name"}
        widgets = {
            "access_needs": forms.Textarea(attrs={"rows": 3}),
            "contact_preference": forms.RadioSelect,
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
            "full_name": forms.TextInput(attrs={"autocomplete": "name"}),
        }

    def clean_phone(self):
        phone = self.cleaned_data["phone"].strip()
        digits = [c for c in phone if c.isdigit()]
        if phone and (len(digits) < 10 or len(digits) > 15 or any(c not in "0123456789 +-()" for c in phone)):
            raise forms.ValidationError("Enter a phone number like 07700 900123 or +44 7700 900123.")
        return phone

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("contact_preference") in ("text", "both") and not cleaned.get("phone"):
            self.add_error("phone", "Add a mobile phone number to get text messages.")
        return cleaned


@refuse_control_characters
class PhoneCodeForm(forms.Form):
    code = forms.CharField(
        label="The 6-digit code from the text message",
        max_length=12,
        error_messages={"required": "Enter the code from the text message."},
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if len(code) != 6 or not code.isdigit():
            raise forms.ValidationError("Enter the 6 digits from the text message, like 123456.")
        return code


@refuse_control_characters
class GroupForm(forms.ModelForm):
    agreement_text = forms.CharField(
        label="Working-together agreement",
        widget=forms.Textarea(attrs={"rows": 7}),
        required=False,
        max_length=AGREEMENT_MAX,
        help_text="How the group agrees to work together. Leave blank to start from our suggested agreement; "
        "the group can change it at its first meeting.",
    )

    class Meta:
        model = Group
        fields = ["organisation", "name", "kind", "purpose", "parent_quorum"]
        labels = {"name": "Group name", "kind": "Type of group", "purpose": "What the group is for"}
        widgets = {"purpose": forms.Textarea(attrs={"rows": 3}), "kind": forms.RadioSelect}

    def __init__(self, *args, organisations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent_quorum"].required = False
        self.fields["parent_quorum"].help_text = (
            "How many parents or carers must be there for a meeting to count. Leave blank for the usual rule: "
            "2 for governance committees, none for other groups."
        )
        if self.instance.pk:
            del self.fields["organisation"]
            del self.fields["agreement_text"]
        else:
            self.fields["organisation"].queryset = organisations
            self.fields["organisation"].empty_label = None
            if organisations is not None and organisations.count() == 1:
                self.fields["organisation"].widget = forms.HiddenInput()
                self.fields["organisation"].initial = organisations.first().pk

    def clean_parent_quorum(self):
        value = self.cleaned_data.get("parent_quorum")
        if value is not None and value > 50:
            raise forms.ValidationError("Enter a number from 0 to 50.")
        return value

    def clean(self):
        cleaned = super().clean()
        org = cleaned.get("organisation") or getattr(self.instance, "organisation", None)
        name = cleaned.get("name")
        if org and name:
            clash = Group.objects.filter(organisation=org, name__iexact=name.strip())
            if self.instance.pk:
                clash = clash.exclude(pk=self.instance.pk)
            if clash.exists():
                self.add_error("name", "There is already a group with this name. Choose another name.")
        return cleaned


@refuse_control_characters
class AgreementForm(forms.Form):
    text = forms.CharField(
        label="The agreement",
        widget=forms.Textarea(attrs={"rows": 10}),
        max_length=AGREEMENT_MAX,
        help_text="Write one point per line, in plain words. Saving makes a new version; every member "
        "will be asked to read and agree to it again.",
        error_messages={"required": "Write the agreement before saving it."},
    )


class AcknowledgeForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    agree = forms.BooleanField(
        label="I have read this agreement and I will work by it",
        error_messages={"required": "Tick the box to say you have read the agreement."},
    )


@refuse_control_characters
class InvitationForm(forms.Form):
    email = forms.EmailField(
        label="Their email address",
        error_messages={
            "required": "Enter their email address.",
            "invalid": "Enter an email address like name@example.org.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
    )
    full_name = forms.CharField(label="Their name (optional)", required=False, max_length=150)
    role = forms.ChoiceField(
        label="They will join as",
        choices=Membership.Role.choices,
        initial=Membership.Role.PARENT,
        widget=forms.RadioSelect,
    )


class AnonymiseForm(forms.Form):
    """The admin site's "anonymise" action asks why, from a fixed list, so no free text about the person is
    written to the audit trail."""

    reason = forms.ChoiceField(
        label="Why are you removing them?",
        choices=ErasureReason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are removing them."},
    )


@refuse_control_characters
class AuditFilterForm(forms.Form):
    """Filters for the organisation's audit trail (sent with GET, so a filtered list can be bookmarked)."""

    person = forms.CharField(
        label="Who (optional)", required=False, max_length=150, help_text="Part of a name or email address."
    )
    action = forms.ChoiceField(label="What (optional)", required=False)
    object = forms.CharField(
        label="About (optional)",
        required=False,
        max_length=200,
        help_text="Words from its name, or its type and number, for example groups.group#12.",
    )
    date_from = forms.DateField(
        label="From (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "Enter a date like 30/03/2026."},
    )
    date_to = forms.DateField(
        label="To (optional)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Changes on this day are included.",
        error_messages={"invalid": "Enter a date like 30/03/2026."},
    )

    def __init__(self, *args, actions=(), **kwargs):
        super().__init__(*args, **kwargs)
        things = sorted({a.split(".", 1)[0] for a in actions})
        self.fields["action"].choices = [
            ("", "Anything"),
            ("Everything about", [(f"{t}.", f"{action_label(t)}: anything") for t in things]),
            ("Exactly", [(a, action_label(a)) for a in actions]),
        ]

    # The trail starts with coprod; a search beyond today finds nothing more (and year 9999 would not be a day).
    EARLIEST = date(2000, 1, 1)

    def _clean_day(self, name):
        day = self.cleaned_data.get(name)
        if day is not None:
            today = timezone.localdate()
            date_range_check(day, earliest=self.EARLIEST, latest=today, today=today)
        return day

    def clean_date_from(self):
        return self._clean_day("date_from")

    def clean_date_to(self):
        return self._clean_day("date_to")

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The end date must be on or after the start date.")
        return cleaned


@refuse_control_characters
class AcceptInvitationForm(forms.Form):
    full_name = forms.CharField(
        label="Your full name",
        max_length=150,
        error_messages={"required": "Enter your name."},
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    preferred_name = forms.CharField(
        label="What you like to be called (optional)",
        max_length=80,
        required=False,
        help_text="For example, a shorter name or a nickname.",
    )


class RequestLoginCodeForm(allauth_forms.RequestLoginCodeForm):
    """allauth's "email me a code" form, with the address filled in for someone who has just accepted an
    invitation, so they need not type it again."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = allauth_context.request
        invited = request.session.get("invited_email") if request is not None else None
        if invited and not self.is_bound:
            self.initial.setdefault("email", invited)
        self.fields["email"].widget.attrs.update({"autocomplete": "email"})
