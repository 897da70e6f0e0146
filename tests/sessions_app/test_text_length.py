"""Texts are short, with the time and the place, in one SMS part where possible (issue 11, item 7).

Each registered kind's text template (and the phone code's) is rendered with a realistic, long-ish context: a
40-character session title, a venue, a Wednesday in September at 10:30am (the longest day and month names),
and 60-character links. A kind meant to be short must fit one part: 160 GSM-7 characters (the extension
characters count twice), or 70 if anything is outside GSM-7. The invitation and the chaser carry two one-tap
links (yes and no), so they may take two parts (2 x 153). Reminders must say when and where.
"""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template.loader import render_to_string

from core.templatetags.govuk import format_time
from notifications import registry
from sessions_app.notify import place, when

# GSM 03.38: the basic set, and the extension set (each of which takes two characters' room).
GSM_BASIC = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM_EXTENSION = set("^{}\\[~]|€\f")
ONE_PART_GSM, ONE_PART_UCS2 = 160, 70
PART_GSM_MULTI, PART_UCS2_MULTI = 153, 67

LINK = "https://coprod.bayside.example.org/a/" + "x" * 23  # 60 characters
TITLE = "Planning the summer fun day for families"  # 40 characters
WEDNESDAY = dt.datetime(2031, 9, 24, 10, 30, tzinfo=ZoneInfo("Europe/London"))
VENUE = SimpleNamespace(name="Bayside Family Hub", address="12 Harbour Road\nBayside BS1 2AB")

# Kinds whose text carries two one-tap links (yes and no): two parts at most.
TWO_PARTS = {"invitation", "chaser"}
REMINDERS = {"reminder_days", "reminder_hours"}
# Texts about one session say which day and time (the day without its weekday, where room is short).
SAY_WHEN = REMINDERS | {"cancellation", "chaser", "facilitator_alert", "invitation", "place_offered", "quorum_alert"}
SAY_WHEN |= {"support_decided", "support_requested"}


def is_gsm(text: str) -> bool:
    return all(c in GSM_BASIC or c in GSM_EXTENSION for c in text)


def sms_length(text: str) -> int:
    """Characters as the network counts them: GSM-7 extension characters take two."""
    if is_gsm(text):
        return sum(2 if c in GSM_EXTENSION else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def sms_parts(text: str) -> int:
    length = sms_length(text)
    single, multi = (ONE_PART_GSM, PART_GSM_MULTI) if is_gsm(text) else (ONE_PART_UCS2, PART_UCS2_MULTI)
    return 1 if length <= single else -(-length // multi)


def test_the_gsm_check():
    assert is_gsm("Reminder: £5 at 9:20am. Can't come?") and sms_length("[a]") == 5
    assert not is_gsm("Can’t come?")  # a curly apostrophe makes it a 70-character message
    assert sms_parts("a" * 160) == 1 and sms_parts("a" * 161) == 2 and sms_parts("’" * 71) == 2


def session(*, online: bool = False):
    return SimpleNamespace(
        pk=12345,
        title=TITLE,
        starts_at=WEDNESDAY,
        venue=None if online else VENUE,
        venue_id=None if online else 7,
        joining_link="https://meet.example.test/bayside-summer-planning" if online else "",
    )


def context(kind: str, s) -> dict:
    base = {
        "session": s,
        "when": when(s),
        "link": LINK,
        "yes_link": LINK,
        "no_link": LINK,
        "queue_link": LINK,
        "dashboard_link": LINK,
        "person": SimpleNamespace(display_name="Pat Parent"),
        "code": "123456",
        "count": 12,
        "follow_up": SimpleNamespace(due_on=WEDNESDAY.date()),
        "request": SimpleNamespace(get_kind_display=lambda: "Childcare", status="approved"),
    }
    base["place"] = place(s, show_link=kind in REMINDERS | {"place_offered"})  # as sessions_app.notify gives it
    return base


def text_kinds():
    names = {k.name: k.text_template for k in registry.kinds()}
    names["something_to_look_at"] = registry.SOMETHING_TO_LOOK_AT_TEXT  # what any sensitive kind may send
    return sorted(names.items())


def render(kind: str, template: str, *, online: bool = False) -> str:
    return render_to_string(template, context(kind, session(online=online))).strip()


def test_every_registered_kind_has_a_text_template_tested_here():
    names = [name for name, _ in text_kinds()]
    assert {"invitation", "reminder_days", "reminder_hours", "support_decided", "cancellation"} <= set(names)
    for name, template in text_kinds():
        assert render(name, template), name


@pytest.mark.parametrize("online", [False, True], ids=["at a venue", "online"])
@pytest.mark.parametrize("kind,template", text_kinds(), ids=[name for name, _ in text_kinds()])
def test_each_text_fits_one_part_where_it_can(kind, template, online):
    text = render(kind, template, online=online)
    assert is_gsm(text), f"{kind}: {text!r} has a character outside GSM-7, so it may hold only 70"
    allowed = 2 if kind in TWO_PARTS else 1
    assert sms_parts(text) <= allowed, f"{kind}: {sms_length(text)} characters: {text!r}"


@pytest.mark.parametrize("kind", sorted(SAY_WHEN))
def test_texts_about_a_session_say_when(kind):
    template = dict(text_kinds())[kind]
    text = render(kind, template)
    assert "24 September" in text and "10:30am" in text and TITLE in text, text


@pytest.mark.parametrize("kind", sorted(REMINDERS))
def test_reminders_say_where(kind):
    template = dict(text_kinds())[kind]
    assert "Bayside Family Hub" in render(kind, template)
    assert "online" in render(kind, template, online=True).lower()


@pytest.mark.django_db
def test_a_real_sessions_reminder_says_when_and_where_in_one_part(make_session):
    s = make_session(title=TITLE)
    text = render_to_string("sessions_app/messages/reminder_hours_text.txt", {"session": s, "link": LINK}).strip()
    assert s.venue.name in text and format_time(s.starts_at) in text
    assert sms_parts(text) == 1, text
