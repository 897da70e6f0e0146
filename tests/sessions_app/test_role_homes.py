"""Each role's home page shows its work (issue 11, item 4): the facilitator's day, the governance lead's meetings
short of parents with one button to remind them, the safeguarding lead's overdue follow-ups (escalated first)
and low check-outs, the finance officer's approved support to pay, and what needs an organisation admin. Each
section shows only what the role may see, and costs the same number of queries with 1 row as with 15.

"Now" is Monday 3 March 2031, 9:00 in London. Data is built through the services; time is fixed with
time-machine."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from groups import services as group_services
from groups.models import Group, Membership, StaffRole
from sessions_app import services
from sessions_app.models import Answer, SupportRequest
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 3, 3, 9, 0, tzinfo=LONDON)
HELD = datetime(2031, 2, 26, 10, 0, tzinfo=LONDON)  # a session held last Wednesday


def text_of(response):
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def section(text, heading):
    """The page text from `heading` up to the next section heading of the role homes (or the end)."""
    start = text.index(heading)
    ends = [
        text.find(h, start + len(heading))
        for h in (
            "For facilitators",
            "Your sessions",
            "Meetings that may not have enough parents",
            "Follow-ups and wellbeing",
            "Approved support to pay",
            "For organisation admins",
            "Your groups",
        )
    ]
    ends = [e for e in ends if e != -1]
    return text[start : min(ends) if ends else None]


@pytest.fixture
def world(
    request,
    organisation,
    group_with_members,
    facilitator,
    facilitator2,
    org_admin,
    venue,
    make_user,
    governance_lead,
    safeguarding_lead,
    finance_officer,
):
    """`build(n)`: n of everything each role home lists."""

    def build(n):
        group = group_with_members
        with time_machine.travel(HELD - timedelta(days=10), tick=False):
            parents = []
            for i in range(n):
                person = make_user(email=f"mum{i}@example.test", full_name=f"Mum {i:02d}")
                group_services.membership_add(
                    group=group, user=person, role=Membership.Role.PARENT, acting_user=facilitator
                )
                parents.append(person)
            held = plan_session(group, facilitator, facilitator2, starts_at=HELD, venue=venue, title="Held session")
        with time_machine.travel(HELD + timedelta(minutes=20), tick=False):
            for person in parents:
                services.checkin_record(session=held, person=person, acting_user=facilitator)
        with time_machine.travel(HELD + timedelta(hours=2), tick=False):
            for person in parents:
                services.checkout_record(session=held, person=person, acting_user=facilitator, feeling=1)
        with time_machine.travel(NOW - timedelta(days=1), tick=False):
            coming = plan_session(
                group, facilitator, facilitator2, starts_at=NOW + timedelta(days=3), venue=venue, title="Coming session"
            )
            today = plan_session(
                group,
                facilitator,
                facilitator2,
                starts_at=NOW + timedelta(hours=2),
                venue=venue,
                title="Today's session",
            )
            for person in parents:
                services.rsvp_answer(session=coming, user=person, answer=Answer.YES)
                services.support_request_create(
                    session=coming, user=person, kind=SupportRequest.Kind.CHILDCARE, children_count=2
                )
                paid = services.support_request_create(
                    session=coming,
                    user=person,
                    kind=SupportRequest.Kind.TRAVEL,
                    travel_mode="public",
                    expected_cost_pence=450,
                )
                services.support_request_decide(request=paid, approve=True, acting_user=facilitator, amount_pence=450)
            for i in range(n):
                plan_session(
                    group,
                    facilitator,
                    facilitator2,
                    starts_at=NOW + timedelta(days=20, hours=i),
                    venue=venue,
                    title=f"Draft {i:02d}",
                    publish=False,
                )
            committee = group_services.group_create(
                organisation=organisation,
                name="Parent Governance Committee",
                kind=Group.Kind.GOVERNANCE,
                purpose="Parents and professionals agree how the family fund is spent.",
                acting_user=facilitator,
            )
            group_services.membership_add(
                group=committee, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator
            )
            for person in parents[:3]:
                group_services.membership_add(
                    group=committee, user=person, role=Membership.Role.PARENT, acting_user=facilitator
                )
            for i in range(n):
                plan_session(
                    committee,
                    facilitator,
                    facilitator2,
                    starts_at=NOW + timedelta(days=2, hours=i),
                    venue=venue,
                    title=f"Committee meeting {i:02d}",
                )
            for i in range(n):
                newcomer = make_user(email=f"new{i}@example.test", full_name=f"New Officer {i:02d}")
                group_services.staff_role_grant(
                    organisation=organisation, user=newcomer, role=StaffRole.Role.FINANCE_OFFICER
                )
                group_services.group_create(
                    organisation=organisation,
                    name=f"Small group {i:02d}",
                    kind=Group.Kind.WORKING,
                    purpose="A group with one facilitator.",
                    acting_user=facilitator,
                )
        return {"held": held, "coming": coming, "today": today, "committee": committee, "parents": parents}

    return build


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


# --- a fixed number of queries, whatever the rows --------------------------------------------------------

# Queries for the home page of each role (with the session, the user, their standing and the base page).
HOME_QUERIES = {
    "facilitator": 18,
    "governance_lead": 10,
    "safeguarding_lead": 8,
    "finance_officer": 8,  # and the claims waiting for them
    "org_admin": 21,
}
# What each role's section lists, as (section heading, words each row has): ten at most.
ROWS = {
    "facilitator": ("For facilitators", "childcare for Coming session"),
    "governance_lead": ("Meetings that may not have enough parents", "Remind the parents who have not answered"),
    "safeguarding_lead": ("Follow-ups and wellbeing", "felt very low leaving Held session"),
    "finance_officer": ("Approved support to pay", "travel, £4.50, for Coming session"),
    "org_admin": ("For organisation admins", "(finance officer)"),
}


@pytest.mark.parametrize("rows", [1, 15])
@pytest.mark.parametrize("role", list(HOME_QUERIES))
def test_each_role_home_costs_the_same_with_1_and_15_rows(
    client, request, world, role, rows, django_assert_num_queries
):
    # given
    world(rows)
    client.force_login(request.getfixturevalue(role))
    client.get(reverse("home"))  # the sign-in's first request settles the session
    # when
    with django_assert_num_queries(HOME_QUERIES[role]):
        response = client.get(reverse("home"))
    # then
    assert response.status_code == 200
    heading, words = ROWS[role]
    assert section(text_of(response), heading).count(words) == min(rows, 10)


# --- each role sees its own work, and only that ----------------------------------------------------------


def test_the_facilitator_home_puts_overdue_follow_ups_first_then_today_drafts_and_requests(client, world, facilitator):
    world(1)
    client.force_login(facilitator)
    text = section(text_of(client.get(reverse("home"))), "For facilitators")
    assert text.index("Follow-ups overdue") < text.index("Today") < text.index("Support requests to decide")
    assert "Mum 00 (left feeling low) after Held session: due 28 February" in text
    assert "Today's session, 11am (Mothers' group)" in text.replace(" ,", ",")
    assert "In 3 days: Mum 00, childcare for Coming session" in text
    assert "Draft 00" in text


def test_staff_without_a_role_section_see_none_of_the_other_roles_work(client, world, facilitator, finance_officer):
    world(1)
    client.force_login(facilitator)
    text = text_of(client.get(reverse("home")))
    for heading in ("Meetings that may not have enough parents", "Follow-ups and wellbeing", "Approved support to pay"):
        assert heading not in text
    client.force_login(finance_officer)
    text = text_of(client.get(reverse("home")))
    assert "Approved support to pay" in text
    assert "childcare" not in text  # pending requests are for those who decide, not for finance
    assert "Mum 00 felt" not in text and "For facilitators" not in text


def test_a_person_with_several_roles_sees_a_section_for_each(client, world, organisation, safeguarding_lead, grant):
    world(1)
    grant(safeguarding_lead, organisation, StaffRole.Role.FINANCE_OFFICER)
    client.force_login(safeguarding_lead)
    text = text_of(client.get(reverse("home")))
    assert "Follow-ups and wellbeing" in text and "Approved support to pay" in text


def test_another_organisations_leads_see_nothing_of_ours(client, world, other_organisation, make_user, grant):
    world(1)
    elsewhere = make_user(email="elsewhere@example.test")
    for role in (StaffRole.Role.SAFEGUARDING_LEAD, StaffRole.Role.FINANCE_OFFICER, StaffRole.Role.GOVERNANCE_LEAD):
        grant(elsewhere, other_organisation, role)
    client.force_login(elsewhere)
    text = text_of(client.get(reverse("home")))
    assert "No follow-up is overdue." in text
    assert "Nobody left a session feeling low in the last 2 weeks." in text
    assert "No support has been approved yet." in text
    assert "Every meeting in the next 14 days has enough parents who said yes." in text
    assert "Mum 00" not in text and "Committee meeting" not in text


def test_follow_ups_overdue_by_more_than_two_days_are_escalated_and_come_first(
    client, group_with_members, facilitator, facilitator2, venue, make_user, safeguarding_lead
):
    # given: two sessions held; the follow-up of the earlier is 3 working days late, the later one 1 day
    def held_with_low_checkout(starts_at, name):
        person = make_user(full_name=name)
        with time_machine.travel(starts_at - timedelta(days=7), tick=False):
            group_services.membership_add(
                group=group_with_members, user=person, role=Membership.Role.PARENT, acting_user=facilitator
            )
            session = plan_session(group_with_members, facilitator, facilitator2, starts_at=starts_at, venue=venue)
        with time_machine.travel(starts_at + timedelta(minutes=10), tick=False):
            services.checkin_record(session=session, person=person, acting_user=facilitator)
            services.checkout_record(session=session, person=person, acting_user=facilitator, feeling=2)

    held_with_low_checkout(datetime(2031, 2, 27, 10, 0, tzinfo=LONDON), "Recent Rosa")  # due Mon 3: not overdue
    held_with_low_checkout(datetime(2031, 2, 26, 10, 0, tzinfo=LONDON), "Late Lee")  # due Fri 28: 3 days
    held_with_low_checkout(datetime(2031, 2, 25, 10, 0, tzinfo=LONDON), "Earlier Eve")  # due Thu 27: 4 days
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        client.force_login(safeguarding_lead)
        text = section(text_of(client.get(reverse("home"))), "Follow-ups and wellbeing")
    overdue = text[: text.index("Left feeling low")]
    assert overdue.index("Escalated Earlier Eve") < overdue.index("Escalated Late Lee") < overdue.index("Recent Rosa")
    assert "Escalated Recent Rosa" not in overdue  # one day overdue: not yet escalated
    assert (
        "Recent Rosa (left feeling low) after Planning the summer fun day, Mothers' group: due 3 March, 1 day overdue"
        in overdue
    )


def test_the_admin_home_lists_staff_without_two_step_and_groups_short_of_facilitators(client, world, org_admin):
    world(1)
    client.force_login(org_admin)
    text = section(text_of(client.get(reverse("home"))), "For organisation admins")
    assert "New Officer 00 (finance officer)" in text
    assert "Small group 00 : 1 facilitator" in text or "Small group 00: 1 facilitator" in text
    assert "Mothers' group" not in text  # it has two facilitators
    assert "Olu Admin" not in text  # set up (tests/conftest.py gives admins two-step sign-in)


# --- the governance lead's one action: remind the parents who have not answered ---------------------------


def test_reminding_sends_the_chaser_to_unanswered_parents_once_a_day_and_audits_it(
    client, world, governance_lead, facilitator, make_user
):
    from core.models import AuditEvent
    from sessions_app.models import Message

    # given: a meeting short of parents; one of the committee's three parents has answered
    data = world(1)
    meeting = data["committee"].sessions.get()
    for name in ("Asha Parent", "Ben Parent"):
        group_services.membership_add(
            group=data["committee"],
            user=make_user(full_name=name),
            role=Membership.Role.PARENT,
            acting_user=facilitator,
        )
    parents = list(data["committee"].memberships.filter(role=Membership.Role.PARENT).order_by("pk"))
    assert len(parents) == 3
    services.rsvp_answer(session=meeting, user=parents[0].user, answer=Answer.NO)
    url = reverse("sessions_app:quorum_remind", args=[meeting.pk])
    client.force_login(governance_lead)

    # when
    response = client.post(url)
    client.post(url)  # a double click

    # then
    assert response.status_code == 302 and response.url == reverse("home")
    sent = Message.objects.filter(kind="chaser", key__startswith=f"quorum_reminder:{meeting.pk}:")
    assert sorted({m.person_id for m in sent}) == sorted(m.user_id for m in parents[1:])
    assert {m.key for m in sent} == {f"quorum_reminder:{meeting.pk}:2031-03-03"}
    events = AuditEvent.objects.filter(action="quorum.parents_reminded")
    assert events.count() == 1 and events.get().actor_id == governance_lead.pk
    assert "You reminded the parents who have not answered today." in text_of(client.get(reverse("home")))

    # the next day the parents who still have not answered are reminded again
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        client.post(url)
    assert Message.objects.filter(key=f"quorum_reminder:{meeting.pk}:2031-03-04").exists()
    assert AuditEvent.objects.filter(action="quorum.parents_reminded").count() == 2
