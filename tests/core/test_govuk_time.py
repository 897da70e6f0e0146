"""One time format everywhere: GOV.UK style ("9:20am", "2pm", "midday", "midnight")."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template

from core.templatetags.govuk import format_date, format_datetime, format_time

LONDON = ZoneInfo("Europe/London")


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        (9, 20, "9:20am"),
        (14, 0, "2pm"),
        (12, 0, "midday"),
        (0, 0, "midnight"),
        (12, 30, "12:30pm"),
        (0, 5, "12:05am"),
        (23, 59, "11:59pm"),
        (9, 5, "9:05am"),
    ],
)
def test_format_time(hour, minute, expected):
    assert format_time(dt.time(hour, minute)) == expected
    assert format_time(dt.datetime(2031, 6, 3, hour, minute, tzinfo=LONDON)) == expected


def test_aware_datetimes_are_shown_in_london_time(settings):
    settings.TIME_ZONE = "Europe/London"
    # 08:20 UTC in June is 9:20am British Summer Time.
    assert format_time(dt.datetime(2031, 6, 3, 8, 20, tzinfo=dt.UTC)) == "9:20am"
    # 12:00 UTC in January is midday GMT.
    assert format_time(dt.datetime(2031, 1, 7, 12, 0, tzinfo=dt.UTC)) == "midday"


def test_format_date_and_datetime():
    when = dt.datetime(2031, 6, 3, 9, 20, tzinfo=LONDON)
    assert format_date(when) == "Tuesday 3 June 2031"
    assert format_date(when, year=False) == "Tuesday 3 June"
    assert format_date(dt.date(2031, 6, 3), weekday=False) == "3 June 2031"
    assert format_datetime(when) == "Tuesday 3 June 2031, 9:20am"
    assert format_datetime(when.replace(hour=12, minute=0), year=False) == "Tuesday 3 June, midday"


@pytest.mark.parametrize("value", [None, "", "not a time", 5])
def test_nothing_to_show_is_blank_not_an_error(value):
    assert format_time(value) == ""
    assert format_datetime(value) == ""
    assert format_date(value) == ""


def test_template_filters():
    when = dt.datetime(2031, 6, 3, 14, 0, tzinfo=LONDON)
    out = Template(
        "{% load govuk %}{{ t|govuk_time }}|{{ t|govuk_datetime }}|{{ t|govuk_datetime:'short' }}|{{ t|govuk_date }}"
    ).render(Context({"t": when}))
    assert out == "2pm|Tuesday 3 June 2031, 2pm|Tuesday 3 June, 2pm|Tuesday 3 June 2031"
