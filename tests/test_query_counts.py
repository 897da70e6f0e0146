"""Exact query counts on every page (as Zulip's `assert_database_query_count` and Saleor's benchmarks do).

Each page is opened, as the person who sees most on it, once with one row of everything and once with many
(ROWS: sessions, members, answers, support requests, check-ins, follow-ups, decisions, actions, wins, glossary
terms, venues and messages), and must run exactly QUERIES[page] queries both times. A page whose count grows
with its rows runs a query per row (an N+1): it is marked xfail in GROWS with what grows, until it is fixed.

Data is built through the services. Time is pinned with time-machine: everything is planned on Wednesday
20 February 2030, the session meets on Friday 1 March 2030, 10:00 to 12:00 in London, people check in during it
and check out, with what was decided, after it; the pages are opened half an hour after it ends.

When a page's count changes on purpose (a new section, an extension point), change its number here, in the
same commit, and say why in the message.
"""

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import services as group_services
from groups.models import Group, Membership, User
from sessions_app import services
from sessions_app.answer_links import answer_token
from sessions_app.models import Answer, FollowUp, Session, SupportRequest
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
BEFORE = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)
DURING = START + timedelta(minutes=2)
AFTER = START + timedelta(hours=2, minutes=30)

ROWS = [1, 15]


def at(moment):
    return time_machine.travel(moment, tick=False)


@dataclass
class World:
    group: Group
    session: Session  # the one that met: answers, support, check-ins, outcomes
    upcoming: Session  # a published one still to come
    draft: Session
    parent: User
    support_request: SupportRequest
    follow_up: FollowUp
    feed_token: str
    material_id: int


@pytest.fixture
def world(
    settings,
    tmp_path,
    organisation,
    org_admin,
    facilitator,
    facilitator2,
    governance_lead,
    professional,
    make_user,
    venue,
):
    """`build(n)`: a governance committee with n parents, n sessions to come, and on the session that met n of
    everything a page lists."""
    settings.MEDIA_ROOT = tmp_path

    def build(n: int) -> World:
        with at(BEFORE):
            group = group_services.group_create(
                organisation=organisation,
                name="Parent Governance Committee",
                kind=Group.Kind.GOVERNANCE,
                purpose="Parents holding the partnership to account.",
                acting_user=facilitator,
            )
            group_services.membership_add(
                group=group, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator
            )
            group_services.membership_add(
                group=group, user=professional, role=Membership.Role.PROFESSIONAL, acting_user=facilitator
            )
            parents = [
                make_user(full_name=f"Parent {i:02d}", pronouns="she/her", phone=f"+4477009000{i:02d}")
                for i in range(n)
            ]
            for person in parents:
                group_services.membership_add(
                    group=group, user=person, role=Membership.Role.PARENT, acting_user=facilitator
                )
            for i in range(n):
                services.venue_create(
                    organisation=organisation, acting_user=org_admin, name=f"Room {i:02d}", address=f"{i} Quay Street"
                )
                services.glossary_term_save(
                    group=group, abbreviation=f"AB{i:02d}", meaning=f"Meaning {i}", acting_user=facilitator
                )
            session = plan_session(group, facilitator, facilitator2, starts_at=START, venue=venue, preparation_days=30)
            material = services.preparation_add(
                session=session,
                title="Draft plan",
                text="Have a look before we meet.",
                file=SimpleUploadedFile("plan.txt", b"The draft plan."),
                acting_user=facilitator,
            )
            later = [
                plan_session(
                    group,
                    facilitator,
                    facilitator2,
                    title=f"Meeting {i:02d}",
                    starts_at=START + timedelta(days=7 * (i + 1)),
                    venue=venue,
                )
                for i in range(n)
            ]
            draft = plan_session(
                group, facilitator, facilitator2, starts_at=START + timedelta(days=3), venue=venue, publish=False
            )
            requests = []
            for person in parents:
                services.rsvp_answer(session=session, user=person, answer=Answer.YES)
                services.rsvp_answer(session=later[0], user=person, answer=Answer.YES)
                requests.append(
                    services.support_request_create(
                        session=session,
                        user=person,
                        kind=SupportRequest.Kind.TRAVEL,
                        travel_mode=SupportRequest.TravelMode.BUS_TRAIN,
                        expected_cost_pence=1000,
                        booking_wanted=True,
                    )
                )
            feed_token = services.calendar_feed_get_or_create(user=parents[0]).token
        with at(DURING):
            for i, person in enumerate(parents):
                services.checkin_record(session=session, person=person, acting_user=facilitator, feeling=1 + i % 5)
        with at(AFTER):
            for i, person in enumerate(parents):
                services.checkout_record(
                    session=session, person=person, acting_user=facilitator, feeling=3, wants_to_talk=True
                )
                services.decision_record(
                    session=session, proposal=f"Proposal {i}", outcome=f"Agreed {i}", acting_user=facilitator
                )
                services.action_record(
                    session=session,
                    description=f"Action {i}",
                    owner=person,
                    due_on=date(2030, 4, 1),
                    acting_user=facilitator,
                )
                services.win_record(session=session, description=f"Win {i}", acting_user=facilitator)
            services.debrief_record(
                session=session, acting_user=facilitator, went_well="Talk.", was_hard="Time.", to_change="More."
            )
        return World(
            group=group,
            session=session,
            upcoming=later[0],
            draft=draft,
            parent=parents[0],
            support_request=requests[0],
            follow_up=FollowUp.objects.filter(session=session).order_by("pk").first(),
            feed_token=feed_token,
            material_id=material.pk,
        )

    return build


