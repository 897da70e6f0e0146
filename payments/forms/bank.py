"""The form a person changes their bank details with. It never shows the numbers saved before: a person types
them afresh (the page shows only "Account ending 12"). The checks that matter are in the service
(payments.services.bank); this form only limits the length of what is typed."""

from django import forms
from django.core.exceptions import ValidationError

from core.validators import refuse_control_characters

from ..services.bank import account_name_normalise, account_number_normalise, sort_code_normalise


@refuse_control_characters
class BankDetailsForm(forms.Form):
    account_name = forms.CharField(
        label="Name on the account",
        max_length=140,
        help_text="As the bank has it, for example: Pat Parent.",
        error_messages={"required": "Enter the name on the account, as the bank has it."},
        widget=forms.TextInput(attrs={"autocomplete": "name", "class": "form-control"}),
    )
    sort_code = forms.CharField(
        label="Sort code",
        max_length=20,
        help_text="6 numbers, for example: 12-34-56.",
        error_messages={"required": "Enter the sort code: 6 numbers, like 12-34-56."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "form-control", "spellcheck": "false"}
        ),
    )
    account_number = forms.CharField(
        label="Account number",
        max_length=20,
        help_text="8 numbers, for example: 12345678.",
        error_messages={"required": "Enter the account number: 8 numbers, like 12345678."},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "off", "class": "form-control", "spellcheck": "false"}
        ),
    )

    def clean(self):
        """The service's checks, here too, so every problem shows at once (the service checks again)."""
        data = super().clean()
        for name, normalise in (
            ("account_name", account_name_normalise),
            ("sort_code", sort_code_normalise),
            ("account_number", account_number_normalise),
        ):
            if name in data:
                try:
                    normalise(data[name])
                except ValidationError as error:
                    self.add_error(name, error.error_dict[name])
        return data
