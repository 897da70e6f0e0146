"""allauth's sign-in forms in coprod's words (ACCOUNT_FORMS and MFA_FORMS in coprod/settings/base.py).

Each field says what is missing in its own words ("Enter your email address", not "This field is required."),
and the code fields ask a phone for its number keyboard and let it offer the code from the email or the app
(autocomplete="one-time-code"). The rules stay allauth's: these classes change labels, widgets and messages only.
"""

from allauth.account import forms as account_forms
from allauth.mfa.base import forms as mfa_base_forms
from allauth.mfa.totp import forms as mfa_totp_forms

from .forms import RequestLoginCodeForm as _InvitedRequestLoginCodeForm

EMAIL_MESSAGES = {
    "required": "Enter your email address",
    "invalid": "Enter an email address in the correct format, like name@example.com",
}
# AUTH_PASSWORD_VALIDATORS in words: 10 characters or more, not all numbers, not a common password.
CHOOSING_ADVICE = "Use at least 10 characters, not only numbers. A few words you will remember work well."


def _email_field(field) -> None:
    field.label = "Email address"
    field.error_messages.update(EMAIL_MESSAGES)
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({"autocomplete": "email", "spellcheck": "false"})


def _password_field(field, *, label: str = "Password", required: str = "Enter your password") -> None:
    field.label = label
    field.help_text = ""  # the page has one "Forgotten your password?" link, not one per field
    field.error_messages.update({"required": required})
    field.widget.attrs.pop("placeholder", None)


def _numeric_code_field(field, *, label: str, required: str, digits: int = 6) -> None:
    """A code of digits: the phone's number keyboard, the code offered from a message, spaces allowed (allauth
    strips spaces and dashes before comparing)."""
    field.label = label
    field.help_text = f"The code is {digits} digits, like 123456."
    field.error_messages.update({"required": required})
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update(
        {
            "autocomplete": "one-time-code",
            "inputmode": "numeric",
            "spellcheck": "false",
        }
    )


class LoginForm(account_forms.LoginForm):
    """Sign in with an email address and a password."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _email_field(self.fields["login"])
        _password_field(self.fields["password"])
        if "remember" in self.fields:
            self.fields["remember"].label = "Keep me signed in on this device"


class RequestLoginCodeForm(_InvitedRequestLoginCodeForm):
    """ "Email me a sign-in code" (with the invited address filled in, from groups.forms)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _email_field(self.fields["email"])


class ConfirmLoginCodeForm(account_forms.ConfirmLoginCodeForm):
    """The 6-digit code from the sign-in email."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _numeric_code_field(self.fields["code"], label="Sign-in code", required="Enter the 6-digit code from the email")


class ConfirmReauthenticationCodeForm(account_forms.ConfirmReauthenticationCodeForm):
    """The 6-digit code that confirms it is you before a sensitive change (for someone without a password)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _numeric_code_field(self.fields["code"], label="Sign-in code", required="Enter the 6-digit code from the email")


class ResetPasswordForm(account_forms.ResetPasswordForm):
    """ "Forgotten your password?": the address to send a reset link to."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _email_field(self.fields["email"])


class ResetPasswordKeyForm(account_forms.ResetPasswordKeyForm):
    """Choose a new password from the emailed link."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _password_field(self.fields["password1"], label="New password", required="Enter a new password")
        self.fields["password1"].help_text = CHOOSING_ADVICE
        _password_field(
            self.fields["password2"], label="Type the new password again", required="Type the new password again"
        )


class ChangePasswordForm(account_forms.ChangePasswordForm):
    """Change a password while signed in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _password_field(self.fields["oldpassword"], label="Current password", required="Enter your current password")
        _password_field(self.fields["password1"], label="New password", required="Enter a new password")
        self.fields["password1"].help_text = CHOOSING_ADVICE
        _password_field(
            self.fields["password2"], label="Type the new password again", required="Type the new password again"
        )


class SetPasswordForm(account_forms.SetPasswordForm):
    """Set a first password (someone who has only signed in with codes)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _password_field(self.fields["password1"], label="New password", required="Enter a new password")
        self.fields["password1"].help_text = CHOOSING_ADVICE
        _password_field(
            self.fields["password2"], label="Type the new password again", required="Type the new password again"
        )


class ReauthenticateForm(account_forms.ReauthenticateForm):
    """Type the password again before a sensitive change."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _password_field(self.fields["password"])


def _app_or_recovery_code_field(field) -> None:
    """A code from the authenticator app, or a recovery code (letters and digits, so no number keyboard)."""
    field.label = "Code from your authenticator app"
    field.help_text = "Or one of your recovery codes, if you do not have your phone."
    field.error_messages.update({"required": "Enter the 6-digit code from your authenticator app"})
    field.widget.attrs.pop("placeholder", None)
    field.widget.attrs.update({"autocomplete": "one-time-code", "spellcheck": "false"})


class MfaAuthenticateForm(mfa_base_forms.AuthenticateForm):
    """The second step of signing in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _app_or_recovery_code_field(self.fields["code"])


class MfaReauthenticateForm(mfa_base_forms.ReauthenticateForm):
    """Confirming it is you with the app before a change to how you sign in."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _app_or_recovery_code_field(self.fields["code"])


class MfaActivateTotpForm(mfa_totp_forms.ActivateTOTPForm):
    """Setting up the authenticator app: the app's first 6-digit code proves it works."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _numeric_code_field(
            self.fields["code"],
            label="Code from your authenticator app",
            required="Enter the 6-digit code from your authenticator app",
        )