def _staff_id(w) -> int:
    """A staff member of the world's organisation (its first facilitator) for the pages about one person."""
    return w.group.memberships.filter(role=Membership.Role.FACILITATOR).order_by("pk").first().user_id


# page: (who opens it, its address)
PAGES = {
    "home": ("facilitator", lambda w: reverse("home")),
    "profile": ("parent", lambda w: reverse("profile")),
    "phone_confirm": ("parent", lambda w: reverse("phone_confirm")),
    "group_list": ("facilitator", lambda w: reverse("groups:list")),
    "group_create": ("facilitator", lambda w: reverse("groups:create")),
    "group_detail": ("facilitator", lambda w: reverse("groups:detail", args=[w.group.pk])),
    "group_edit": ("facilitator", lambda w: reverse("groups:edit", args=[w.group.pk])),
    "group_members": ("facilitator", lambda w: reverse("groups:members", args=[w.group.pk])),
    "group_agreement": ("facilitator", lambda w: reverse("groups:agreement", args=[w.group.pk])),
    "group_agreement_edit": ("facilitator", lambda w: reverse("groups:agreement_edit", args=[w.group.pk])),
    "group_invite": ("facilitator", lambda w: reverse("groups:invite", args=[w.group.pk])),
    "group_leave": ("parent", lambda w: reverse("groups:leave", args=[w.group.pk])),
    "audit_trail": ("org_admin", lambda w: reverse("organisations:audit_trail", args=[w.group.organisation_id])),
    "group_sessions": ("facilitator", lambda w: reverse("sessions_app:group_sessions", args=[w.group.pk])),
    "session_create": ("facilitator", lambda w: reverse("sessions_app:create", args=[w.group.pk])),
    "glossary": ("facilitator", lambda w: reverse("sessions_app:glossary", args=[w.group.pk])),
    "session_edit": ("facilitator", lambda w: reverse("sessions_app:edit", args=[w.upcoming.pk])),
    "session_publish": ("facilitator", lambda w: reverse("sessions_app:publish", args=[w.draft.pk])),
    "session_cancel": ("facilitator", lambda w: reverse("sessions_app:cancel", args=[w.upcoming.pk])),
    "preparation_add": ("facilitator", lambda w: reverse("sessions_app:preparation_add", args=[w.upcoming.pk])),
    "withdraw": ("facilitator", lambda w: reverse("sessions_app:withdraw", args=[w.upcoming.pk])),
    "step_in": ("facilitator", lambda w: reverse("sessions_app:step_in", args=[w.upcoming.pk])),
    "venues": ("facilitator", lambda w: reverse("sessions_app:venues")),
    "session_page": ("facilitator", lambda w: reverse("sessions_app:detail", args=[w.session.pk])),
    "session_page_to_come": ("facilitator", lambda w: reverse("sessions_app:detail", args=[w.upcoming.pk])),
    "session_page_as_parent": ("parent", lambda w: reverse("sessions_app:detail", args=[w.upcoming.pk])),
    "support_request": ("parent", lambda w: reverse("sessions_app:support_request", args=[w.upcoming.pk])),
    "session_ics": ("parent", lambda w: reverse("sessions_app:session_ics", args=[w.upcoming.pk])),
    "calendar": ("parent", lambda w: reverse("sessions_app:calendar")),
    "calendar_feed": ("anonymous", lambda w: reverse("sessions_app:calendar_feed", args=[w.feed_token])),
    "self_checkin": ("parent", lambda w: reverse("sessions_app:self_checkin", args=[w.session.pk])),
    "preparation_file": (
        "parent",
        lambda w: reverse("sessions_app:preparation_file", args=[w.session.pk, w.material_id]),
    ),
    "checkin_screen": ("facilitator", lambda w: reverse("sessions_app:checkin_screen", args=[w.session.pk])),
    "debrief": ("facilitator", lambda w: reverse("sessions_app:debrief", args=[w.session.pk])),
    "record": ("facilitator", lambda w: reverse("sessions_app:record", args=[w.session.pk])),
    "support_queue": ("facilitator", lambda w: reverse("sessions_app:support_queue")),
    "support_decide": ("facilitator", lambda w: reverse("sessions_app:support_decide", args=[w.support_request.pk])),
    "follow_ups": ("facilitator", lambda w: reverse("sessions_app:follow_ups")),
    "follow_up_close": ("facilitator", lambda w: reverse("sessions_app:follow_up_close", args=[w.follow_up.pk])),
    "timeline": ("facilitator", lambda w: reverse("sessions_app:timeline", args=[w.group.pk])),
    # the lists paginated 50 to a page: a second page (past the end here: the last page is shown, after a count)
    "group_sessions_page_2": (
        "facilitator",
        lambda w: reverse("sessions_app:group_sessions", args=[w.group.pk]) + "?page=2",
    ),
    "timeline_page_2": ("facilitator", lambda w: reverse("sessions_app:timeline", args=[w.group.pk]) + "?page=2"),
    "follow_ups_page_2": ("facilitator", lambda w: reverse("sessions_app:follow_ups") + "?page=2"),
    "follow_ups_closed": ("facilitator", lambda w: reverse("sessions_app:follow_ups") + "?show=closed&page=2"),
    "support_queue_page_2": ("facilitator", lambda w: reverse("sessions_app:support_queue") + "?page=2"),
    "support_queue_decided": (
        "facilitator",
        lambda w: reverse("sessions_app:support_queue") + "?status=approved&page=2",
    ),
    "governance_meetings": (
        "governance_lead",
        lambda w: reverse("sessions_app:governance") + f"?committee={w.group.pk}&meetings=2&page=2",
    ),
    "governance": ("governance_lead", lambda w: reverse("sessions_app:governance")),
    "quorum_record": ("governance_lead", lambda w: reverse("sessions_app:quorum_record", args=[w.session.pk])),
    "session_messages": ("governance_lead", lambda w: reverse("sessions_app:session_messages", args=[w.session.pk])),
    # organisation administration (groups/views_admin.py, sessions_app/views/orgadmin.py)
    "orgadmin_overview": ("org_admin", lambda w: reverse("orgadmin:overview", args=[w.group.organisation_id])),
    "orgadmin_staff": ("org_admin", lambda w: reverse("orgadmin:staff", args=[w.group.organisation_id])),
    "orgadmin_staff_invite": (
        "org_admin",
        lambda w: reverse("orgadmin:staff_invite", args=[w.group.organisation_id]),
    ),
    "orgadmin_staff_edit": (
        "org_admin",
        lambda w: reverse("orgadmin:staff_edit", args=[w.group.organisation_id, _staff_id(w)]),
    ),
    "orgadmin_staff_remove": (
        "org_admin",
        lambda w: reverse("orgadmin:staff_remove", args=[w.group.organisation_id, _staff_id(w)]),
    ),
    "org_venues": ("org_admin", lambda w: reverse("sessions_app:org_venues", args=[w.group.organisation_id])),
    "venue_edit": (
        "org_admin",
        lambda w: reverse("sessions_app:venue_edit", args=[w.group.organisation_id, w.session.venue_id]),
    ),
    "venue_retire": (
        "org_admin",
        lambda w: reverse("sessions_app:venue_retire", args=[w.group.organisation_id, w.session.venue_id]),
    ),
    "reminder_settings": (
        "org_admin",
        lambda w: reverse("sessions_app:reminder_settings", args=[w.group.organisation_id]),
    ),
    "two_step_setup": ("org_admin", lambda w: reverse("orgadmin:two_step_setup")),
    "one_tap_answer": (
        "anonymous",
        lambda w: reverse(
            "sessions_app:one_tap_answer", args=[answer_token(session=w.upcoming, person=w.parent, answer=Answer.NO)]
        ),
    ),
}

