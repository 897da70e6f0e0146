"""Every sessions_app service that changes something leaves exactly one audit event, naming who acted (the
person themselves for their own answer, the job for scheduled work) and what it acted on; a call that is
refused leaves none.

Time is pinned: "now" is Wednesday 20 February 2030; the session meets on Friday 1 March 2030, 10:00 to 12:00
in London. Cases that need the session under way travel to 10:30 on the day.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from core.models import AuditEvent
from groups import services as group_services
from sessions_app import checks, services
from sessions_app.models import Answer, FollowUp, SessionFacilitator

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)
DURING = START + timedelta(minutes=30)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def w(clock, make_session, group_with_members, organisation, org_admin, facilitator, facilitator2, parent, venue):
    """The world each case starts from: a published session (`session`) and a draft (`draft`) of the mothers'
    group, both led by `facilitator` with `facilitator2` supporting."""
    return SimpleNamespace(
        clock=clock,
        group=group_with_members,
        organisation=organisation,
        org_admin=org_admin,
        facilitator=facilitator,
        facilitator2=facilitator2,
        parent=parent,
        venue=venue,
        session=make_session(starts_at=START),
        draft=make_session(starts_at=START + timedelta(days=7), publish=False),
    )


@dataclass
class Case:
    """`prepare(w)` sets the scene (not counted) and returns a function that makes the one call under test;
    `actor(w)` is who the event must name, `obj(w, result)` what it must be about."""

    action: str
    prepare: object
    actor: object
    obj: object
    in_organisation: bool = True  # a person's own calendar address belongs to no organisation


def _yes(w):
    services.rsvp_answer(session=w.session, user=w.parent, answer=Answer.YES)


def _ask(w):
    _yes(w)
    return services.support_request_create(session=w.session, user=w.parent, kind="interpreter", language="Polish")


def _checked_in(w):
    w.clock.move_to(DURING)
    return services.checkin_record(session=w.session, person=w.parent, acting_user=w.facilitator)


def _during(w):
    w.clock.move_to(DURING)


def _follow_up(w):
    _checked_in(w)
    services.checkout_record(session=w.session, person=w.parent, acting_user=w.parent, wants_to_talk=True)
    return FollowUp.objects.get(session=w.session, person=w.parent)


def _quorum_group(w):
    group_services.group_update(group=w.group, acting_user=w.org_admin, parent_quorum=1)
    w.session.group.refresh_from_db()


def _inquorate_decision(w):
    _quorum_group(w)
    _during(w)
    return services.decision_record(
        session=w.session, proposal="Meet monthly", outcome="Agreed", acting_user=w.facilitator
    )


def _confirm(w):
    decision = _inquorate_decision(w)
    # The next meeting has the parent checked in, so it is quorate.
    next_week = services.session_publish(session=w.draft, acting_user=w.facilitator)
    w.clock.move_to(START + timedelta(days=7, minutes=30))
    services.checkin_record(session=next_week, person=w.parent, acting_user=w.facilitator)
    return lambda: services.decision_confirm(decision=decision, at_session=next_week, acting_user=w.facilitator)


def _action(w):
    return services.action_record(
        session=w.session, description="Book the hall", owner=w.parent, due_on=None, acting_user=w.facilitator
    )


FACILITATOR = lambda w: w.facilitator  # noqa: E731
PARENT = lambda w: w.parent  # noqa: E731
RESULT = lambda w, result: result  # noqa: E731
SESSION = lambda w, result: w.session  # noqa: E731

CASES = [
    Case(
        "venue.created",
        lambda w: (
            lambda: services.venue_create(
                organisation=w.organisation, acting_user=w.org_admin, name="Library", address="3 Book Lane"
            )
        ),
        lambda w: w.org_admin,
        RESULT,
    ),
    Case(
        "glossary_term.saved",
        lambda w: (
            lambda: services.glossary_term_save(
                group=w.group, abbreviation="SEND", meaning="Special educational needs", acting_user=w.facilitator
            )
        ),
        FACILITATOR,
        RESULT,
    ),
    Case(
        "glossary_term.deleted",
        lambda w: (lambda term: lambda: services.glossary_term_delete(term=term, acting_user=w.facilitator))(
            services.glossary_term_save(group=w.group, abbreviation="EHCP", meaning="A plan", acting_user=w.facilitator)
        ),
        FACILITATOR,
        lambda w, result: w.group,
    ),
    Case(
        "session.created",
        lambda w: (
            lambda: services.session_create(
                group=w.group,
                acting_user=w.facilitator,
                title="Coffee morning",
                purpose="Meet each other",
                starts_at=START + timedelta(days=1),
                ends_at=START + timedelta(days=1, hours=1),
                format="in_person",
                venue=w.venue,
                repeat_weeks=3,
            )
        ),
        FACILITATOR,
        lambda w, result: result[0],
    ),
    Case(
        "session.updated",
        lambda w: lambda: services.session_update(session=w.session, acting_user=w.facilitator2, capacity=8),
        lambda w: w.facilitator2,
        SESSION,
    ),
    Case(
        "session.published",
        lambda w: lambda: services.session_publish(session=w.draft, acting_user=w.facilitator2),
        lambda w: w.facilitator2,
        lambda w, result: w.draft,
    ),
    Case(
        "session.cancelled",
        lambda w: (
            lambda: services.session_cancel(session=w.session, reason="The hall flooded", acting_user=w.org_admin)
        ),
        lambda w: w.org_admin,
        SESSION,
    ),
    Case(
        "facilitator.withdrawn",
        lambda w: (
            lambda: services.facilitator_withdraw(
                session=w.session, user=w.facilitator2, acting_user=w.facilitator2, reason="Unwell"
            )
        ),
        lambda w: w.facilitator2,
        RESULT,
    ),
    Case(
        "facilitator.joined",
        lambda w: (
            services.facilitator_withdraw(session=w.session, user=w.facilitator2, acting_user=w.facilitator2)
            and (
                lambda: services.facilitator_join(
                    session=w.session, user=w.facilitator2, role="support", acting_user=w.facilitator2
                )
            )
        ),
        lambda w: w.facilitator2,
        RESULT,
    ),
    Case(
        "preparation.added",
        lambda w: (
            lambda: services.preparation_add(
                session=w.session, title="Agenda", text="Read this first", acting_user=w.facilitator
            )
        ),
        FACILITATOR,
        RESULT,
    ),
    Case(
        "rsvp.answered",
        lambda w: lambda: services.rsvp_answer(session=w.session, user=w.parent, answer=Answer.YES),
        PARENT,
        lambda w, result: result.rsvp,
    ),
    Case(
        "support_request.created",
        lambda w: (
            _yes(w)
            or (
                lambda: services.support_request_create(
                    session=w.session, user=w.parent, kind="interpreter", language="Polish"
                )
            )
        ),
        PARENT,
        RESULT,
    ),
    Case(
        "support_request.decided",
        lambda w: (
            lambda request: (
                lambda: services.support_request_decide(request=request, approve=True, acting_user=w.facilitator)
            )
        )(_ask(w)),
        FACILITATOR,
        RESULT,
    ),
    Case(
        "support_request.withdrawn",
        lambda w: (lambda request: lambda: services.support_request_withdraw(request=request, acting_user=w.parent))(
            _ask(w)
        ),
        PARENT,
        RESULT,
    ),
    Case(
        "checkin.recorded",
        lambda w: (
            _during(w)
            or (
                lambda: services.checkin_record(
                    session=w.session, person=w.parent, acting_user=w.facilitator, feeling=4
                )
            )
        ),
        FACILITATOR,
        RESULT,
    ),
    Case(
        "checkout.recorded",
        lambda w: (
            _checked_in(w)
            and (lambda: services.checkout_record(session=w.session, person=w.parent, acting_user=w.parent, feeling=2))
        ),
        PARENT,
        RESULT,
    ),
    Case(
        "follow_up.closed",
        lambda w: (
            lambda follow_up: (
                lambda: services.follow_up_close(
                    follow_up=follow_up, note="We talked on the phone", acting_user=w.facilitator
                )
            )
        )(_follow_up(w)),
        FACILITATOR,
        RESULT,
    ),
    Case(
        "attendance.closed",
        lambda w: (
            _checked_in(w) and (lambda: services.session_attendance_close(session=w.session, acting_user=w.facilitator))
        ),
        FACILITATOR,
        SESSION,
    ),
    Case(
        "debrief.recorded",
        lambda w: (
            _during(w)
            or (
                lambda: services.debrief_record(
                    session=w.session, acting_user=w.facilitator, went_well="a", was_hard="b", to_change="c"
                )
            )
        ),
        FACILITATOR,
        RESULT,
    ),
    Case(
        "decision.recorded",
        lambda w: (
            lambda: services.decision_record(
                session=w.session, proposal="Meet monthly", outcome="Agreed", acting_user=w.facilitator
            )
        ),
        FACILITATOR,
        RESULT,
    ),
    Case("decision.confirmed", _confirm, FACILITATOR, RESULT),
    Case("action.recorded", lambda w: lambda: _action(w), FACILITATOR, RESULT),
    Case(
        "action.status_changed",
        lambda w: (
            lambda action: lambda: services.action_set_status(action=action, status="done", acting_user=w.parent)
        )(_action(w)),
        PARENT,
        RESULT,
    ),
    Case(
        "win.recorded",
        lambda w: lambda: services.win_record(session=w.session, description="A new crèche", acting_user=w.facilitator),
        FACILITATOR,
        RESULT,
    ),
    Case(
        "calendar_feed.created",
        lambda w: lambda: services.calendar_feed_get_or_create(user=w.parent),
        PARENT,
        RESULT,
        in_organisation=False,
    ),
    Case(
        "calendar_feed.renewed",
        lambda w: (
            services.calendar_feed_get_or_create(user=w.parent)
            and (lambda: services.calendar_feed_renew(user=w.parent))
        ),
        PARENT,
        RESULT,
        in_organisation=False,
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.action for c in CASES])
def test_each_service_leaves_one_event_naming_its_actor_and_object(w, case):
    # given
    call = case.prepare(w)
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    # when
    result = call()

    # then
    [event] = AuditEvent.objects.exclude(pk__in=before)
    expected = case.obj(w, result)
    assert event.action == case.action
    assert event.actor == case.actor(w)
    assert (event.object_type, event.object_id) == (expected._meta.label_lower, str(expected.pk))
    assert event.organisation_id == (w.organisation.pk if case.in_organisation else None)


def test_the_scheduled_quorum_count_names_its_job(w):
    # given a committee with a parent quorum, the meeting under way and the parent checked in
    _quorum_group(w)
    _checked_in(w)
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    # when the record-quorums job runs (it calls the service with no person)
    record = services.quorum_record(session=w.session)

    # then
    [event] = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.actor, event.actor_label) == ("quorum.recorded", None, "job:record-quorums")
    assert (event.object_type, event.object_id) == ("sessions_app.quorumrecord", str(record.pk))
    assert event.data["parents_present"] == 1


def test_a_weekly_series_is_one_event_listing_every_session(w):
    created = services.session_create(
        group=w.group,
        acting_user=w.facilitator,
        title="Coffee morning",
        purpose="Meet each other",
        starts_at=START + timedelta(days=1),
        ends_at=START + timedelta(days=1, hours=1),
        format="in_person",
        venue=w.venue,
        repeat_weeks=4,
    )

    [event] = AuditEvent.objects.filter(action="session.created", object_id=str(created[0].pk))
    assert event.data["session_ids"] == [s.pk for s in created]
    assert event.data["series_id"] == created[0].series_id


def test_no_personal_words_in_the_facts(w):
    """Feelings, notes and reasons stay in their own records; the trail keeps ids, states and counts."""
    _follow_up(w)
    follow_up = FollowUp.objects.get()
    services.follow_up_close(follow_up=follow_up, note="Talked about her worries", acting_user=w.facilitator)
    services.facilitator_withdraw(session=w.session, user=w.facilitator2, acting_user=w.facilitator2, reason="Ill")

    facts = str(list(AuditEvent.objects.values_list("data", flat=True)))
    assert "worries" not in facts
    assert "Ill" not in facts


REFUSED = [
    ("answer before publishing", lambda w: services.rsvp_answer(session=w.draft, user=w.parent, answer=Answer.YES)),
    (
        "cancel without a reason",
        lambda w: services.session_cancel(session=w.session, reason=" ", acting_user=w.facilitator),
    ),
    (
        "publish without a support",
        lambda w: _withdrawn_support(w) or services.session_publish(session=w.draft, acting_user=w.facilitator),
    ),
    (
        "check in too early",
        lambda w: services.checkin_record(session=w.session, person=w.parent, acting_user=w.facilitator),
    ),
    (
        "support without a yes",
        lambda w: services.support_request_create(
            session=w.session, user=w.parent, kind="interpreter", language="Polish"
        ),
    ),
    (
        "debrief before the start",
        lambda w: services.debrief_record(
            session=w.session, acting_user=w.facilitator, went_well="a", was_hard="b", to_change="c"
        ),
    ),
    (
        "close the register before the start",
        lambda w: services.session_attendance_close(session=w.session, acting_user=w.facilitator),
    ),
    (
        "a break outside the session",
        lambda w: services.session_update(
            session=w.session,
            acting_user=w.facilitator,
            capacity=3,
            breaks=[services.BreakPlan(START - timedelta(hours=2), 10)],
        ),
    ),
]


def _withdrawn_support(w):
    services.facilitator_withdraw(session=w.draft, user=w.facilitator2, acting_user=w.facilitator2)


@pytest.mark.parametrize("name, call", REFUSED, ids=[name for name, _ in REFUSED])
def test_a_refused_call_leaves_no_event(w, name, call):
    before = AuditEvent.objects.count()
    setup_events = 1 if name == "publish without a support" else 0  # the withdrawal itself is recorded

    with pytest.raises(ValidationError):
        call(w)

    assert AuditEvent.objects.count() == before + setup_events


def test_a_change_rolled_back_after_its_save_leaves_no_event(w):
    """session_update saves the session before it checks the breaks; the refusal rolls both back."""
    with pytest.raises(ValidationError):
        services.session_update(
            session=w.session,
            acting_user=w.facilitator,
            capacity=3,
            breaks=[services.BreakPlan(START - timedelta(hours=2), 10)],
        )

    w.session.refresh_from_db()
    assert w.session.capacity is None
    assert not AuditEvent.objects.filter(action="session.updated").exists()


def test_doing_nothing_new_records_nothing(w):
    """The same answer twice, publishing a published session and cancelling twice change nothing."""
    services.rsvp_answer(session=w.session, user=w.parent, answer=Answer.YES)
    services.session_cancel(session=w.draft, reason="No room", acting_user=w.facilitator)
    before = AuditEvent.objects.count()

    services.rsvp_answer(session=w.session, user=w.parent, answer=Answer.YES)
    services.session_publish(session=w.session, acting_user=w.facilitator)
    services.session_cancel(session=w.draft, reason="No room", acting_user=w.facilitator)

    assert AuditEvent.objects.count() == before
    assert SessionFacilitator.objects.filter(session=w.session, withdrawn_at__isnull=True).count() == 2


def test_the_facilitator_watch_names_its_job(w):
    # given the support facilitator stepped back from the published session
    services.facilitator_withdraw(session=w.session, user=w.facilitator2, acting_user=w.facilitator2)
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    # when the watch runs, twice
    [alert] = checks.facilitator_watch_run()
    checks.facilitator_watch_run()

    # then one event, for the one alert raised
    [event] = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.actor, event.actor_label) == (
        "facilitator_alert.raised",
        None,
        "job:watch-facilitators",
    )
    assert (event.object_type, event.object_id) == ("sessions_app.facilitatoralert", str(alert.pk))
    assert event.organisation_id == w.organisation.pk


def test_the_quorum_check_names_its_job(w):
    # given a committee meeting two days away
    _quorum_group(w)
    w.clock.move_to(START - timedelta(hours=48))
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    # when the quorum checks run, twice
    [check] = checks.quorum_checks_run()
    checks.quorum_checks_run()

    # then one event naming the job and the check
    [event] = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.actor, event.actor_label) == ("quorum_check.recorded", None, "job:check-quorums")
    assert (event.object_type, event.object_id) == ("sessions_app.quorumcheck", str(check.pk))
    assert event.data == {"session_id": w.session.pk, "hours_before": 72, "met": False}
