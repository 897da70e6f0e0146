"""Input checks for the organisation administration pages (staff and their roles). The services keep the rules."""

from django import forms

from core.validators import refuse_control_characters

from .models import StaffRole

ROLE_HELP = {
    StaffRole.Role.ADMIN: "Runs the organisation in coprod: staff, venues, reminders and the audit trail.",
    StaffRole.Role.FACILITATOR: "Starts and runs groups and their sessions.",
    StaffRole.Role.GOVERNANCE_LEAD: "Watches that governance meetings have enough parents.",
    StaffRole.Role.SAFEGUARDING_LEAD: "Sees safeguarding records.",
    StaffRole.Role.FINANCE_OFFICER: "Sees payments and bank details.",
}


def role_choices():
    return [(value, f"{label}: {ROLE_HELP[value]}") for value, label in StaffRole.Role.choices]


@refuse_control_characters
class StaffInviteForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "off"}),
        error_messages={
            "required": "Enter their email address.",
            "invalid": "Enter an email address like name@example.org.",
        },
    )
    full_name = forms.CharField(
        label="Their full name (optional)",
        max_length=150,
        required=False,
        help_text="Used only if they do not have a coprod account yet.",
    )
    role = forms.ChoiceField(
        label="Role",
        choices=role_choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a role.", "invalid_choice": "Choose a role from the list."},
    )


class StaffRolesForm(forms.Form):
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=role_choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="To take away every role, use “Remove from the organisation” instead.",
        error_messages={"required": "Choose at least one role.", "invalid_choice": "Choose roles from the list."},
    )
