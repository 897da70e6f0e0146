"""No control characters in what people type.

A one-line field (a title, a name, a venue) holds no control character at all: not a line break, not a tab, not
NUL, not the Unicode line and paragraph separators. A line break in a title would break a calendar file, an email
subject or a text message built from it. A multi-line field (notes, an agreement) may hold line breaks and tabs,
but no other control character, and never NUL (PostgreSQL cannot store it).

Forms use `@refuse_control_characters` on the class: every text field gets the validator that fits its widget
(a Textarea is multi-line; everything else is one line), with a plain message naming the field.
"""

import unicodedata

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import pretty_name
from django.utils.deconstruct import deconstructible

LINE_SEPARATORS = {"\u2028", "\u2029"}
MULTI_LINE_ALLOWED = {"\t", "\n", "\r"}
# Labels that are questions or phrases read badly after "from the": the message says "this answer" instead.
_PHRASE_STARTS = {"what", "how", "who", "why", "when", "where", "which", "anything", "any", "your", "their", "the"}


def _is_control(char: str) -> bool:
    return unicodedata.category(char) == "Cc" or char in LINE_SEPARATORS


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


def validator_for(name: str, field: forms.Field):
    """The validator that fits the field's widget, named with the field's label."""
    label = str(field.label) if field.label else pretty_name(name)
    if isinstance(field.widget, forms.Textarea):
        return MultiLineValidator(label)
    return OneLineValidator(label)


def guard_fields(fields) -> None:
    """Adds the fitting validator to every text field in `fields` (a form's fields or base_fields), once."""
    for name, field in fields.items():
        if not isinstance(field, forms.CharField):
            continue
        if any(isinstance(v, (OneLineValidator, MultiLineValidator)) for v in field.validators):
            continue
        field.validators.append(validator_for(name, field))


def refuse_control_characters(form_class):
    """Class decorator for a form: its text fields refuse control characters (see the module's docstring).
    Fields a form adds in its own __init__ are guarded too."""
    guard_fields(form_class.base_fields)
    original_init = form_class.__init__

    def __init__(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        guard_fields(self.fields)

    __init__.__wrapped__ = original_init
    form_class.__init__ = __init__
    return form_class
