"""Input checks for the facilitator's scheduling pages. Forms check and shape what was typed; the services keep
the domain rules (the two-facilitator rule, venues of the organisation, publishing)."""

import os
import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.db.models import Q
from django.utils import timezone

from core.validators import date_range_check, refuse_control_characters
from groups.models import User
from groups.selectors import group_facilitators

from ..models import FacilitatorRole, Session, Venue
from ..services import MAX_SERIES_WEEKS, BreakPlan
from ..services.scheduling import (
    AGENDA_ITEM_MAX,
    BREAK_MAX_MINUTES,
    MAX_AGENDA_ITEMS,
    MAX_BREAKS,
    PREPARATION_MAX_MINUTES,
    session_date_window,
)

LONDON = ZoneInfo("Europe/London")
# The agenda and the breaks are bounded by their number of lines (said in their own messages), so the box itself
# only stops what no list of lines could need.
LINES_BOX_MAX = 100_000
BREAK_LINE_RE = re.compile(r"^\s*(\d{1,2})[:.](\d{2})\s+for\s+(\d{1,3})\s*(?:minutes?|mins?)\s*\.?\s*$", re.IGNORECASE)


class _FirstOptionMixin:
    """The error summary links to ``field.id_for_label``; Django gives radio buttons and tick boxes none, so
    point it at the first option and the link lands on the question."""

    def id_for_label(self, id_, index=None):
        if index is None and id_:
            return f"{id_}_0"
        return super().id_for_label(id_, index)


class RadioSelect(_FirstOptionMixin, forms.RadioSelect):
    pass


class CheckboxSelectMultiple(_FirstOptionMixin, forms.CheckboxSelectMultiple):
    pass


class FacilitatorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class FacilitatorsChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


def parse_breaks(text: str) -> list[tuple[time, int]]:
    """One break a line, written like "11:00 for 15 minutes". Blank lines are skipped. At most MAX_BREAKS
    breaks, no two starting at the same time."""
    count = sum(1 for line in text.splitlines() if line.strip())
    if count > MAX_BREAKS:
        raise forms.ValidationError(
            f"A session can have at most {MAX_BREAKS} breaks (you have {count:,}).", code="too_many_breaks"
        )
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        match = BREAK_LINE_RE.match(line)
        hours, minutes, length = (int(g) for g in match.groups()) if match else (None, None, None)
        if match is None or hours > 23 or minutes > 59:
            raise forms.ValidationError(
                f'Line {number} of the breaks, "{line.strip()}", is not in the form "11:00 for 15 minutes". '
                "Write the time the break starts (24-hour clock) and how many minutes it lasts, one break a line."
            )
        if not 1 <= length <= BREAK_MAX_MINUTES:
            raise forms.ValidationError(
                f'Line {number} of the breaks, "{line.strip()}": a break lasts between 1 and {BREAK_MAX_MINUTES} '
                "minutes."
            )
        if any(at == time(hours, minutes) for at, _ in found):
            raise forms.ValidationError(
                f'Line {number} of the breaks, "{line.strip()}": there is already a break at that time. Give each '
                "break once.",
                code="break_twice",
            )
        found.append((time(hours, minutes), length))
    return found


def format_breaks(breaks) -> str:
    return "\n".join(f"{timezone.localtime(b.starts_at, LONDON):%H:%M} for {b.minutes} minutes" for b in breaks)


def _aware(day, at: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, at), LONDON)


