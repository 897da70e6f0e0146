"""What each selector shows to whom, and that each list loads in a fixed number of queries.

"Now" is pinned to Wednesday 20 February 2030; sessions meet from Friday 1 March 2030.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from groups import services as group_services
from groups.models import Membership, StaffRole, User
from sessions_app import calendar, selectors, services
from sessions_app.models import Answer, Session, SupportRequest

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)


@pytest.fixture(autouse=True)
def pinned_now():
    with time_machine.travel(NOW, tick=True):
        yield


def fresh(user) -> User:
    """The same person without a cached standing, as on a new request."""
    return User.objects.get(pk=user.pk)


@pytest.fixture
def make(group_with_members, facilitator, facilitator2, venue):
    """A session of `group` (by default the mothers' group), published unless asked otherwise."""

    def build(title="Planning", starts_at=START, *, group=None, lead=None, support=None, publish=True, capacity=None):
        group = group or group_with_members
        lead = lead or facilitator
        [session] = services.session_create(
            group=group,
            acting_user=lead,
            title=title,
            purpose="Plan together.",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            format=Session.Format.IN_PERSON,
            venue=venue,
            capacity=capacity,
            lead=lead,
            supports=[support or facilitator2],
        )
        if publish:
            session = services.session_publish(session=session, acting_user=lead)
        return session

    return build


def add_member(group, person, acting_user, role=Membership.Role.PARENT):
    group_services.membership_add(group=group, user=person, role=role, acting_user=acting_user)
    return person


@pytest.fixture
def other_group_facilitator(other_group, facilitator2, make_user, organisation, grant):
    """A second facilitator for the fathers' group (facilitator2 already facilitates it)."""
    person = grant(make_user(full_name="Nia Other"), organisation, StaffRole.Role.FACILITATOR)
    return add_member(other_group, person, facilitator2, Membership.Role.FACILITATOR)


# --- who sees what -------------------------------------------------------------------------------------------


def test_sessions_for_group_hides_drafts_from_people_who_do_not_manage(make, group_with_members, parent, facilitator):
    published = make("Published", START)
    draft = make("Draft", START + timedelta(days=1), publish=False)
    cancelled = make("Cancelled", START + timedelta(days=2))
    services.session_cancel(session=cancelled, reason="Half term", acting_user=facilitator)

    as_member = selectors.sessions_for_group(group=group_with_members, user=parent, can_manage=False)
    as_manager = selectors.sessions_for_group(group=group_with_members, user=facilitator, can_manage=True)

    assert [s.pk for s in as_member] == [published.pk, cancelled.pk]
    assert [s.pk for s in as_manager] == [published.pk, draft.pk, cancelled.pk]


def test_sessions_for_group_carries_places_answers_and_facilitators(
    make, group_with_members, parent, professional, facilitator, facilitator2
):
    session = make(capacity=1)
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=session, user=professional, answer=Answer.YES)

    [row] = selectors.sessions_for_group(group=group_with_members, user=professional, can_manage=False)

    assert (row.places_taken, row.waiting) == (1, 1)
    assert row.my_answer == Answer.YES
    assert row.my_waitlisted_at is not None
    assert (row.has_lead, row.has_support) == (True, True)
    assert sorted(f.user_id for f in row.active_facilitators) == sorted([facilitator.pk, facilitator2.pk])
    assert not selectors.is_at_risk(row)


def test_upcoming_for_member_shows_only_published_sessions_of_the_members_groups(
    make, parent, other_group, other_group_facilitator, facilitator2
):
    first = make("First", START)
    second = make("Second", START + timedelta(days=7))
    make("A draft", START + timedelta(days=1), publish=False)
    cancelled = make("Cancelled", START + timedelta(days=2))
    services.session_cancel(session=cancelled, reason="Half term", acting_user=facilitator2)
    make("Fathers only", START, group=other_group, lead=facilitator2, support=other_group_facilitator)
    services.rsvp_answer(session=second, user=parent, answer=Answer.MAYBE)

    upcoming = selectors.upcoming_for_member(user=fresh(parent))

    assert [s.pk for s in upcoming] == [first.pk, second.pk]
    assert [s.my_answer for s in upcoming] == [None, Answer.MAYBE]
    assert selectors.upcoming_for_member(user=fresh(parent), limit=1) == [first]
    # a session under way still shows; one that has ended does not
    with time_machine.travel(START + timedelta(hours=1), tick=False):
        assert [s.pk for s in selectors.upcoming_for_member(user=fresh(parent))] == [first.pk, second.pk]
    with time_machine.travel(START + timedelta(hours=2, minutes=1), tick=False):
        assert [s.pk for s in selectors.upcoming_for_member(user=fresh(parent))] == [second.pk]


