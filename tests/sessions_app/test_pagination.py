"""Lists that grow with history are paginated or bounded: with 120 rows present a page shows at most 50, the
next pages show the rest in order (newest first where the list is history), and a page number that is not a
number or is past the end shows the first or the last page, never an error.

Sessions, outcomes and meetings are built through the services. The 120 follow-ups and support requests are
inserted as rows (with the states their services leave), since 120 check-outs or decisions through the
services would only repeat what the services' own tests cover.
"""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import services as group_services
from groups.models import Group, Membership
from sessions_app import services
from sessions_app.models import FollowUp, Session, SupportRequest

ROWS = 120
PER_PAGE = 50
T0 = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # a Monday: everything is planned then
LATER = T0 + timedelta(weeks=45)  # every session of the three 40-week series has ended by now


def at(moment):
    return time_machine.travel(moment, tick=False)


def three_series(group, lead, support, venue, *, title, publish=False) -> list[Session]:
    """120 sessions of `group`: three weekly series of 40, on Tuesdays, Wednesdays and Thursdays."""
    created = []
    with at(T0):
        for day in range(3):
            starts = T0 + timedelta(days=1 + day, hours=1)
            created += services.session_create(
                group=group,
                acting_user=lead,
                title=title,
                purpose="Keep in touch.",
                starts_at=starts,
                ends_at=starts + timedelta(hours=1),
                format=Session.Format.IN_PERSON,
                venue=venue,
                lead=lead,
                supports=[support],
                repeat_weeks=ROWS // 3,
            )
        if publish:
            created = [services.session_publish(session=s, acting_user=lead) for s in created]
    return created


def get(client, user, url, *, when=LATER, **params):
    """The page as `user` sees it at `when` (signed in then: staff sign-ins do not last 45 weeks)."""
    with at(when):
        client.force_login(user)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, params)
    assert response.status_code == 200
    response.queries = len(queries)
    return response


def same_queries(pages) -> bool:
    """Every page of a list runs the same number of queries: the first, the middle and the last."""
    return len({p.queries for p in pages}) == 1


BAD_PAGES = ["0", "-3", "many", "1e3", "\u0661", "99999999999999999999"]


# --- a group's sessions: those to come bounded, the past paginated --------------------------------------


@pytest.fixture
def held_sessions(group_with_members, facilitator, facilitator2, venue):
    return three_series(group_with_members, facilitator, facilitator2, venue, title="Weekly catch-up")


def session_ids_shown(response) -> list[int]:
    return [int(pk) for pk in re.findall(r'href="/sessions/(\d+)/">Weekly catch-up</a>', response.content.decode())]


def test_group_sessions_lists_past_sessions_fifty_to_a_page_most_recent_first(
    client, held_sessions, group_with_members, facilitator
):
    url = reverse("sessions_app:group_sessions", args=[group_with_members.pk])
    newest_first = [s.pk for s in sorted(held_sessions, key=lambda s: s.starts_at, reverse=True)]

    pages = [get(client, facilitator, url, page=n) for n in (1, 2, 3)]
    assert same_queries(pages), [p.queries for p in pages]

    assert [session_ids_shown(p) for p in pages] == [newest_first[:50], newest_first[50:100], newest_first[100:]]
    assert 'rel="next" href="?page=2"' in pages[0].content.decode()
    assert 'rel="next"' not in pages[2].content.decode()
    assert 'rel="prev" href="?page=2"' in pages[2].content.decode()


@pytest.mark.parametrize("bad", BAD_PAGES)
def test_group_sessions_page_that_is_not_a_page_shows_the_first_or_the_last(
    client, held_sessions, group_with_members, facilitator, bad
):
    url = reverse("sessions_app:group_sessions", args=[group_with_members.pk])
    newest_first = [s.pk for s in sorted(held_sessions, key=lambda s: s.starts_at, reverse=True)]

    shown = session_ids_shown(get(client, facilitator, url, page=bad))

    assert shown in (newest_first[:50], newest_first[100:])


def test_group_sessions_past_the_end_shows_the_last_page(client, held_sessions, group_with_members, facilitator):
    url = reverse("sessions_app:group_sessions", args=[group_with_members.pk])
    oldest = sorted(held_sessions, key=lambda s: s.starts_at)[:20]

    response = get(client, facilitator, url, page=7)

    assert session_ids_shown(response) == [s.pk for s in reversed(oldest)]
    assert response.context["page"].number == 3