@refuse_control_characters
class SessionForm(forms.Form):
    """The session builder. Date and times are typed separately and combined here into times in Europe/London."""

    title = forms.CharField(
        label="Title",
        max_length=150,
        error_messages={"required": "Give the session a title."},
        help_text="A short name members will recognise, for example: Planning the summer fun day.",
    )
    purpose = forms.CharField(
        label="What this session is for",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Say in a sentence or two what this session is for."},
    )
    date = forms.DateField(
        label="Date",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"required": "Enter the date of the session.", "invalid": "Enter a real date."},
    )
    start_time = forms.TimeField(
        label="Start time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H.%M"],
        error_messages={"required": "Enter the time the session starts.", "invalid": "Enter a time like 10:00."},
    )
    end_time = forms.TimeField(
        label="End time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        input_formats=["%H:%M", "%H.%M"],
        error_messages={"required": "Enter the time the session ends.", "invalid": "Enter a time like 12:30."},
    )
    format = forms.ChoiceField(
        label="How the session meets",
        choices=Session.Format.choices,
        initial=Session.Format.IN_PERSON,
        widget=RadioSelect,
        error_messages={"required": "Choose how the session meets."},
    )
    venue = forms.ModelChoiceField(
        label="Venue",
        queryset=Venue.objects.none(),
        required=False,
        empty_label="No venue (the session is online)",
        help_text="Needed when the session meets in person.",
        error_messages={"invalid_choice": "Choose one of your organisation's venues."},
    )
    joining_link = forms.URLField(
        label="Online joining link",
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text="Needed when the session meets online, for example a video call address.",
        error_messages={"invalid": "Enter a web address like https://meet.example.org/our-group."},
    )
    capacity = forms.IntegerField(
        label="Places (optional)",
        required=False,
        min_value=1,
        max_value=1000,
        help_text="How many people can come. Leave blank if there is no limit.",
        error_messages={"min_value": "Enter at least 1 place, or leave it blank for no limit."},
    )
    content_note = forms.CharField(
        label="Content note (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A gentle warning if the session will touch on sensitive or upsetting topics.",
    )
    preparation_days = forms.IntegerField(
        label="Share preparation this many days before",
        min_value=0,
        max_value=28,
        initial=3,
        help_text="Members see anything you add to read or look at this many days before the session.",
        error_messages={"required": "Enter a number of days, or 0 to share it on the day."},
    )
    preparation_minutes = forms.IntegerField(
        label="Preparation time you are asking people to spend, in minutes (optional)",
        required=False,
        min_value=0,
        max_value=PREPARATION_MAX_MINUTES,
        help_text="For example 30 if you ask people to read something first. Leave blank or enter 0 if there is "
        "none. Parents may be paid for this time, if your organisation's payment policy says so.",
        error_messages={
            "invalid": "Enter a number of minutes, like 30, or leave it blank.",
            "min_value": "Enter 0 or more minutes, or leave it blank.",
            "max_value": f"Preparation can be up to {PREPARATION_MAX_MINUTES} minutes (10 hours).",
        },
    )
    lead = FacilitatorChoiceField(
        label="Lead facilitator",
        queryset=User.objects.none(),
        required=False,
        empty_label="Choose later",
        help_text="Every session needs a lead and a support facilitator before it can be published.",
        error_messages={"invalid_choice": "Choose one of this group's facilitators."},
    )
    supports = FacilitatorsChoiceField(
        label="Support facilitator",
        queryset=User.objects.none(),
        required=False,
        widget=CheckboxSelectMultiple,
        help_text="Tick one or more. The lead and the support must be different people.",
        error_messages={"invalid_choice": "Choose from this group's facilitators."},
    )
    agenda = forms.CharField(
        label="Agenda (optional)",
        required=False,
        max_length=LINES_BOX_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=f"One item a line, up to {MAX_AGENDA_ITEMS} items.",
    )
    breaks = forms.CharField(
        label="Breaks (optional)",
        required=False,
        max_length=LINES_BOX_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text='One break a line, written like "11:00 for 15 minutes".',
    )
    repeat_weeks = forms.IntegerField(
        label="Repeat weekly for",
        min_value=1,
        max_value=MAX_SERIES_WEEKS,
        initial=1,
        help_text=f"Number of weeks, from 1 (just this once) to {MAX_SERIES_WEEKS}. Each session is saved as a "
        "draft you can change on its own later.",
        error_messages={
            "required": "Enter a number of weeks, or 1 for just this once.",
            "min_value": "Enter 1 for just this once, or more to repeat it.",
            "max_value": f"A series can run for up to {MAX_SERIES_WEEKS} weeks.",
        },
    )

    # Where a service's error about a model field belongs on this form.
    FIELD_FOR = {"starts_at": "start_time", "ends_at": "end_time"}

    # How the messages about length name these fields (their labels are questions or say "optional").
    FIELD_NOUNS = {
        "purpose": "the purpose",
        "content_note": "the content note",
        "joining_link": "the joining link",
        "agenda": "the agenda",
        "breaks": "the breaks",
    }

    def __init__(self, *args, group, with_repeat: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.group = group
        # Retired venues are not offered, except the one a session being edited already has.
        current_venue_id = (kwargs.get("initial") or {}).get("venue")
        current_venue_id = getattr(current_venue_id, "pk", current_venue_id)
        self.fields["venue"].queryset = Venue.objects.filter(organisation_id=group.organisation_id).filter(
            Q(retired_at__isnull=True) | Q(pk=current_venue_id)
        )
        facilitators = group_facilitators(group_id=group.pk)
        self.fields["lead"].queryset = facilitators
        self.fields["supports"].queryset = facilitators
        if not with_repeat:
            del self.fields["repeat_weeks"]

    def clean_date(self):
        """A new date is from today up to two years ahead; a session being edited may keep the day it has, even
        once that day has passed."""
        day = self.cleaned_data["date"]
        if day == self.initial.get("date"):
            return day
        earliest, latest = session_date_window()
        date_range_check(day, earliest=earliest, latest=latest, today=timezone.localdate())
        return day

    def clean_agenda(self):
        lines = [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]
        if len(lines) > MAX_AGENDA_ITEMS:
            raise forms.ValidationError(
                f"An agenda can have at most {MAX_AGENDA_ITEMS} items (you have {len(lines):,}). Keep the main "
                "points, one a line.",
                code="too_many_agenda_items",
            )
        for number, line in enumerate(lines, start=1):
            if len(line) > AGENDA_ITEM_MAX:
                raise forms.ValidationError(
                    f"Agenda item {number} is longer than {AGENDA_ITEM_MAX} characters (it has {len(line):,}). "
                    "Shorten it or split it over two lines.",
                    code="agenda_item_too_long",
                )
        return lines

    def clean_breaks(self):
        return parse_breaks(self.cleaned_data["breaks"])

    def clean(self):
        cleaned = super().clean()
        day, start, end = cleaned.get("date"), cleaned.get("start_time"), cleaned.get("end_time")
        weeks = cleaned.get("repeat_weeks") or 1
        if day and weeks > 1 and "repeat_weeks" in self.fields:
            last = session_date_window()[1]
            if day + timedelta(weeks=weeks - 1) > last:
                self.add_error(
                    "repeat_weeks",
                    forms.ValidationError(
                        f"A weekly series can run up to {last.day} {last:%B %Y}. Choose fewer weeks.",
                        code="date_out_of_range",
                    ),
                )
        if day and start and end:
            cleaned["starts_at"] = _aware(day, start)
            cleaned["ends_at"] = _aware(day, end)
            if cleaned["ends_at"] <= cleaned["starts_at"]:
                self.add_error("end_time", "The session must end after it starts.")
        fmt, venue, link = cleaned.get("format"), cleaned.get("venue"), cleaned.get("joining_link")
        if "joining_link" in self.errors:
            link = True  # already reported: do not also say it is missing
        if fmt in (Session.Format.IN_PERSON, Session.Format.HYBRID) and not venue:
            self.add_error("venue", "Choose a venue for a session that meets in person.")
        if fmt in (Session.Format.ONLINE, Session.Format.HYBRID) and not link:
            self.add_error("joining_link", "Add the online joining link for a session that meets online.")
        if fmt == Session.Format.ONE_TO_ONE and not venue and not link:
            self.add_error("venue", "Choose a venue or add an online joining link.")
        if day and "breaks" in cleaned:
            cleaned["break_plans"] = [BreakPlan(_aware(day, at), minutes) for at, minutes in cleaned["breaks"]]
        return cleaned

    def service_arguments(self) -> dict:
        """What session_create and session_update take, from the cleaned form."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "purpose": data["purpose"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "format": data["format"],
            "venue": data.get("venue"),
            "joining_link": data.get("joining_link") or "",
            "capacity": data.get("capacity"),
            "content_note": data.get("content_note") or "",
            "preparation_days": data["preparation_days"],
            "preparation_minutes": data.get("preparation_minutes") or 0,
            "lead": data.get("lead"),
            "supports": list(data.get("supports") or []),
            "agenda": data["agenda"],
            "breaks": data["break_plans"],
        }

    @classmethod
    def initial_for(cls, session: Session, facilitators, agenda, breaks) -> dict:
        """The builder pre-filled from one saved session."""
        starts, ends = timezone.localtime(session.starts_at, LONDON), timezone.localtime(session.ends_at, LONDON)
        places = list(facilitators)
        lead = next((p.user_id for p in places if p.role == FacilitatorRole.LEAD), None)
        return {
            "title": session.title,
            "purpose": session.purpose,
            "date": starts.date(),
            "start_time": starts.time().replace(second=0, microsecond=0),
            "end_time": ends.time().replace(second=0, microsecond=0),
            "format": session.format,
            "venue": session.venue_id,
            "joining_link": session.joining_link,
            "capacity": session.capacity,
            "content_note": session.content_note,
            "preparation_days": session.preparation_days,
            "preparation_minutes": session.preparation_minutes,
            "lead": lead,
            "supports": [p.user_id for p in places if p.role == FacilitatorRole.SUPPORT],
            "agenda": "\n".join(item.text for item in agenda),
            "breaks": format_breaks(breaks),
        }


class PublishForm(forms.Form):
    """Publishing takes no input; the form only carries the CSRF token and the error summary."""


@refuse_control_characters
class CancelForm(forms.Form):
    reason = forms.CharField(
        label="Why is the session cancelled?",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Everyone who said yes gets an email with this reason, and it shows on the session page.",
        error_messages={"required": "Say briefly why the session is cancelled; members will see it."},
    )


# --- preparation material --------------------------------------------------------------------------------

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_FILE_NAME = 60

# What each allowed kind of file starts with, so a renamed program cannot pass as a document.
_ZIP = (b"PK\x03\x04",)
FILE_SIGNATURES = {
    ".pdf": ("a PDF", (b"%PDF-",)),
    ".doc": ("a Word document", (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)),
    ".docx": ("a Word document", _ZIP),
    ".odt": ("a document", _ZIP),
    ".rtf": ("a document", (b"{\\rtf",)),
    ".png": ("a picture", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("a picture", (b"\xff\xd8\xff",)),
    ".jpeg": ("a picture", (b"\xff\xd8\xff",)),
    ".gif": ("a picture", (b"GIF87a", b"GIF89a")),
    ".webp": ("a picture", (b"RIFF",)),
    ".txt": ("a text file", ()),
}
WRONG_KIND = (
    "This kind of file cannot be shared here. Choose a PDF, a Word document, a picture (JPEG, PNG, GIF or WebP) "
    "or a text file."
)


def check_upload(upload) -> None:
    """Up to 10 MB; PDF, Word, pictures or text only, judged by the name and by the first bytes."""
    if upload.size > MAX_UPLOAD_BYTES:
        size = upload.size / (1024 * 1024)
        raise forms.ValidationError(
            f"The file is {size:.1f} MB (megabytes). Files can be up to 10 MB: choose a smaller file, or put a "
            "link to it in the text instead."
        )
    extension = os.path.splitext(upload.name)[1].lower()
    if extension not in FILE_SIGNATURES:
        raise forms.ValidationError(WRONG_KIND)
    kind, signatures = FILE_SIGNATURES[extension]
    upload.seek(0)
    head = upload.read(2048)
    upload.seek(0)
    if extension == ".txt":
        looks_right = b"\x00" not in head
    elif extension == ".webp":
        looks_right = head.startswith(b"RIFF") and head[8:12] == b"WEBP"
    else:
        looks_right = any(head.startswith(sig) for sig in signatures)
    if not looks_right:
        raise forms.ValidationError(
            f"This file does not look like {kind}, although its name says it is. Check it is the right file and "
            "save it again, or choose another."
        )


@refuse_control_characters
class PreparationForm(forms.Form):
    title = forms.CharField(
        label="Title",
        max_length=150,
        error_messages={"required": "Give it a title, for example: Questions to think about."},
    )
    text = forms.CharField(
        label="Text (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Something to read or think about before the session.",
    )
    file = forms.FileField(
        label="File (optional)",
        required=False,
        max_length=MAX_FILE_NAME,
        help_text="A PDF, a Word document, a picture or a text file, up to 10 MB (megabytes).",
        error_messages={
            "max_length": f"The file's name is too long. Rename it to {MAX_FILE_NAME} characters or fewer and "
            "try again.",
            "empty": "The file is empty. Choose another file.",
        },
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload:
            check_upload(upload)
        return upload

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not (cleaned.get("text") or "").strip() and not cleaned.get("file"):
            self.add_error("text", "Add some text or a file (or both).")
        return cleaned


# --- facilitators ----------------------------------------------------------------------------------------


@refuse_control_characters
class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Reason (optional)",
        required=False,
        max_length=200,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Only the group's facilitators and the organisation admin see this.",
    )


@refuse_control_characters
class StepInForm(forms.Form):
    role = forms.ChoiceField(
        label="Step in as",
        choices=FacilitatorRole.choices,
        widget=RadioSelect,
        error_messages={"required": "Choose lead or support."},
    )


# --- glossary and venues ---------------------------------------------------------------------------------


@refuse_control_characters
class GlossaryTermForm(forms.Form):
    abbreviation = forms.CharField(
        label="Short form",
        max_length=20,
        help_text="For example: EHCP",
        error_messages={"required": "Enter the short form."},
    )
    meaning = forms.CharField(
        label="What it means",
        max_length=200,
        help_text="For example: Education, Health and Care Plan",
        error_messages={"required": "Say what the short form means, in plain words."},
    )
    next = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, fixed_abbreviation: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if fixed_abbreviation is not None:
            # One line on the publish page: the short form is already known, only the meaning is asked for.
            self.fields["abbreviation"].widget = forms.HiddenInput()
            self.fields["abbreviation"].initial = fixed_abbreviation
            self.fields["meaning"].label = f"What {fixed_abbreviation} means"
            self.fields["meaning"].help_text = ""

    def clean_abbreviation(self):
        value = self.cleaned_data["abbreviation"].strip()
        if any(ch.isspace() for ch in value):
            raise forms.ValidationError("Enter one short form without spaces, for example EHCP.")
        return value


@refuse_control_characters
class VenueForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=None,
        empty_label=None,
        error_messages={"invalid_choice": "Choose one of your organisations."},
    )
    name = forms.CharField(label="Name of the venue", max_length=120, error_messages={"required": "Give the name."})
    address = forms.CharField(
        label="Address",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "street-address"}),
        error_messages={"required": "Give the address, with the postcode."},
    )
    step_free = forms.BooleanField(label="Step-free access", required=False)
    parking = forms.BooleanField(label="Parking", required=False)
    baby_changing = forms.BooleanField(label="Baby changing", required=False)
    quiet_room = forms.BooleanField(label="A quiet room", required=False)
    access_notes = forms.CharField(
        label="Anything else people should know (optional)",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=Venue._meta.get_field("access_notes").help_text,
    )

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.only_organisation = organisations[0] if len(organisations) == 1 else None
        if self.only_organisation:
            del self.fields["organisation"]  # nothing to choose
        else:
            self.fields["organisation"].queryset = organisations

    def clean(self):
        cleaned = super().clean()
        if self.only_organisation:
            cleaned["organisation"] = self.only_organisation
        org, name = cleaned.get("organisation"), (cleaned.get("name") or "").strip()
        if org and name and Venue.objects.filter(organisation=org, name__iexact=name).exists():
            self.add_error("name", f"Your organisation already has a venue called {name}. Choose another name.")
        return cleaned
