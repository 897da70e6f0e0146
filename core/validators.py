"""No control characters in what people type.

A one-line field (a title, a name, a venue) holds no control character at all: not a line break, not a tab, not
NUL, not the Unicode line and paragraph separators. A line break in a title would break a calendar file, an email
subject or a text message built from it. A multi-line field (notes, an agreement) may hold line breaks and tabs,
but no other control character, and never NUL (PostgreSQL cannot store it).

Forms use `@refuse_control_characters` on the class: every text field gets the validator that fits its widget
(a Textarea is multi-line; everything else is one line), with a plain message naming the field, and a length limit
that says the limit and how much was typed: the field's own `max_length`, or ONE_LINE_MAX (200) for one line and
MULTI_LINE_MAX (5,000) for several. A form can name a field for these messages in `FIELD_NOUNS`
({"purpose": "the purpose"}) where its label is a question.

Services refuse the same with `text_check` (codes "control_character" and "text_too_long"), so a caller that skips
the form is refused too.
"""

import re
import unicodedata
from datetime import date

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.forms.utils import pretty_name
from django.utils.deconstruct import deconstructible

ONE_LINE_MAX = 200
MULTI_LINE_MAX = 5000
LINE_SEPARATORS = {"\u2028", "\u2029"}
MULTI_LINE_ALLOWED = {"\t", "\n", "\r"}
# Labels that are questions or phrases read badly after "from the": the message says "this answer" instead.
_PHRASE_STARTS = {"what", "how", "who", "why", "when", "where", "which", "anything", "any", "your", "their", "the"}


# Characters that reorder how text is shown (right-to-left overrides, embeddings, isolates): text with them can
# read differently from what was stored ("Trojan Source"), so no field takes them.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in LINE_SEPARATORS or char in BIDI_CONTROLS


def _noun(label: str) -> str:
    """ "Session title" -> "the session title"; "What you like to be called (optional)" -> "this answer"."""
    text = (label or "").split("(")[0].strip().rstrip(":?").strip()
    if not text:
        return "this answer"
    words = text.split()
    if words[0].lower() in _PHRASE_STARTS:
        return "this answer"
    return "the " + (text[0].lower() + text[1:] if not text[:2].isupper() else text)


@deconstructible
class OneLineValidator:
    """Refuses every control character, line breaks included (code "control_character")."""

    code = "control_character"

    def __init__(self, label: str = ""):
        self.label = label

    def __call__(self, value):
        if isinstance(value, str) and any(_is_control(c) for c in value):
            raise ValidationError(
                f"Remove the line break or special character from {_noun(self.label)}.", code=self.code
            )

    def __eq__(self, other):
        return isinstance(other, OneLineValidator) and other.label == self.label


@deconstructible
class MultiLineValidator:
    """Refuses control characters other than line breaks and tabs, and NUL always (code "control_character")."""

    code = "control_character"

    def __init__(self, label: str = ""):
        self.label = label

    def __call__(self, value):
        if isinstance(value, str) and any(_is_control(c) and c not in MULTI_LINE_ALLOWED for c in value):
            raise ValidationError(f"Remove the special character from {_noun(self.label)}.", code=self.code)

    def __eq__(self, other):
        return isinstance(other, MultiLineValidator) and other.label == self.label


@deconstructible
class LengthValidator:
    """Refuses text longer than `limit` characters, saying the limit and how much there is (code
    "text_too_long"): "Keep the purpose under 5,000 characters (you have 2,000,000)"."""

    code = "text_too_long"

    def __init__(self, limit: int, label: str = "", noun: str = ""):
        self.limit, self.label, self.noun = limit, label, noun

    def __call__(self, value):
        if isinstance(value, str) and len(value) > self.limit:
            noun = self.noun or _noun(self.label)
            raise ValidationError(
                f"Keep {noun} to {self.limit:,} characters or fewer (you have {len(value):,}).",
                code=self.code,
            )

    def __eq__(self, other):
        return isinstance(other, LengthValidator) and (other.limit, other.label, other.noun) == (
            self.limit,
            self.label,
            self.noun,
        )