def test_group_sessions_to_come_are_bounded(client, held_sessions, group_with_members, facilitator):
    # when the facilitator looks before any of the 120 sessions has happened
    response = get(client, facilitator, reverse("sessions_app:group_sessions", args=[group_with_members.pk]), when=T0)

    # then the next 50 are listed, soonest first, and the page says more are planned
    soonest = [s.pk for s in sorted(held_sessions, key=lambda s: s.starts_at)[:50]]
    assert session_ids_shown(response) == soonest
    assert "These are the next 50. More are planned after them." in response.content.decode()


# --- a group's timeline ------------------------------------------------------------------------------------


@pytest.fixture
def long_history(group_with_members, facilitator, facilitator2, parent, venue):
    """120 outcomes of one session, a minute apart, in turn a decision, an action and a win."""
    session = three_series(group_with_members, facilitator, facilitator2, venue, title="Weekly catch-up")[0]
    recorded = []
    for i in range(ROWS):
        with at(session.ends_at + timedelta(minutes=i)):
            if i % 3 == 0:
                services.decision_record(
                    session=session, proposal=f"Proposal {i:03d}", outcome=f"Agreed {i:03d}", acting_user=facilitator
                )
            elif i % 3 == 1:
                services.action_record(
                    session=session,
                    description=f"Action {i:03d}",
                    owner=parent,
                    due_on=date(2030, 12, 1),
                    acting_user=facilitator,
                )
            else:
                services.win_record(session=session, description=f"Win {i:03d}", acting_user=facilitator)
        recorded.append(i)
    return recorded


def outcomes_shown(response) -> list[int]:
    return [
        int(n)
        for n in re.findall(
            r"(?:Proposed:</strong> Proposal|<p class=\"mb-1\">(?:Action|Win)) (\d{3})", (response.content.decode())
        )
    ]


def test_timeline_shows_fifty_to_a_page_newest_first(client, long_history, group_with_members, parent):
    url = reverse("sessions_app:timeline", args=[group_with_members.pk])
    newest_first = list(reversed(long_history))

    pages = [get(client, parent, url, page=n) for n in (1, 2, 3)]
    assert same_queries(pages), [p.queries for p in pages]

    assert [outcomes_shown(p) for p in pages] == [newest_first[:50], newest_first[50:100], newest_first[100:]]
    assert 'rel="next" href="?page=2">Older' in pages[0].content.decode()
    # the parent owns every action: each shown has its progress form, which comes back to the same page
    assert pages[1].content.decode().count("Save progress") == sum(1 for i in newest_first[50:100] if i % 3 == 1)
    assert 'name="next" value="/groups/' in pages[1].content.decode()
    assert "timeline/?page=2" in pages[1].content.decode()


@pytest.mark.parametrize("bad", [*BAD_PAGES, "7"])
def test_timeline_page_that_is_not_a_page_shows_the_first_or_the_last(
    client, long_history, group_with_members, parent, bad
):
    newest_first = list(reversed(long_history))

    shown = outcomes_shown(
        get(client, parent, reverse("sessions_app:timeline", args=[group_with_members.pk]), page=bad)
    )

    assert shown in (newest_first[:50], newest_first[100:])


# --- closed follow-ups ------------------------------------------------------------------------------------


@pytest.fixture
def closed_follow_ups(held_sessions, make_user, facilitator):
    """120 follow-ups after one session, closed a day apart (the oldest first)."""
    session = held_sessions[0]
    people = [make_user(full_name=f"Caller {i:03d}") for i in range(ROWS)]
    FollowUp.objects.bulk_create(
        FollowUp(
            session=session,
            person=person,
            reason=FollowUp.Reason.TALK,
            assigned_to=facilitator,
            due_on=date(2030, 1, 10),
            created_at=T0,
            closed_at=T0 + timedelta(days=i),
            closed_by=facilitator,
            note="Rang; all well.",
        )
        for i, person in enumerate(people)
    )
    return people


def callers_shown(response) -> list[int]:
    return [int(n) for n in re.findall(r'<h2 class="h5 card-title">Caller (\d{3})', response.content.decode())]