def test_upcoming_for_member_shows_nothing_to_someone_in_no_group(make, org_admin):
    make()

    assert selectors.upcoming_for_member(user=fresh(org_admin)) == []


def test_checkin_rows_put_the_people_expected_first(
    make, group_with_members, parent, professional, facilitator, make_user
):
    # given four members; Zed and Prue have places, Aaron is waiting, Pat has not answered
    aaron = add_member(group_with_members, make_user(full_name="Aaron Early"), facilitator)
    zed = add_member(group_with_members, make_user(full_name="Zed Last"), facilitator)
    session = make(capacity=2)
    services.rsvp_answer(session=session, user=zed, answer=Answer.YES)
    services.rsvp_answer(session=session, user=professional, answer=Answer.YES)
    services.rsvp_answer(session=session, user=aaron, answer=Answer.YES)
    with time_machine.travel(START, tick=False):
        services.checkin_record(session=session, person=parent, acting_user=facilitator, feeling=4)

    rows = selectors.checkin_rows(session=session)

    assert [r.membership.user.full_name for r in rows] == ["Prue Professional", "Zed Last", "Aaron Early", "Pat Parent"]
    assert [r.expected for r in rows] == [True, True, False, False]
    assert rows[2].rsvp.is_waitlisted
    assert rows[3].rsvp is None
    assert rows[3].checkin.checkin_feeling == 4
    # facilitators are not on the list
    assert not {r.membership.role for r in rows} & {Membership.Role.FACILITATOR}


def test_support_queue_only_lists_requests_in_groups_the_person_manages(
    make,
    parent,
    other_group,
    facilitator,
    facilitator2,
    other_group_facilitator,
    org_admin,
    make_user,
    other_organisation,
    grant,
):
    ours = make("Mothers", START)
    theirs = make("Fathers", START, group=other_group, lead=facilitator2, support=other_group_facilitator)
    dad = User.objects.get(email="dad@example.test")
    services.rsvp_answer(session=ours, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=theirs, user=dad, answer=Answer.YES)
    mine = services.support_request_create(
        session=ours, user=parent, kind=SupportRequest.Kind.TRAVEL, travel_mode="public", expected_cost_pence=480
    )
    dads = services.support_request_create(
        session=theirs, user=dad, kind=SupportRequest.Kind.INTERPRETER, language="Urdu"
    )
    stranger_admin = grant(make_user(), other_organisation, StaffRole.Role.ADMIN)

    def queue(user, **kwargs):
        return [r.pk for r in selectors.support_queue(user=fresh(user), **kwargs)]

    assert queue(facilitator) == [mine.pk]
    assert queue(other_group_facilitator) == [dads.pk]
    assert sorted(queue(facilitator2)) == sorted([mine.pk, dads.pk])
    assert sorted(queue(org_admin)) == sorted([mine.pk, dads.pk])
    assert queue(parent) == []
    assert queue(stranger_admin) == []

    # decided requests leave the pending queue and show under their status
    services.support_request_decide(request=mine, approve=True, acting_user=fresh(facilitator))
    assert queue(facilitator) == []
    assert queue(facilitator, status=SupportRequest.Status.APPROVED) == [mine.pk]
    assert queue(other_group_facilitator, status=SupportRequest.Status.APPROVED) == []


# --- query counts ------------------------------------------------------------------------------------------

SIZES = [1, 6]


@pytest.fixture
def world(make, group_with_members, facilitator, facilitator2, make_user):
    """`n` sessions with `n` members who each said yes (one place per session, the rest waiting), each asked for
    support; at the first session each was checked in and out asking to talk; each session has a decision, an
    action and a win; the support facilitator then withdrew from every session."""

    def build(n):
        people = [
            add_member(group_with_members, make_user(full_name=f"Member {i:02d}", pronouns="they/them"), facilitator)
            for i in range(n)
        ]
        sessions = [make(f"Session {i}", START + timedelta(days=i), capacity=1) for i in range(n)]
        for session in sessions:
            for person in people:
                services.rsvp_answer(session=session, user=person, answer=Answer.YES)
        for person, session in zip(people, sessions, strict=True):
            services.support_request_create(
                session=session,
                user=person,
                kind=SupportRequest.Kind.TRAVEL,
                travel_mode="public",
                expected_cost_pence=350,
            )
        first = sessions[0]
        with time_machine.travel(START, tick=True):
            for person in people:
                services.checkin_record(session=first, person=person, acting_user=facilitator, feeling=3)
        with time_machine.travel(START + timedelta(hours=2), tick=True):
            for person in people:
                services.checkout_record(session=first, person=person, acting_user=person, wants_to_talk=True)
        for i, session in enumerate(sessions):
            services.decision_record(
                session=session, proposal=f"Move to {i}pm", outcome="Agreed", acting_user=facilitator
            )
            services.action_record(
                session=session,
                description="Book the room",
                owner=people[i],
                due_on=date(2030, 4, 1),
                acting_user=facilitator,
            )
            services.win_record(session=session, description="Free parking", acting_user=facilitator)
            services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2)
        return {"sessions": sessions, "people": people, "first": first}

    return build


