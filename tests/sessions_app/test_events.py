"""sessions_app's domain events (sessions_app/events.py) are sent once, after the service's transaction commits,
with their documented arguments, and never for a change that rolls back."""

from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse

from sessions_app import events, services
from sessions_app.models import Answer, CheckIn, Session, SupportRequest

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)
DURING = START + timedelta(minutes=30)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def session(clock, make_session):
    return make_session(starts_at=START)


@pytest.fixture
def draft(clock, make_session):
    return make_session(starts_at=START + timedelta(days=7), publish=False)


@contextmanager
def listening(signal):
    """Everything `signal` is sent, as (sender, kwargs) pairs."""
    seen = []

    def receiver(sender, signal=None, **kwargs):
        seen.append((sender, kwargs))

    signal.connect(receiver, weak=False)
    try:
        yield seen
    finally:
        signal.disconnect(receiver)


def test_session_published_after_commit(draft, facilitator, django_capture_on_commit_callbacks):
    with listening(events.session_published) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            services.session_publish(session=draft, acting_user=facilitator)
            assert seen == []  # not before the commit

    [(sender, kwargs)] = seen
    assert sender is Session
    assert kwargs["session"].pk == draft.pk
    assert kwargs["session"].is_published
    assert kwargs["acting_user_id"] == facilitator.pk


def test_session_cancelled_after_commit(session, org_admin, django_capture_on_commit_callbacks):
    with listening(events.session_cancelled) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            services.session_cancel(session=session, reason="The hall flooded", acting_user=org_admin)
            assert seen == []

    [(sender, kwargs)] = seen
    assert sender is Session
    assert kwargs["session"].pk == session.pk
    assert kwargs["session"].is_cancelled
    assert kwargs["acting_user_id"] == org_admin.pk


@pytest.mark.parametrize("approve", [True, False])
def test_support_request_decided_after_commit(
    session, parent, facilitator, approve, django_capture_on_commit_callbacks
):
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    request = services.support_request_create(
        session=session, user=parent, kind=SupportRequest.Kind.TRAVEL, travel_mode="public", expected_cost_pence=480
    )

    with listening(events.support_request_decided) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            services.support_request_decide(
                request=request, approve=approve, acting_user=facilitator, reason="" if approve else "Too far"
            )
            assert seen == []

    [(sender, kwargs)] = seen
    assert sender is SupportRequest
    assert kwargs["request"].pk == request.pk
    assert (kwargs["session_id"], kwargs["person_id"], kwargs["acting_user_id"]) == (
        session.pk,
        parent.pk,
        facilitator.pk,
    )
    assert kwargs["approved"] is approve
    assert kwargs["amount_pence"] == (480 if approve else None)


def test_attendance_recorded_for_check_in_and_check_out(
    clock, session, parent, facilitator, django_capture_on_commit_callbacks
):
    clock.move_to(DURING)
    with listening(events.attendance_recorded) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            checkin = services.checkin_record(session=session, person=parent, acting_user=facilitator)
            assert seen == []
        with django_capture_on_commit_callbacks(execute=True):
            services.checkout_record(session=session, person=parent, acting_user=parent)

    assert [(sender, kwargs["kind"]) for sender, kwargs in seen] == [(CheckIn, "checkin"), (CheckIn, "checkout")]
    for (_, kwargs), acting in zip(seen, [facilitator, parent], strict=True):
        assert kwargs["checkin"].pk == checkin.pk
        assert (kwargs["session_id"], kwargs["person_id"], kwargs["acting_user_id"]) == (
            session.pk,
            parent.pk,
            acting.pk,
        )


def test_checking_in_twice_is_one_event(clock, session, parent, facilitator, django_capture_on_commit_callbacks):
    clock.move_to(DURING)
    with listening(events.attendance_recorded) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            services.checkin_record(session=session, person=parent, acting_user=facilitator)
            services.checkin_record(session=session, person=parent, acting_user=facilitator)

    assert len(seen) == 1