def test_closed_follow_ups_fifty_to_a_page_most_recently_closed_first(client, closed_follow_ups, facilitator):
    url = reverse("sessions_app:follow_ups")
    newest_first = list(reversed(range(ROWS)))

    pages = [get(client, facilitator, url, show="closed", page=n) for n in (1, 2, 3)]
    assert same_queries(pages), [p.queries for p in pages]

    assert [callers_shown(p) for p in pages] == [newest_first[:50], newest_first[50:100], newest_first[100:]]
    assert 'href="?show=closed&amp;page=2"' in pages[0].content.decode()


@pytest.mark.parametrize("bad", [*BAD_PAGES, "4"])
def test_closed_follow_ups_page_that_is_not_a_page_shows_the_first_or_the_last(
    client, closed_follow_ups, facilitator, bad
):
    newest_first = list(reversed(range(ROWS)))

    shown = callers_shown(get(client, facilitator, reverse("sessions_app:follow_ups"), show="closed", page=bad))

    assert shown in (newest_first[:50], newest_first[100:])


# --- decided support requests ----------------------------------------------------------------------------


@pytest.fixture
def decided_requests(held_sessions, make_user, facilitator):
    """120 travel requests for one session, approved a day apart (the oldest first)."""
    session = held_sessions[0]
    people = [make_user(full_name=f"Traveller {i:03d}") for i in range(ROWS)]
    SupportRequest.objects.bulk_create(
        SupportRequest(
            session=session,
            user=person,
            kind=SupportRequest.Kind.TRAVEL,
            travel_mode=SupportRequest.TravelMode.BUS_TRAIN,
            expected_cost_pence=500,
            status=SupportRequest.Status.APPROVED,
            approved_amount_pence=500,
            decided_by=facilitator,
            decided_at=T0 + timedelta(days=i),
            created_at=T0,
        )
        for i, person in enumerate(people)
    )
    return people


def travellers_shown(response) -> list[int]:
    return [int(n) for n in re.findall(r">Traveller (\d{3}): ", response.content.decode())]


def test_decided_support_requests_fifty_to_a_page_most_recently_decided_first(client, decided_requests, facilitator):
    url = reverse("sessions_app:support_queue")
    newest_first = list(reversed(range(ROWS)))

    pages = [get(client, facilitator, url, status="approved", page=n) for n in (1, 2, 3)]
    assert same_queries(pages), [p.queries for p in pages]

    assert [travellers_shown(p) for p in pages] == [newest_first[:50], newest_first[50:100], newest_first[100:]]
    assert 'href="?status=approved&amp;page=2"' in pages[0].content.decode()


@pytest.mark.parametrize("bad", [*BAD_PAGES, "4"])
def test_decided_support_requests_page_that_is_not_a_page_shows_the_first_or_the_last(
    client, decided_requests, facilitator, bad
):
    newest_first = list(reversed(range(ROWS)))

    shown = travellers_shown(
        get(client, facilitator, reverse("sessions_app:support_queue"), status="approved", page=bad)
    )

    assert shown in (newest_first[:50], newest_first[100:])


# --- the governance dashboard ------------------------------------------------------------------------------


@pytest.fixture
def committee_history(organisation, facilitator, facilitator2, venue):
    """A governance committee that met 120 times in the last twelve months, with no parents there."""
    with at(T0):
        committee = group_services.group_create(
            organisation=organisation,
            name="Parent Governance Committee",
            kind=Group.Kind.GOVERNANCE,
            purpose="Parents holding the partnership to account.",
            acting_user=facilitator,
        )
        group_services.membership_add(
            group=committee, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator
        )
    return committee, three_series(committee, facilitator, facilitator2, venue, title="Committee", publish=True)


def meetings_shown(response, committee) -> list[int]:
    section = response.content.decode().split(f'id="committee-{committee.pk}"', 1)[1]
    return [int(pk) for pk in re.findall(r'href="/sessions/(\d+)/quorum/">Committee</a>', section)]


def test_governance_dashboard_counts_every_meeting_and_lists_the_five_most_recent(
    client, committee_history, governance_lead
):
    committee, meetings = committee_history
    newest_first = [s.pk for s in sorted(meetings, key=lambda s: s.starts_at, reverse=True)]

    response = get(client, governance_lead, reverse("sessions_app:governance"))

    [attendance] = response.context["dashboard"].committees
    assert (attendance.held, attendance.quorate, attendance.inquorate) == (ROWS, 0, ROWS)
    assert meetings_shown(response, committee) == newest_first[:5]
    assert f"See all {ROWS} meetings of Parent Governance Committee" in response.content.decode()