# page -> the exact number of queries it runs, with one row and with many.
QUERIES: dict[str, int] = {
    "home": 18,  # four bounded lists for the facilitator: overdue follow-ups, today, requests to decide, drafts
    "profile": 4,
    "phone_confirm": 4,
    "group_list": 6,
    "group_create": 6,  # the policy asks the standing (no query) whether the person may start a group
    "group_detail": 7,
    "group_edit": 5,
    "group_members": 10,
    "group_agreement": 7,
    "group_agreement_edit": 6,
    "group_invite": 5,
    "group_leave": 5,
    "audit_trail": 8,
    "group_sessions": 7,
    "session_create": 8,
    "glossary": 6,
    "session_edit": 12,
    "session_publish": 10,
    "session_cancel": 7,
    "preparation_add": 7,
    "withdraw": 7,
    "step_in": 9,
    "venues": 7,
    "session_page": 15,  # and the safeguarding lead on duty
    "session_page_to_come": 15,
    "session_page_as_parent": 13,  # places are looked up only for those who stand in the group
    "support_request": 6,  # (the same)
    "session_ics": 6,
    "calendar": 7,
    "calendar_feed": 5,
    "self_checkin": 6,  # (the same)
    "preparation_file": 13,
    "checkin_screen": 11,  # and the safety-plan and photo-consent markers, one query for every row
    "debrief": 10,
    "record": 10,
    "support_queue": 5,
    "support_decide": 5,
    "follow_ups": 5,
    "follow_up_close": 5,
    "timeline": 8,
    # A page past the end costs a count and the last page read again; a page within the list costs what the
    # first does (tests/sessions_app/test_pagination.py compares pages 1, 2 and 3 of 120 rows).
    "group_sessions_page_2": 10,  # 7, a count of the past sessions, the page and its facilitators again
    "timeline_page_2": 14,  # 8, a count of each kind, each kind's rows again
    "follow_ups_page_2": 7,  # 5, a count, the page again
    "follow_ups_closed": 7,  # (the same)
    "support_queue_page_2": 7,  # (the same)
    "support_queue_decided": 7,  # (the same)
    "governance_meetings": 13,  # 11, a count of the meetings to come, their last page again; the committee's
    # meetings are paged from the rows already read for its counts
    "governance": 11,
    "quorum_record": 10,  # (the same: a governance lead)
    "session_messages": 6,  # (the same)
    "one_tap_answer": 2,
    "orgadmin_overview": 6,
    "orgadmin_staff": 9,
    "orgadmin_staff_invite": 6,
    "orgadmin_staff_edit": 8,
    "orgadmin_staff_remove": 8,
    "org_venues": 7,
    "venue_edit": 7,
    "venue_retire": 8,
    "reminder_settings": 7,
    "two_step_setup": 6,
}