def text_check(value: str, *, noun: str, limit: int, multi_line: bool = False) -> None:
    """For services: refuses what the forms refuse in a text (a control character, more than `limit`
    characters), with the forms' codes. `noun` names it in the message ("the purpose")."""
    if not isinstance(value, str):
        return
    allowed = MULTI_LINE_ALLOWED if multi_line else set()
    if any(_is_control(c) and c not in allowed for c in value):
        raise ValidationError(f"Remove the special character from {noun}.", code="control_character")
    LengthValidator(limit, noun=noun)(value)


def texts_check(**specs) -> None:
    """`texts_check(title=(value, "the title", 150, False), ...)`: every problem at once, as a ValidationError
    keyed by field name."""
    errors = {}
    for name, (value, noun, limit, multi_line) in specs.items():
        try:
            text_check(value, noun=noun, limit=limit, multi_line=multi_line)
        except ValidationError as error:
            errors[name] = error
    if errors:
        raise ValidationError(errors)


# A secret token in an address, as secrets.token_urlsafe makes it (32 bytes: 43 characters of letters, digits,
# "-" and "_"), with room for other lengths; anything else in that place is no token of ours.
URL_TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{20,64}")


def is_url_token(token) -> bool:
    """Whether `token` (from an address: a calendar feed, an invitation, a link in a message) could be one of
    ours, checked before any database is asked about it: a NUL byte cannot even be put to PostgreSQL."""
    return isinstance(token, str) and URL_TOKEN_RE.fullmatch(token) is not None


def day_words(day: date, *, today: date | None = None) -> str:
    """30 November 2028 (or "today")."""
    if today is not None and day == today:
        return "today"
    return f"{day.day} {day:%B %Y}"


def date_range_check(day: date, *, earliest: date, latest: date, today: date | None = None) -> None:
    """Refuses a day outside earliest..latest, saying the range (code "date_out_of_range"): "Enter a date from
    today up to 30 November 2028"."""
    if day is not None and not earliest <= day <= latest:
        raise ValidationError(
            f"Enter a date from {day_words(earliest, today=today)} up to {day_words(latest, today=today)}.",
            code="date_out_of_range",
        )


def validator_for(name: str, field: forms.Field):
    """The validator that fits the field's widget, named with the field's label."""
    label = str(field.label) if field.label else pretty_name(name)
    if isinstance(field.widget, forms.Textarea):
        return MultiLineValidator(label)
    return OneLineValidator(label)


def _limit_length(name: str, field: forms.CharField, nouns: dict[str, str]) -> None:
    """Every text field gets a length limit that speaks plainly (replacing Django's "Ensure this value...")."""
    if any(isinstance(v, LengthValidator) for v in field.validators):
        return
    multi_line = isinstance(field.widget, forms.Textarea)
    default = 254 if isinstance(field, forms.EmailField) else ONE_LINE_MAX
    limit = field.max_length or (MULTI_LINE_MAX if multi_line else default)
    field.max_length = limit
    field.validators = [v for v in field.validators if not isinstance(v, MaxLengthValidator)]
    label = str(field.label) if field.label else pretty_name(name)
    field.validators.append(LengthValidator(limit, label, nouns.get(name, "")))


def guard_fields(fields, nouns: dict[str, str] | None = None) -> None:
    """Adds the fitting validators to every text field in `fields` (a form's fields or base_fields), once: no
    control characters, and a length limit."""
    for name, field in fields.items():
        if not isinstance(field, forms.CharField):
            continue
        _limit_length(name, field, nouns or {})
        if any(isinstance(v, (OneLineValidator, MultiLineValidator)) for v in field.validators):
            continue
        field.validators.append(validator_for(name, field))


def refuse_control_characters(form_class):
    """Class decorator for a form: its text fields refuse control characters and say their length limit (see
    the module's docstring). Fields a form adds in its own __init__ are guarded too."""
    guard_fields(form_class.base_fields, getattr(form_class, "FIELD_NOUNS", {}))
    original_init = form_class.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        guard_fields(self.fields, getattr(self, "FIELD_NOUNS", {}))

    __init__.__wrapped__ = original_init
    form_class.__init__ = __init__
    return form_class
