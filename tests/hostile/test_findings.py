"""The bad input a load-and-fault run found (issue 10): each is refused in plain words, never a 500, and
nothing of it is saved. The session builder is tested through the page and through the service, since a caller
that skips the form must be refused too."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from sessions_app import services
from sessions_app.models import AgendaItem, Answer, Break, Session, SupportRequest

from .conftest import changed_tables, row_counts

LONDON = ZoneInfo("Europe/London")


def error_codes(error: ValidationError) -> set[str]:
    if hasattr(error, "error_dict"):
        return {e.code for errors in error.error_dict.values() for e in errors}
    return {e.code for e in error.error_list}


def post_builder(client, group, data):
    return client.post(reverse("sessions_app:create", args=[group.pk]), data)


def refused_on_page(response, words: str) -> None:
    assert response.status_code == 200, response.status_code
    page = response.content.decode()
    assert "There is a problem" in page
    assert words in page, words


# --- dates -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1900-06-01", "9999-12-31", "2025-01-01"])
def test_the_builder_refuses_a_session_out_of_range(client, group_with_members, facilitator, builder, day):
    client.force_login(facilitator)
    before = row_counts()

    response = post_builder(client, group_with_members, builder(date=day))

    refused_on_page(response, "Enter a date from today up to")
    assert changed_tables(before, row_counts()) == {}


def test_the_builder_says_the_last_date_it_takes(client, group_with_members, facilitator, builder):
    client.force_login(facilitator)
    last = timezone.localdate() + timedelta(days=730)

    too_late = post_builder(client, group_with_members, builder(date=(last + timedelta(days=1)).isoformat()))
    on_the_last_day = post_builder(client, group_with_members, builder(date=last.isoformat()))

    refused_on_page(too_late, f"Enter a date from today up to {last.day} {last:%B %Y}")
    assert on_the_last_day.status_code == 302
    assert Session.objects.get().starts_at.astimezone(LONDON).date() == last


@pytest.mark.parametrize("year", [1, 1900, 9999])
def test_the_service_refuses_a_session_out_of_range(group_with_members, facilitator, venue, year):
    starts = datetime(year, 6, 1, 10, tzinfo=LONDON)

    with pytest.raises(ValidationError) as refused:
        services.session_create(
            group=group_with_members,
            acting_user=facilitator,
            title="Far away",
            purpose="Out of range.",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            format=Session.Format.IN_PERSON,
            venue=venue,
        )

    assert "date_out_of_range" in error_codes(refused.value)
    assert not Session.objects.exists()


CALENDAR_EDGES = [datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC) - timedelta(hours=3)]


@pytest.mark.parametrize("edge", CALENDAR_EDGES)
def test_the_service_refuses_the_edges_of_the_calendar(group_with_members, facilitator, venue, edge):
    with pytest.raises(ValidationError) as refused:
        services.session_create(
            group=group_with_members,
            acting_user=facilitator,
            title="The edge",
            purpose="Out of range.",
            starts_at=edge,
            ends_at=edge + timedelta(hours=2),
            format=Session.Format.IN_PERSON,
            venue=venue,
        )

    assert "date_out_of_range" in error_codes(refused.value)


def test_a_series_may_not_run_past_the_last_date(group_with_members, facilitator, venue):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=700)

    with pytest.raises(ValidationError) as refused:
        services.session_create(
            group=group_with_members,
            acting_user=facilitator,
            title="Long series",
            purpose="Runs past two years.",
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            format=Session.Format.IN_PERSON,
            venue=venue,
            repeat_weeks=10,
        )

    assert "date_out_of_range" in error_codes(refused.value)
    assert not Session.objects.exists()


def test_rescheduling_is_bounded_but_a_held_session_keeps_its_date(client, make_session, facilitator, builder):
    session = make_session(publish=False)
    client.force_login(facilitator)
    url = reverse("sessions_app:edit", args=[session.pk])

    response = client.post(url, builder(date="9999-12-31", repeat_weeks=""))

    refused_on_page(response, "Enter a date from today up to")
    session.refresh_from_db()
    assert session.starts_at.year != 9999
    with pytest.raises(ValidationError) as refused:
        services.session_update(
            session=session,
            acting_user=facilitator,
            starts_at=datetime(1, 1, 1, 10, tzinfo=LONDON),
            ends_at=datetime(1, 1, 1, 12, tzinfo=LONDON),
        )
    assert "date_out_of_range" in error_codes(refused.value)


def test_a_session_that_has_happened_can_still_have_its_title_corrected(client, make_session, facilitator, builder):
    session = make_session(publish=False, starts_at=timezone.now() + timedelta(days=1))
    Session.objects.filter(pk=session.pk).update(
        starts_at=session.starts_at - timedelta(days=30), ends_at=session.ends_at - timedelta(days=30)
    )
    session.refresh_from_db()
    held_on = timezone.localtime(session.starts_at, LONDON)
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:edit", args=[session.pk]),
        builder(
            title="Corrected title",
            date=held_on.date().isoformat(),
            start_time=f"{held_on:%H:%M}",
            end_time=f"{timezone.localtime(session.ends_at, LONDON):%H:%M}",
            breaks="",
        ),
    )

    assert response.status_code == 302, response.content.decode()[:3000]
    session.refresh_from_db()
    assert session.title == "Corrected title"


# --- sizes -----------------------------------------------------------------------------------------------


def test_a_two_megabyte_purpose_is_refused_with_the_limit(client, group_with_members, facilitator, builder):
    client.force_login(facilitator)
    before = row_counts()

    response = post_builder(client, group_with_members, builder(purpose="x" * 2_000_000))

    refused_on_page(response, "Keep the purpose to 5,000 characters or fewer (you have 2,000,000)")
    assert changed_tables(before, row_counts()) == {}


def test_a_ten_thousand_line_agenda_is_refused(client, group_with_members, facilitator, builder):
    client.force_login(facilitator)

    response = post_builder(client, group_with_members, builder(agenda="\n".join(["An item"] * 10_000)))

    refused_on_page(response, "at most 50 items (you have 10,000)")
    assert not Session.objects.exists() and not AgendaItem.objects.exists()


def test_a_thousand_identical_breaks_are_refused(client, group_with_members, facilitator, builder):
    client.force_login(facilitator)

    response = post_builder(client, group_with_members, builder(breaks="\n".join(["11:00 for 15 minutes"] * 1000)))

    refused_on_page(response, "at most 10 breaks (you have 1,000)")
    assert not Session.objects.exists() and not Break.objects.exists()


def test_the_same_break_twice_is_refused(client, group_with_members, facilitator, builder):
    client.force_login(facilitator)

    response = post_builder(client, group_with_members, builder(breaks="11:00 for 15 minutes\n11:00 for 15 minutes"))

    refused_on_page(response, "already a break at that time")
    assert not Session.objects.exists()


def test_the_service_refuses_what_the_form_refuses(group_with_members, facilitator, venue):
    starts = timezone.now().replace(microsecond=0) + timedelta(days=7)
    common = {
        "group": group_with_members,
        "acting_user": facilitator,
        "title": "Sizes",
        "starts_at": starts,
        "ends_at": starts + timedelta(hours=2),
        "format": Session.Format.IN_PERSON,
        "venue": venue,
    }
    attempts = {
        "text_too_long": {"purpose": "x" * 5001},
        "too_many_agenda_items": {"purpose": "ok", "agenda": ["An item"] * 51},
        "agenda_item_too_long": {"purpose": "ok", "agenda": ["x" * 201]},
        "too_many_breaks": {
            "purpose": "ok",
            "breaks": [services.BreakPlan(starts + timedelta(minutes=i), 1) for i in range(11)],
        },
        "break_twice": {
            "purpose": "ok",
            "breaks": [services.BreakPlan(starts + timedelta(minutes=30), 15)] * 2,
        },
        "control_character": {"purpose": "ok\x00"},
    }
    for code, fields in attempts.items():
        with pytest.raises(ValidationError) as refused:
            services.session_create(**common, **fields)
        assert code in error_codes(refused.value), (code, refused.value)
    assert not Session.objects.exists()


# --- the calendar feed address ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    ["\x00", "abc\x00def", "x" * 5000, "%00", "' OR 1=1 --", "\u202e" * 10, "😀" * 43, "a" * 44],
)
def test_a_hostile_calendar_address_is_not_found(client, parent, token):
    services.calendar_feed_get_or_create(user=parent)

    response = client.get(f"/calendar/{token}.ics")

    assert response.status_code == 404


def test_the_real_calendar_address_still_works(client, parent):
    feed = services.calendar_feed_get_or_create(user=parent)

    assert client.get(reverse("sessions_app:calendar_feed", args=[feed.token])).status_code == 200


# --- money -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("amount", ["1e26", "NaN", "Infinity", "-1", "1E+2", "0x10", "٣", "1" * 40])
def test_an_odd_expected_cost_is_refused(client, make_session, parent, amount):
    session = make_session()
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    client.force_login(parent)

    response = client.post(
        reverse("sessions_app:support_request", args=[session.pk]),
        {"kind": "travel", "travel_mode": "public", "expected_cost": amount},
    )

    refused_on_page(response, "")
    assert not SupportRequest.objects.exists()


def test_the_support_service_refuses_an_impossible_amount(make_session, parent):
    session = make_session()
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)

    with pytest.raises(ValidationError) as refused:
        services.support_request_create(
            session=session, user=parent, kind="travel", travel_mode="public", expected_cost_pence=10**26
        )

    assert "money_too_much" in error_codes(refused.value)
    assert not SupportRequest.objects.exists()


# --- other dates and addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize("due_on", ["9999-12-31", "0001-01-01", "1900-01-01"])
def test_an_action_due_in_a_far_year_is_refused(client, make_session, facilitator, parent, due_on):
    session = make_session()
    client.force_login(facilitator)
    url = reverse("sessions_app:record", args=[session.pk])

    action = {"action-description": "Book the hall.", "action-owner": parent.pk, "action-due_on": due_on}

    response = client.post(url, {"form": "action", **action})

    refused_on_page(response, "Enter a date from")
    with pytest.raises(ValidationError) as refused:
        services.action_record(
            session=session,
            description="Book the hall.",
            owner=parent,
            due_on=datetime.fromisoformat(due_on).date(),
            acting_user=facilitator,
        )
    assert "date_out_of_range" in error_codes(refused.value)


@pytest.mark.parametrize("where", ["line", "\u2028line", "/ok/\x00", "javascript:alert(1)"])
def test_an_odd_next_address_on_the_glossary_goes_back_safely(client, group_with_members, facilitator, where):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:glossary", args=[group_with_members.pk]),
        {"abbreviation": "EHCP", "meaning": "Education, Health and Care Plan", "next": where},
    )

    assert response.status_code in (200, 302)
    assert where not in response.get("Location", "")