def test_governance_dashboard_lists_one_committees_meetings_fifty_to_a_page(client, committee_history, governance_lead):
    committee, meetings = committee_history
    url = reverse("sessions_app:governance")
    newest_first = [s.pk for s in sorted(meetings, key=lambda s: s.starts_at, reverse=True)]

    pages = [get(client, governance_lead, url, committee=committee.pk, meetings=n) for n in (1, 2, 3)]
    assert same_queries(pages), [p.queries for p in pages]

    assert [meetings_shown(p, committee) for p in pages] == [
        newest_first[:50],
        newest_first[50:100],
        newest_first[100:],
    ]
    assert f'href="?committee={committee.pk}&amp;meetings=2"' in pages[0].content.decode()


@pytest.mark.parametrize("bad", [*BAD_PAGES, "4"])
def test_governance_dashboard_meetings_page_that_is_not_a_page_shows_the_first_or_the_last(
    client, committee_history, governance_lead, bad
):
    committee, meetings = committee_history
    newest_first = [s.pk for s in sorted(meetings, key=lambda s: s.starts_at, reverse=True)]

    for params in ({"committee": committee.pk, "meetings": bad}, {"committee": bad, "page": bad}):
        shown = meetings_shown(get(client, governance_lead, reverse("sessions_app:governance"), **params), committee)
        assert shown in (newest_first[:50], newest_first[100:], newest_first[:5])


def test_governance_dashboard_lists_meetings_to_come_twenty_to_a_page(client, committee_history, governance_lead):
    committee, meetings = committee_history
    soonest = [s.pk for s in sorted(meetings, key=lambda s: s.starts_at) if s.starts_at <= T0 + timedelta(days=60)]
    assert len(soonest) == 27

    # when the governance lead looks the day the series were planned: 27 meetings fall in the next 60 days
    url = reverse("sessions_app:governance")
    first = get(client, governance_lead, url, when=T0)
    second = get(client, governance_lead, url, when=T0, page=2)
    too_far = get(client, governance_lead, url, when=T0, page=9)

    assert [row.session.pk for row in first.context["dashboard"].upcoming] == soonest[:20]
    assert [row.session.pk for row in second.context["dashboard"].upcoming] == soonest[20:]
    assert [row.session.pk for row in too_far.context["dashboard"].upcoming] == soonest[20:]
    assert 'rel="next" href="?page=2">Later meetings' in first.content.decode()


# --- the facilitator's home: what needs them soon, bounded ---------------------------------------------------


def test_home_lists_at_most_ten_sessions_at_risk_and_only_the_next_fourteen_days(
    client, group_with_members, facilitator, facilitator2, venue
):
    # given twelve sessions in the next fourteen days and one in three weeks, each left without a support
    # facilitator (so at risk)
    with at(T0):
        planned = [
            services.session_create(
                group=group_with_members,
                acting_user=facilitator,
                title=f"Soon {i:02d}" if i < 12 else "Later on",
                purpose="Keep in touch.",
                starts_at=T0 + timedelta(days=1 + i, hours=2) if i < 12 else T0 + timedelta(weeks=3),
                ends_at=(T0 + timedelta(days=1 + i, hours=3)) if i < 12 else T0 + timedelta(weeks=3, hours=1),
                format=Session.Format.IN_PERSON,
                venue=venue,
                lead=facilitator,
                supports=[facilitator2],
            )[0]
            for i in range(13)
        ]
        for session in planned:
            services.session_publish(session=session, acting_user=facilitator)
            services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2)

    # when the facilitator opens their home page
    response = get(client, facilitator, reverse("home"), when=T0)

    # then the ten soonest are listed, with a word that there are more, and the one three weeks away is not
    page = response.content.decode()
    section = page.split("Sessions at risk in the next 14 days", 1)[1].split("</ul>", 1)[0]
    assert re.findall(r"Soon (\d\d)</a>", section) == [f"{i:02d}" for i in range(10)]
    assert "Later on" not in section
    assert "More sessions soon need facilitators" in page