def test_attendance_closed_after_commit(
    clock, session, parent, professional, facilitator, django_capture_on_commit_callbacks
):
    clock.move_to(DURING)
    services.checkin_record(session=session, person=professional, acting_user=facilitator)
    services.checkin_record(session=session, person=parent, acting_user=facilitator)

    with listening(events.attendance_closed) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            services.session_attendance_close(session=session, acting_user=facilitator)
            assert seen == []

    [(sender, kwargs)] = seen
    assert sender is Session
    assert kwargs["session"].pk == session.pk
    assert kwargs["session"].attendance_closed_by == facilitator
    assert kwargs["acting_user_id"] == facilitator.pk
    assert kwargs["person_ids"] == sorted([parent.pk, professional.pk])


def test_a_closed_register_takes_no_more_check_ins_and_closing_twice_sends_nothing(
    clock, session, parent, facilitator, django_capture_on_commit_callbacks
):
    clock.move_to(DURING)
    services.session_attendance_close(session=session, acting_user=facilitator)
    session.refresh_from_db()

    with pytest.raises(ValidationError) as exc:
        services.checkin_record(session=session, person=parent, acting_user=facilitator)
    assert exc.value.error_list[0].code == "attendance_closed"

    with listening(events.attendance_closed) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            services.session_attendance_close(session=session, acting_user=facilitator)
    assert seen == []


SENDERS = {
    "session_published": lambda s: services.session_publish(session=s["draft"], acting_user=s["facilitator"]),
    "session_cancelled": lambda s: services.session_cancel(
        session=s["session"], reason="Flooded", acting_user=s["facilitator"]
    ),
    "attendance_recorded": lambda s: (
        s["clock"].move_to(DURING)
        or services.checkin_record(session=s["session"], person=s["parent"], acting_user=s["facilitator"])
    ),
    "attendance_closed": lambda s: (
        s["clock"].move_to(DURING)
        or services.session_attendance_close(session=s["session"], acting_user=s["facilitator"])
    ),
}


@pytest.mark.parametrize("name", sorted(SENDERS))
def test_nothing_is_sent_when_the_change_rolls_back(
    name, clock, session, draft, parent, facilitator, django_capture_on_commit_callbacks
):
    scene = {"clock": clock, "session": session, "draft": draft, "parent": parent, "facilitator": facilitator}
    with listening(events.ALL[name]) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(RuntimeError), transaction.atomic():
                SENDERS[name](scene)
                raise RuntimeError("something later in the same request failed")

    assert seen == []


def test_a_refused_call_sends_nothing(session, facilitator, django_capture_on_commit_callbacks):
    with listening(events.attendance_closed) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            with pytest.raises(ValidationError):
                services.session_attendance_close(session=session, acting_user=facilitator)  # not started yet

    assert seen == []


def test_a_facilitator_closes_the_register_from_the_check_in_screen(
    client, clock, session, parent, facilitator, django_capture_on_commit_callbacks
):
    clock.move_to(DURING)
    services.checkin_record(session=session, person=parent, acting_user=facilitator)
    client.force_login(facilitator)
    url = reverse("sessions_app:checkin_screen", args=[session.pk])
    assert "Close the register" in client.get(url).content.decode()

    with listening(events.attendance_closed) as seen:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url, {"close_register": "yes"}, follow=True)

    page = response.content.decode()
    assert "The register is closed." in page
    assert "The register was closed at 10:30" in page
    assert "Close the register" not in page
    assert f'name="in-{parent.pk}-feeling"' not in page and f"out-{parent.pk}-feeling" not in page
    assert [kwargs["person_ids"] for _, kwargs in seen] == [[parent.pk]]


def test_a_member_cannot_close_the_register(client, clock, session, parent):
    clock.move_to(DURING)
    client.force_login(parent)

    response = client.post(reverse("sessions_app:checkin_screen", args=[session.pk]), {"close_register": "yes"})

    assert response.status_code == 403
    session.refresh_from_db()
    assert session.attendance_closed_at is None
