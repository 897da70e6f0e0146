"""Control characters are refused (issue 9): none at all in one-line fields, only line breaks and tabs in
multi-line ones, NUL nowhere; each with a plain message naming the field."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from core.validators import BIDI_CONTROLS, MultiLineValidator, OneLineValidator, refuse_control_characters
from groups.forms import AcceptInvitationForm, AgreementForm, GroupForm, ProfileForm
from sessions_app.forms.scheduling import GlossaryTermForm, SessionForm, VenueForm

CONTROLS = ["\n", "\r", "\r\n", "\t", "\x00", "\x07", "\x1b", "\x7f", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize("char", CONTROLS)
def test_a_one_line_value_with_a_control_character_is_refused(char):
    with pytest.raises(ValidationError) as refused:
        OneLineValidator("Title")(f"Planning{char}day")

    assert refused.value.code == "control_character"
    assert refused.value.messages == ["Remove the line break or special character from the title."]


@pytest.mark.parametrize("value", ["Planning day", "Café ☕ – Zoë's group", "Ψυχή", "👩‍👧 family day", ""])
def test_ordinary_text_is_accepted(value):
    OneLineValidator("Title")(value)
    MultiLineValidator("Notes")(value)


@pytest.mark.parametrize("value", ["line one\nline two", "a\r\nb", "col\tcol"])
def test_a_multi_line_value_keeps_line_breaks_and_tabs(value):
    MultiLineValidator("Notes")(value)


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_a_multi_line_value_refuses_other_control_characters(char):
    with pytest.raises(ValidationError) as refused:
        MultiLineValidator("Notes")(f"a{char}b")

    assert refused.value.code == "control_character"
    assert refused.value.messages == ["Remove the special character from the notes."]


def test_a_label_that_is_a_question_reads_as_this_answer():
    with pytest.raises(ValidationError) as refused:
        OneLineValidator("What you like to be called (optional)")("Pat\n")
    assert refused.value.messages == ["Remove the line break or special character from this answer."]


def test_the_session_title_refuses_a_line_break(group_with_members):
    form = SessionForm(data={"title": "Planning\nday"}, group=group_with_members)

    assert not form.is_valid()
    assert form.errors["title"] == ["Remove the line break or special character from the title."]


def test_the_preferred_name_refuses_a_line_break(parent):
    data = {
        "full_name": "Pat Parent",
        "preferred_name": "Pat\r\nBCC: someone",
        "contact_preference": "email",
        "preferred_language": "English",
    }
    form = ProfileForm(data=data, instance=parent)

    assert not form.is_valid()
    assert list(form.errors) == ["preferred_name"]
    assert form.errors["preferred_name"] == ["Remove the line break or special character from this answer."]


def test_the_access_needs_keep_their_line_breaks_but_not_nul(parent):
    base = {"full_name": "Pat Parent", "contact_preference": "email", "preferred_language": "English"}

    assert ProfileForm(data={**base, "access_needs": "Step-free\nLarge print"}, instance=parent).is_valid()
    form = ProfileForm(data={**base, "access_needs": "Step-free\x00"}, instance=parent)
    assert not form.is_valid() and "access_needs" in form.errors


@pytest.mark.parametrize(
    ("form_class", "field", "kwargs"),
    [
        (GlossaryTermForm, "abbreviation", {}),
        (GlossaryTermForm, "meaning", {}),
        (AcceptInvitationForm, "full_name", {}),
        (AcceptInvitationForm, "preferred_name", {}),
    ],
)
def test_one_line_fields_across_the_forms_refuse_line_breaks(form_class, field, kwargs):
    form = form_class(data={field: "one\ntwo"}, **kwargs)

    assert not form.is_valid()
    assert any("Remove the line break or special character" in e for e in form.errors[field])


def test_venue_and_group_names_refuse_line_breaks(organisation):
    from groups.models import Organisation

    venue = VenueForm(data={"name": "Main\nHall", "address": "1 High St"}, organisations=Organisation.objects.all())
    group = GroupForm(data={"name": "Group\x1b", "kind": "support"}, organisations=Organisation.objects.all())

    assert "name" in venue.errors and "name" in group.errors
    assert venue.errors["name"] == ["Remove the line break or special character from the name of the venue."]


def test_the_agreement_keeps_its_lines():
    assert AgreementForm(data={"text": "We listen.\nWe take turns."}).is_valid()


def test_fields_added_in_init_are_guarded_too():
    @refuse_control_characters
    class Later(forms.Form):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["added"] = forms.CharField()

    form = Later(data={"added": "a\nb"})
    assert not form.is_valid() and "added" in form.errors


def test_a_one_line_value_passes_exactly_when_it_holds_no_control_character():
    """Every character of the Basic Multilingual Plane, alone and inside a word (the characters that reorder how
    text is shown count as control characters)."""
    import unicodedata

    for code in range(0x10000):
        char = chr(code)
        if 0xD800 <= code <= 0xDFFF:
            continue  # surrogates are not text
        has_control = unicodedata.category(char) == "Cc" or char in "\u2028\u2029" or char in BIDI_CONTROLS
        try:
            OneLineValidator("Title")(f"a{char}b")
            passed = True
        except ValidationError:
            passed = False
        assert passed is not has_control, hex(code)


@pytest.mark.parametrize("char", ["\u202e", "\u202d", "\u2066", "\u2069"])
def test_text_that_would_show_reordered_is_refused(char):
    from core.validators import text_check

    with pytest.raises(ValidationError) as excinfo:
        text_check(f"It was {char}fine{char}", noun="what happened", limit=100)
    assert excinfo.value.code == "control_character"
    text_check("Arabic and English together: مرحبا hello", noun="what happened", limit=100)  # plain scripts are fine
