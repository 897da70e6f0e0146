"""Input checks for the organisation admin's pages about sessions: venues and reminder settings."""

from django import forms

from core.validators import refuse_control_characters

from ..models import ReminderSettings, Venue


@refuse_control_characters
class VenueEditForm(forms.ModelForm):
    class Meta:
        model = Venue
        fields = ["name", "address", "step_free", "parking", "baby_changing", "quiet_room", "access_notes"]
        labels = {
            "name": "Name of the venue",
            "address": "Address",
            "step_free": "Step-free access",
            "parking": "Parking",
            "baby_changing": "Baby changing",
            "quiet_room": "A quiet room",
            "access_notes": "Anything else people should know (optional)",
        }
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
            "access_notes": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "name": {"required": "Give the name."},
            "address": {"required": "Give the address, with the postcode."},
        }

    def validate_unique(self):
        pass  # the service checks (full_clean), so its message reaches the page once


@refuse_control_characters
class ReminderSettingsForm(forms.ModelForm):
    class Meta:
        model = ReminderSettings
        fields = [
            "chaser_days_before",
            "first_reminder_days_before",
            "last_reminder_hours_before",
            "quiet_from",
            "quiet_until",
        ]
        labels = {
            "chaser_days_before": "Ask people who have not answered, days before the session",
            "first_reminder_days_before": "First reminder, days before the session",
            "last_reminder_hours_before": "Last reminder, hours before the session",
            "quiet_from": "No text messages from (24-hour time, like 21:00)",
            "quiet_until": "No text messages until (24-hour time, like 08:00)",
        }
        widgets = {
            "quiet_from": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_until": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        }
        error_messages = {
            name: {"required": "Enter a number.", "invalid": "Enter a whole number.", "min_value": "Enter 0 or more."}
            for name in ("chaser_days_before", "first_reminder_days_before", "last_reminder_hours_before")
        } | {
            name: {"required": "Enter a time like 21:00.", "invalid": "Enter a time like 21:00."}
            for name in ("quiet_from", "quiet_until")
        }

    def _post_clean(self):
        pass  # the service checks the rules and the model (full_clean) when it saves