# page -> rows it must show when there are many ({last} is the last row's number), so a count is of a page that
# really lists them.
SHOWS: dict[str, list[str]] = {
    # "home" lists no rows that grow: every list on it is bounded (tests/sessions_app/test_pagination.py)
    "group_members": ["Parent {last:02d}"],
    "group_sessions": ["Meeting {last:02d}"],
    "session_create": ["Room {last:02d}"],
    "glossary": ["AB{last:02d}"],
    "venues": ["Room {last:02d}"],
    "org_venues": ["Room {last:02d}"],
    "calendar_feed": ["Meeting {last:02d}"],
    "checkin_screen": ["Parent {last:02d}"],
    "debrief": ["Parent {last:02d}"],
    "record": ["Parent {last:02d}", "Action {last}", "Win {last}", "Proposal {last}"],
    "support_queue": ["Parent {last:02d}"],
    "follow_ups": ["Parent {last:02d}"],
    "timeline": ["Action {last}", "Win {last}", "Proposal {last}"],
    "group_sessions_page_2": ["Meeting {last:02d}"],
    "timeline_page_2": ["Action {last}", "Win {last}", "Proposal {last}"],
    "follow_ups_page_2": ["Parent {last:02d}"],
    "support_queue_page_2": ["Parent {last:02d}"],
    "governance_meetings": ["Parent {last:02d}"],
    "governance": ["Parent {last:02d}"],
    "quorum_record": ["Parent {last:02d}"],
    "session_messages": ["Parent {last:02d}"],
}


