"""Dates and times written the GOV.UK way, one format everywhere people read them.

GOV.UK style: "9:20am", "2pm" (no ":00"), "midday" and "midnight" rather than "12pm" and "12am";
dates as "Tuesday 3 June 2031". Templates use the filters::

    {% load govuk %}
    {{ session.starts_at|govuk_time }}          -> 9:20am
    {{ session.starts_at|govuk_datetime }}      -> Tuesday 3 June 2031, 9:20am
    {{ s.starts_at|govuk_time }} to {{ s.ends_at|govuk_time }}  -> 9:20am to 11am

Python code that writes words for people (emails, texts, messages) calls ``format_time`` and
``format_datetime`` directly. Aware datetimes are shown in the current time zone (Europe/London);
a ``<time datetime="...">`` attribute stays machine-readable with ``|date:"c"``.
"""

import datetime as dt

from django import template
from django.forms import BaseForm
from django.forms.formsets import BaseFormSet
from django.utils import timezone

register = template.Library()

_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _local(value):
    if isinstance(value, dt.datetime) and timezone.is_aware(value):
        return timezone.localtime(value)
    return value


def format_time(value) -> str:
    """``9:20am``, ``2pm``, ``midday``, ``midnight``; '' for None or anything that is not a time."""
    value = _local(value)
    if not isinstance(value, (dt.datetime, dt.time)):
        return ""
    hour, minute = value.hour, value.minute
    if minute == 0 and hour == 12:
        return "midday"
    if minute == 0 and hour == 0:
        return "midnight"
    suffix = "am" if hour < 12 else "pm"
    hour12 = hour % 12 or 12
    return f"{hour12}{suffix}" if minute == 0 else f"{hour12}:{minute:02d}{suffix}"


def format_date(value, *, weekday: bool = True, year: bool = True) -> str:
    """``Tuesday 3 June 2031``; without the weekday or the year when asked; '' for None."""
    value = _local(value)
    if not isinstance(value, dt.date):
        return ""
    parts = []
    if weekday:
        parts.append(_DAYS[value.weekday()])
    parts.append(f"{value.day} {_MONTHS[value.month - 1]}")
    if year:
        parts.append(str(value.year))
    return " ".join(parts)


def format_datetime(value, *, weekday: bool = True, year: bool = True) -> str:
    """``Tuesday 3 June 2031, 9:20am``; '' for None."""
    value = _local(value)
    if not isinstance(value, dt.datetime):
        return ""
    return f"{format_date(value, weekday=weekday, year=year)}, {format_time(value)}"


@register.filter
def govuk_time(value):
    """``9:20am``, ``2pm``, ``midday``, ``midnight``."""
    return format_time(value)


@register.filter
def govuk_date(value, arg=""):
    """``Tuesday 3 June 2031``; ``|govuk_date:"short"`` leaves out the year (``Tuesday 3 June``)."""
    return format_date(value, year=arg != "short")


@register.filter
def govuk_datetime(value, arg=""):
    """``Tuesday 3 June 2031, 9:20am``; ``|govuk_datetime:"short"`` leaves out the year."""
    return format_datetime(value, year=arg != "short")


def _has_errors(value) -> bool:
    # type(), not isinstance(): isinstance would open lazy values (the CSRF token, the user) just to look.
    kind = type(value)
    if issubclass(kind, BaseForm):
        return value.is_bound and bool(value.errors)
    if issubclass(kind, BaseFormSet):
        return value.is_bound and value.total_error_count() > 0
    return False


class PageTitleNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist

    def render(self, context):
        title = " ".join(self.nodelist.render(context).split())
        if not title.startswith("Error: ") and any(_has_errors(v) for v in context.flatten().values()):
            title = "Error: " + title
        return title


@register.tag
def page_title(parser, token):
    """``{% page_title %}...{% end_page_title %}``: the page's <title>, with ``Error: `` in front when a form on
    the page was sent back with problems (GOV.UK: the title is the first thing a screen reader says). Looks at
    every form and formset in the context, as templates/includes/error_summary.html shows their errors; a title
    that already says "Error: " is left as it is."""
    nodelist = parser.parse(("end_page_title",))
    parser.delete_first_token()
    return PageTitleNode(nodelist)
