"""The shared helpers in core: money, service errors on forms, safe next addresses, extension points."""

from decimal import Decimal

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from core import extensions
from core.forms import add_service_errors, safe_next_url
from core.money import format_pence, parse_pounds, pence_to_text

MONEY = {"what": "the cost", "example": "£4.50", "maximum": Decimal("500"), "too_much": "Too much."}


@pytest.mark.parametrize(
    ("typed", "pence"),
    [("4.50", 450), ("£12", 1200), ("1,200", 120000), (" 0.05 ", 5), ("", None), ("0", 0)],
)
def test_parse_pounds_accepts_what_people_type(typed, pence):
    assert parse_pounds(typed, **{**MONEY, "maximum": Decimal("5000")}) == pence


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("1e26", "money_format"),
        ("NaN", "money_format"),
        ("Infinity", "money_format"),
        ("four pounds", "money_format"),
        ("1.2.3", "money_format"),
        ("-3", "money_negative"),
        ("4.505", "money_pennies"),
        ("501", "money_too_much"),
        ("9" * 40, "money_format"),
    ],
)
def test_parse_pounds_refuses_with_a_code(typed, code):
    with pytest.raises(ValidationError) as caught:
        parse_pounds(typed, **MONEY)
    assert caught.value.code == code


@pytest.mark.parametrize(("pence", "shown"), [(1250, "£12.50"), (1200, "£12"), (123456, "£1,234.56"), (-50, "-£0.50")])
def test_format_pence(pence, shown):
    assert format_pence(pence) == shown
    assert format_pence(None) == ""


def test_pence_to_text():
    assert pence_to_text(1250) == "12.50"
    assert pence_to_text(None) == ""


class _Form(forms.Form):
    FIELD_FOR = {"starts_at": "start_time"}
    start_time = forms.CharField(required=False)
    title = forms.CharField(required=False)


def test_service_errors_land_on_their_fields_or_the_top():
    form = _Form(data={})
    form.is_valid()
    add_service_errors(form, ValidationError({"starts_at": "Too early.", "title": "Too long.", "nothing_here": "Odd."}))
    assert form.errors["start_time"] == ["Too early."]
    assert form.errors["title"] == ["Too long."]
    assert form.non_field_errors() == ["Odd."]
    plain = _Form(data={})
    plain.is_valid()
    add_service_errors(plain, ValidationError("Not now.", code="closed"))
    assert plain.non_field_errors() == ["Not now."]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("/sessions/3/", "/sessions/3/"),
        ("https://evil.example/", "/home/"),
        ("//evil.example/x", "/home/"),
        ("javascript:alert(1)", "/home/"),
        (None, "/home/"),
    ],
)
def test_safe_next_url(url, expected):
    request = RequestFactory().get("/", HTTP_HOST="coprod.test")
    assert safe_next_url(request, url, "/home/") == expected


def test_extension_point_registers_once_calls_in_order_and_drops_empty_results():
    point = extensions.ExtensionPoint("demo", "For the test.")

    def first(*, value):
        return {"template": "a.html", "value": value}

    def empty(*, value):
        return None

    point.register(first)
    point.register(first)
    point.register(empty)
    assert point.receivers == (first, empty)
    assert point.call(value=3) == [{"template": "a.html", "value": 3}]


def test_markers_are_merged_per_person_and_unknown_people_ignored():
    def receiver(*, request, session, person_ids):
        return {person_ids[0]: [extensions.Marker(label="Safety plan shared", short="Plan")], 999: [None]}

    others = list(extensions.checkin_row_markers.receivers)  # the apps' own, set aside for this test
    for fn in others:
        extensions.checkin_row_markers.unregister(fn)
    extensions.checkin_row_markers.register(receiver)
    try:
        merged = extensions.markers_for(request=None, session=None, person_ids=[1, 2])
    finally:
        extensions.checkin_row_markers.unregister(receiver)
        for fn in others:
            extensions.checkin_row_markers.register(fn)
    assert merged == {1: [extensions.Marker(label="Safety plan shared", short="Plan")], 2: []}


def test_every_extension_point_documents_its_call():
    for point in extensions.all_points():
        assert "Called" in point.__doc__, point.name