# page -> what grows with the rows (an N+1 to fix in the view or its selector).
GROWS: dict[str, str] = {}

_measured: dict[str, dict[int, tuple[int, list[str]]]] = {}
_shown: dict[str, str] = {}


def measure(request, world) -> dict[str, dict[int, tuple[int, list[str]]]]:
    """Every page, for each number of rows: (status, the SQL it ran). Building the data takes most of the time,
    so it is built once per size, in a savepoint rolled back afterwards, and the answers kept for every test of
    this module. Each page is opened once before it is counted, so caches of the process (content types, the
    site) are warm, as they are in production."""
    if _measured:
        return _measured
    for n in ROWS:
        with transaction.atomic():
            data = world(n)
            with at(AFTER):
                for page, (role, url_of) in PAGES.items():
                    client = Client()
                    if role != "anonymous":
                        client.force_login(data.parent if role == "parent" else request.getfixturevalue(role))
                    url = url_of(data)
                    client.get(url)
                    with CaptureQueriesContext(connection) as queries:
                        response = client.get(url)
                    _measured.setdefault(page, {})[n] = (
                        response.status_code,
                        [q["sql"] for q in queries.captured_queries],
                    )
                    if n == ROWS[-1]:
                        _shown[page] = (
                            b"".join(response).decode(errors="replace")
                            if response.streaming
                            else (response.content.decode(errors="replace"))
                        )
            transaction.set_rollback(True)
    return _measured


def pages_with_marks():
    for page in PAGES:
        marks = [pytest.mark.xfail(reason=f"N+1: {GROWS[page]}", strict=True)] if page in GROWS else []
        yield pytest.param(page, marks=marks, id=page)


@pytest.mark.parametrize("page", list(pages_with_marks()))
def test_page_runs_the_same_exact_number_of_queries_for_one_row_and_for_many(request, world, page):
    counts = measure(request, world)[page]
    statuses = {n: status for n, (status, _) in counts.items()}
    numbers = {n: len(sql) for n, (_, sql) in counts.items()}

    assert set(statuses.values()) == {200}, statuses
    few, many = (counts[n][1] for n in ROWS)
    extra = [q for q in many if q not in few][:5]
    assert numbers[ROWS[0]] == numbers[ROWS[-1]], f"{page}: {numbers} queries; more with more rows, e.g. {extra}"
    assert numbers[ROWS[0]] == QUERIES[page], f"{page}: {numbers[ROWS[0]]} queries, expected {QUERIES[page]}"
    for row in SHOWS.get(page, []):
        assert row.format(last=ROWS[-1] - 1) in _shown[page], f"{page} does not show {row} with many rows"