# The moment each list is read: before the sessions, or after they have all ended (for debriefs and follow-ups).
BEFORE = NOW
AFTER = START + timedelta(days=10)


def read_sessions_for_group(w, group, facilitator, **_):
    return [
        (s.venue.name, s.places_taken, s.waiting, s.my_answer, [f.user.display_name for f in s.active_facilitators])
        for s in selectors.sessions_for_group(group=group, user=facilitator, can_manage=True)
    ]


def read_upcoming_for_member(w, member, **_):
    return [(s.group.name, s.venue.name, s.my_answer) for s in selectors.upcoming_for_member(user=member)]


def read_checkin_rows(w, **_):
    return [
        (r.membership.user.display_name, r.expected, r.rsvp and r.rsvp.answer, r.checkin and r.checkin.checkin_feeling)
        for r in selectors.checkin_rows(session=w["first"])
    ]


def read_support_queue(w, facilitator, **_):
    return [
        (r.session.title, r.session.group.name, r.user.display_name, r.expected_cost_pence)
        for r in selectors.support_queue(user=facilitator)
    ]


def read_follow_up_queue(w, facilitator, **_):
    return [
        (f.session.title, f.session.group.name, f.person.display_name, f.assigned_to.display_name, f.due_on)
        for f in selectors.follow_up_queue(user=facilitator)
    ]


def read_at_risk_sessions(w, org_admin, **_):
    return [(s.title, s.group.name) for s in selectors.at_risk_sessions(user=org_admin)]


def read_overdue_debriefs(w, facilitator, **_):
    return [(s.title, s.group.name) for s in selectors.overdue_debriefs(user=facilitator)]


def read_calendar_sessions(w, member, **_):
    sessions = selectors.calendar_sessions(user=member)
    ics = calendar.feed(sessions, name="My sessions", yes_session_ids={w["first"].pk})
    return [ics.count(b"BEGIN:VEVENT")]


def read_attendance(w, **_):
    return [(c.user.display_name, c.checkin_feeling) for c in selectors.attendance(session=w["first"])]


def read_group_timeline(w, group, **_):
    return [
        (e.kind, e.session.title, getattr(e.item, "owner", None) and e.item.owner.display_name)
        for e in selectors.group_timeline(group=group)
    ]


# (reader, when to read, query bound, rows expected for n)
LISTS = {
    "sessions_for_group": (read_sessions_for_group, BEFORE, 2, lambda n: n),
    "upcoming_for_member": (read_upcoming_for_member, BEFORE, 3, lambda n: n),
    "checkin_rows": (read_checkin_rows, BEFORE, 3, lambda n: n + 2),
    "support_queue": (read_support_queue, BEFORE, 3, lambda n: n),
    "follow_up_queue": (read_follow_up_queue, AFTER, 3, lambda n: n),
    "at_risk_sessions": (read_at_risk_sessions, BEFORE, 4, lambda n: n),
    "overdue_debriefs": (read_overdue_debriefs, AFTER, 3, lambda n: n),
    "calendar_sessions": (read_calendar_sessions, BEFORE, 3, lambda n: 1),
    "attendance": (read_attendance, AFTER, 1, lambda n: n),
    "group_timeline": (read_group_timeline, BEFORE, 3, lambda n: 3 * n),
}


@pytest.mark.parametrize("n", SIZES)
@pytest.mark.parametrize("name", list(LISTS))
def test_list_selectors_run_a_fixed_number_of_queries(
    name, n, world, group_with_members, facilitator, org_admin, django_assert_max_num_queries
):
    reader, moment, bound, expected_rows = LISTS[name]
    w = world(n)
    # each viewer as loaded on a new request: their standing is loaded inside the guard
    viewers = {"facilitator": fresh(facilitator), "org_admin": fresh(org_admin), "member": fresh(w["people"][0])}

    with time_machine.travel(moment, tick=False):
        with django_assert_max_num_queries(bound):
            rows = reader(w, group=group_with_members, **viewers)

    assert len(rows) == expected_rows(n)
    if name == "calendar_sessions":
        assert rows == [n]
