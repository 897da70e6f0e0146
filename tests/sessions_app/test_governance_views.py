"""The governance pages through the Django test client: the parent-quorum dashboard, the printable quorum
record of one meeting, the log of messages sent about a session, and the one-tap answer links in messages.

The committee needs two parents or carers with lived experience for a meeting to count. "Now" is Monday
3 March 2031, 9:00 in London; the meeting under test is on Thursday 13 March 2031, 18:00 to 20:00. Past
meetings are built as they would happen: created and published before they start, then people are checked in
while they run. Data is built through the services; time is fixed with time-machine."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from groups import services as group_services
from groups.models import Group, Membership, StaffRole
from sessions_app import checks, messaging, notify, services
from sessions_app.messaging import answer_token
from sessions_app.models import Answer, Decision, Message, QuorumRecord, Rsvp, Session
from sessions_app.sms import LocmemSmsBackend, SmsError

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 3, 3, 9, 0, tzinfo=LONDON)
START = datetime(2031, 3, 13, 18, 0, tzinfo=LONDON)
LOGIN = "/accounts/login/"
ASHA_PHONE = "07700 900123"


def text_of(response):
    """The page as a person reads it: no tags, entities decoded, runs of white space as one space."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def statuses_of(response):
    """The words of each quorum status shown (the badges), in page order."""
    found = re.findall(r'<strong class="quorum-status[^"]*">(.*?)</strong>', response.content.decode(), re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", s)).strip() for s in found]


def between(text, start, end):
    """The part of the page text from `start` up to `end` (or to the end of the page)."""
    head = text.index(start)
    tail = text.find(end, head)
    return text[head : tail if tail != -1 else None]


# --- data ------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def asha(make_user):
    return make_user(email="asha@example.test", full_name="Asha Parent", phone=ASHA_PHONE, contact_preference="text")


@pytest.fixture
def ben(make_user):
    return make_user(email="ben@example.test", full_name="Ben Parent")


@pytest.fixture
def committee(organisation, facilitator, facilitator2, parent, asha, ben, professional):
    """A governance committee (two parents needed): two facilitators, three parents and a professional."""
    group = group_services.group_create(
        organisation=organisation,
        name="Parent Governance Committee",
        kind=Group.Kind.GOVERNANCE,
        purpose="Parents and professionals agree how the family fund is spent.",
        acting_user=facilitator,
    )
    for person, role in [
        (facilitator2, Membership.Role.FACILITATOR),
        (parent, Membership.Role.PARENT),
        (asha, Membership.Role.PARENT),
        (ben, Membership.Role.PARENT),
        (professional, Membership.Role.PROFESSIONAL),
    ]:
        group_services.membership_add(group=group, user=person, role=role, acting_user=facilitator)
    assert group.parent_quorum == 2
    return group


@pytest.fixture
def make_meeting(committee, facilitator, facilitator2, venue):
    def make(starts_at=START, *, group=None, title="Committee meeting", publish=True):
        [session] = services.session_create(
            group=group or committee,
            acting_user=facilitator,
            title=title,
            purpose="Agree the plan for the family fund.",
            starts_at=starts_at,
            ends_at=starts_at + timedelta(hours=2),
            format=Session.Format.IN_PERSON,
            venue=venue,
            lead=facilitator,
            supports=[facilitator2],
        )
        if publish:
            services.session_publish(session=session, acting_user=facilitator)
            session.refresh_from_db()
        return session

    return make


@pytest.fixture
def meeting(make_meeting):
    return make_meeting()


@pytest.fixture
def held_meeting(make_meeting, facilitator):
    """A meeting in the past: published a week before it, then the people given checked in half an hour in."""

    def hold(starts_at, present, title="Committee meeting"):
        with time_machine.travel(starts_at - timedelta(days=7), tick=False):
            session = make_meeting(starts_at, title=title)
        with time_machine.travel(starts_at + timedelta(minutes=30), tick=False):
            for person in present:
                services.checkin_record(session=session, person=person, acting_user=facilitator)
        return session

    return hold


@pytest.fixture
def staff_facilitator(make_user, organisation, grant):
    """A facilitator of the organisation who does not facilitate the committee."""
    return grant(make_user(email="staff@example.test"), organisation, StaffRole.Role.FACILITATOR)


@pytest.fixture
def other_governance_lead(make_user, other_organisation, grant):
    return grant(make_user(email="othergov@example.test"), other_organisation, StaffRole.Role.GOVERNANCE_LEAD)


def answer(session, person, value):
    services.rsvp_answer(session=session, user=person, answer=value)


def dashboard(client, user):
    client.force_login(user)
    return client.get(reverse("sessions_app:governance"))


# --- who may see what ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role, dashboard_status, session_pages_status",
    [
        ("governance_lead", 200, 200),
        ("org_admin", 200, 200),
        ("facilitator", 403, 200),  # facilitates the committee: its record and messages, not the dashboard
        ("staff_facilitator", 403, 403),  # a facilitator of the organisation, not of this committee
        ("parent", 403, 403),
        ("outsider", 403, 404),  # a facilitator of another organisation
        ("other_governance_lead", 200, 404),  # oversees another organisation: sees only that one's meetings
    ],
)
def test_who_may_open_the_governance_pages(client, request, meeting, role, dashboard_status, session_pages_status):
    user = request.getfixturevalue(role)
    client.force_login(user)

    response = client.get(reverse("sessions_app:governance"))
    assert response.status_code == dashboard_status
    if dashboard_status == 200:
        shown = [row.session.pk for row in response.context["dashboard"].upcoming]
        assert shown == ([] if role == "other_governance_lead" else [meeting.pk])
    for name in ("quorum_record", "session_messages"):
        assert client.get(reverse(f"sessions_app:{name}", args=[meeting.pk])).status_code == session_pages_status


def test_signed_out_people_are_sent_to_sign_in(client, meeting):
    for url in (
        reverse("sessions_app:governance"),
        reverse("sessions_app:quorum_record", args=[meeting.pk]),
        reverse("sessions_app:session_messages", args=[meeting.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(LOGIN)


def test_unknown_session_is_not_found(client, governance_lead):
    client.force_login(governance_lead)
    assert client.get(reverse("sessions_app:quorum_record", args=[999999])).status_code == 404
    assert client.get(reverse("sessions_app:session_messages", args=[999999])).status_code == 404


def test_a_refused_person_does_not_make_the_quorum_record(client, meeting, parent):
    # given a meeting under way, with no quorum record yet
    with time_machine.travel(START + timedelta(minutes=10), tick=False):
        client.force_login(parent)
        # when a parent opens its quorum record page
        response = client.get(reverse("sessions_app:quorum_record", args=[meeting.pk]))
    # then they are refused before anything is counted or saved
    assert response.status_code == 403
    assert not QuorumRecord.objects.filter(session=meeting).exists()


def test_the_pages_only_read(client, meeting, governance_lead):
    client.force_login(governance_lead)
    for name in ("quorum_record", "session_messages"):
        assert client.post(reverse(f"sessions_app:{name}", args=[meeting.pk])).status_code == 405
    assert client.post(reverse("sessions_app:governance")).status_code == 405


# --- the dashboard: meetings coming up -------------------------------------------------------------------


def test_an_at_risk_meeting_names_the_parents_to_call(client, meeting, governance_lead, parent, ben):
    # given Pat said yes and Ben maybe; Asha has not answered (two parents are needed)
    answer(meeting, parent, Answer.YES)
    answer(meeting, ben, Answer.MAYBE)
    # and the 72-hour check has been made
    with time_machine.travel(START - timedelta(hours=71), tick=False):
        checks.quorum_checks_run()

        # when the governance lead opens the dashboard
        response = dashboard(client, governance_lead)

    # then the meeting is "At risk", in words
    assert response.status_code == 200
    assert statuses_of(response) == ["At risk"]
    text = text_of(response)
    assert "1 parent said yes; 2 needed." in text
    # with Asha to call personally: her phone number and how she likes to be contacted
    not_answered = between(text, "Not answered yet (1)", "Said maybe")
    assert "Asha Parent" in not_answered
    assert ASHA_PHONE in not_answered
    assert "Prefers: text message" in not_answered
    assert "Ben Parent" not in not_answered
    assert f'href="tel:{ASHA_PHONE}"' in response.content.decode()
    # and Ben among those who said maybe
    assert "Ben Parent" in between(text, "Said maybe (1)", "Latest check")
    # and the latest check, with its counts
    assert "Latest check, 72 hours before" in text
    assert "1 of 2 parents had said yes — not enough" in text
    assert reverse("sessions_app:quorum_record", args=[meeting.pk]) in response.content.decode()


def test_a_meeting_with_enough_parents_shows_met(
    client, make_meeting, meeting, group_with_members, governance_lead, parent, asha
):
    # given two parents said yes
    answer(meeting, parent, Answer.YES)
    answer(meeting, asha, Answer.YES)
    # and meetings the dashboard must leave out
    make_meeting(START + timedelta(days=70), title="Too far ahead")
    make_meeting(START + timedelta(days=1), title="Still a draft", publish=False)
    make_meeting(START, group=group_with_members, title="Group without a quorum rule")

    response = dashboard(client, governance_lead)

    assert statuses_of(response) == ["Met"]
    text = text_of(response)
    assert "2 parents said yes; 2 needed." in text
    assert "Not answered yet (1)" in text  # Ben
    for title in ("Too far ahead", "Still a draft", "Group without a quorum rule"):
        assert title not in text


def test_a_meeting_where_too_many_parents_said_no_shows_not_met(client, meeting, org_admin, parent, asha):
    # given two of the three parents said no: even if Ben comes there will be one, and two are needed
    answer(meeting, parent, Answer.NO)
    answer(meeting, asha, Answer.NO)

    response = dashboard(client, org_admin)

    assert statuses_of(response) == ["Not met"]
    text = text_of(response)
    assert "0 parents said yes; 2 needed." in text
    assert "Said no: Asha Parent, Pat Parent." in text


# --- the dashboard: the last twelve months ---------------------------------------------------------------


def test_twelve_months_of_attendance_counts_quorate_and_inquorate_meetings(
    client, held_meeting, meeting, committee, governance_lead, parent, asha, ben, professional
):
    # given a meeting more than twelve months ago, which does not count
    held_meeting(datetime(2030, 1, 14, 18, 0, tzinfo=LONDON), [parent, asha, ben], title="January 2030 meeting")
    # a quorate meeting whose quorum was recorded at the time
    june = held_meeting(datetime(2030, 6, 10, 18, 0, tzinfo=LONDON), [parent, asha], title="June meeting")
    with time_machine.travel(datetime(2030, 6, 10, 20, 30, tzinfo=LONDON), tick=False):
        assert services.quorum_record(session=june).quorate
    # an inquorate one: one parent, and a professional (who does not count towards the parent quorum)
    held_meeting(datetime(2030, 9, 9, 18, 0, tzinfo=LONDON), [parent, professional], title="September meeting")
    # and a quorate one; every check-in keeps the meeting's quorum record current
    held_meeting(datetime(2031, 1, 13, 18, 0, tzinfo=LONDON), [parent, asha, ben], title="January 2031 meeting")

    response = dashboard(client, governance_lead)

    [attendance] = response.context["dashboard"].committees
    assert attendance.group == committee
    assert (attendance.held, attendance.quorate, attendance.inquorate) == (3, 2, 1)
    assert attendance.average_present == 2.0
    assert [(m.session.title, m.parents_present, m.quorate, m.recorded) for m in attendance.meetings] == [
        ("January 2031 meeting", 3, True, True),
        ("September meeting", 1, False, True),
        ("June meeting", 2, True, True),
    ]
    text = text_of(response)
    assert "Meetings held 3 Quorate (enough parents) 2 Inquorate (not enough) 1 Average parents present 2.0" in text
    assert "September meeting 1 of 2 needed Inquorate" in text
    assert "January 2030 meeting" not in text
    # the meeting to come is not counted as held
    assert meeting.title not in text.split("Parent attendance over the last twelve months", 1)[1]


@pytest.mark.parametrize("count", [1, 10])
def test_dashboard_query_count_does_not_grow_with_meetings(
    client,
    django_assert_max_num_queries,
    make_user,
    make_meeting,
    held_meeting,
    committee,
    facilitator,
    governance_lead,
    parent,
    asha,
    count,
):
    # given `count` meetings to come, each with answers and a quorum check, and `count` meetings held
    for n in range(count):
        extra = make_user(full_name=f"Extra Parent {n}")
        group_services.membership_add(group=committee, user=extra, role=Membership.Role.PARENT, acting_user=facilitator)
    for n in range(count):
        upcoming = make_meeting(START + timedelta(days=n), title=f"Meeting to come {n}")
        answer(upcoming, parent, Answer.YES)
        answer(upcoming, asha, Answer.MAYBE)
        checks.quorum_check(session=upcoming, hours_before=72)
        held_meeting(datetime(2030, 6, 2, 18, 0, tzinfo=LONDON) + timedelta(weeks=n), [parent, asha], f"Held {n}")
    client.force_login(governance_lead)

    with django_assert_max_num_queries(11):
        response = client.get(reverse("sessions_app:governance"))

    assert response.status_code == 200
    assert len(response.context["dashboard"].upcoming) == count
    assert response.context["dashboard"].committees[0].held == count
    assert statuses_of(response) == ["At risk"] * count


# --- the quorum record -----------------------------------------------------------------------------------


def test_quorum_record_of_an_inquorate_meeting(client, meeting, facilitator, governance_lead, parent, asha):
    # given Pat said yes before the 72-hour check, and Asha after it
    answer(meeting, parent, Answer.YES)
    with time_machine.travel(START - timedelta(hours=71), tick=False):
        checks.quorum_checks_run()
        answer(meeting, asha, Answer.YES)
    # and at the meeting only Pat came, and a decision was taken
    with time_machine.travel(START + timedelta(minutes=20), tick=False):
        services.checkin_record(session=meeting, person=parent, acting_user=facilitator)
        services.decision_record(
            session=meeting,
            proposal="Spend the family fund on a summer trip",
            outcome="Agreed by everyone there",
            acting_user=facilitator,
        )

        # when the governance lead opens the quorum record
        client.force_login(governance_lead)
        response = client.get(reverse("sessions_app:quorum_record", args=[meeting.pk]))

    # then it is inquorate: one parent present, two needed
    assert response.status_code == 200
    assert statuses_of(response) == ["Inquorate"]
    text = text_of(response)
    assert "Committee Parent Governance Committee (Bayside Partnership)" in text
    assert "1 parent present, 2 needed." in text
    assert "Parents who said yes before the meeting (2)" in text
    assert "Parents present at the meeting (1)" in text
    assert "Pat Parent 6:20pm Not recorded" in text
    # and the decision needs confirming at a quorate meeting
    assert Decision.objects.get(session=meeting).needs_confirmation
    assert (
        "Spend the family fund on a summer trip Agreed by everyone there Needs confirming at a quorate meeting" in text
    )
    # and the 72-hour check is listed with its counts
    assert "72 hours before" in text
    assert "1 of 2 needed Not enough" in text
    record = QuorumRecord.objects.get(session=meeting)
    assert (record.parents_present, record.required, record.quorate) == (1, 2, False)


def test_quorum_record_prints_without_inline_script(client, meeting, governance_lead):
    client.force_login(governance_lead)
    page = client.get(reverse("sessions_app:quorum_record", args=[meeting.pk])).content.decode()
    assert re.search(r"<button[^>]*data-print[^>]*>Print this record</button>", page)
    assert '<script src="/static/js/print.js"></script>' in page
    assert "onclick" not in page
    assert "window.print" not in page


def test_quorum_record_before_the_meeting_shows_the_current_picture(client, meeting, facilitator, parent):
    answer(meeting, parent, Answer.YES)
    client.force_login(facilitator)

    response = client.get(reverse("sessions_app:quorum_record", args=[meeting.pk]))

    text = text_of(response)
    assert statuses_of(response) == ["Not yet held"]
    assert "So far: At risk — 1 parent said yes, 2 needed; 2 not answered yet." in text
    assert "Asha Parent" in between(text, "Parents who have not answered yet", "Parents who said yes")
    assert not QuorumRecord.objects.filter(session=meeting).exists()


def test_quorum_record_is_kept_once_check_in_has_closed(
    client, held_meeting, committee, governance_lead, org_admin, parent
):
    # given a meeting where one parent came, recorded as inquorate while it ran
    past = held_meeting(datetime(2031, 2, 10, 18, 0, tzinfo=LONDON), [parent], title="February meeting")
    with time_machine.travel(datetime(2031, 2, 10, 19, 0, tzinfo=LONDON), tick=False):
        services.quorum_record(session=past)
    # when the committee later needs only one parent
    group_services.group_update(group=committee, acting_user=org_admin, parent_quorum=1)
    client.force_login(governance_lead)
    response = client.get(reverse("sessions_app:quorum_record", args=[past.pk]))
    # then the record of that meeting still says what was true then
    assert statuses_of(response) == ["Inquorate"]
    assert "1 parent present, 2 needed." in text_of(response)
    assert QuorumRecord.objects.get(session=past).required == 2


# --- messages about a session ----------------------------------------------------------------------------


def test_session_messages_newest_first_with_problems(
    client, monkeypatch, meeting, facilitator, parent, asha, ben, professional
):
    # given invitations went out when the meeting was published; Pat's email has been delivered
    pat_invitation = Message.objects.get(session=meeting, person=parent, kind=Message.Kind.INVITATION)
    assert messaging.message_deliver(message_id=pat_invitation.pk) == "sent"
    # and the next day a chaser went to those who had not answered; Asha's text could not be delivered
    with time_machine.travel(NOW + timedelta(days=1), tick=False):
        answer(meeting, parent, Answer.YES)
        notify.chaser(session=meeting)
        chaser = Message.objects.get(session=meeting, person=asha, kind=Message.Kind.CHASER)

        def broken(self, *, to, body):
            raise SmsError("The phone number is not in service")

        monkeypatch.setattr(LocmemSmsBackend, "send", broken)
        with pytest.raises(messaging.DeliveryFailed):
            messaging.message_deliver(message_id=chaser.pk)

    # when the committee's facilitator looks at the messages
    client.force_login(facilitator)
    response = client.get(reverse("sessions_app:session_messages", args=[meeting.pk]))

    # then every message is listed, newest first, with what went wrong
    assert response.status_code == 200
    rows = list(response.context["sent"])
    assert rows == sorted(rows, key=lambda m: (m.created_at, m.pk), reverse=True)
    assert rows[0].kind == Message.Kind.CHASER
    assert {m.person for m in rows if m.kind == Message.Kind.CHASER} == {asha, ben, professional}
    text = text_of(response)
    assert "Asha Parent By text message Have you decided? (no answer yet) Waiting to send Not sent" in text
    assert "Problem: The phone number is not in service (tried 1 time)" in text
    assert "Pat Parent By email Invitation to a session Sent Sent 3 Mar 2031, 9am" in text
    assert text.index("Have you decided?") < text.index("Invitation to a session")


@pytest.mark.parametrize("count", [1, 10])
def test_session_messages_query_count_does_not_grow(
    client, django_assert_max_num_queries, make_user, meeting, governance_lead, count
):
    for n in range(count):
        messaging.message_send(
            person=make_user(full_name=f"Someone {n}"),
            kind=Message.Kind.REMINDER_DAYS,
            key=f"test-reminder:{meeting.pk}:{n}",
            body="See you on Thursday.",
            session=meeting,
        )
    client.force_login(governance_lead)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("sessions_app:session_messages", args=[meeting.pk]))

    assert response.status_code == 200
    assert text_of(response).count("Reminder, days before") == count


# --- one-tap answers from messages -----------------------------------------------------------------------


def one_tap_url(session, person, value=Answer.YES):
    return reverse("sessions_app:one_tap_answer", args=[answer_token(session=session, person=person, answer=value)])


def test_one_tap_link_asks_to_confirm_and_does_not_answer(client, meeting, parent):
    response = client.get(one_tap_url(meeting, parent))

    assert response.status_code == 200
    assert re.search(
        r'<form method="post">.*<button type="submit"[^>]*>Yes, I\'ll come</button>',
        html.unescape(response.content.decode()),
        re.S,
    )
    assert not Rsvp.objects.filter(session=meeting, user=parent).exists()


def test_one_tap_confirm_answers_yes(client, meeting, parent):
    response = client.post(one_tap_url(meeting, parent))

    assert response.status_code == 200
    assert Rsvp.objects.get(session=meeting, user=parent).answer == Answer.YES
    assert "You said yes. See you there!" in text_of(response)


def test_one_tap_confirm_answers_no(client, meeting, parent):
    answer(meeting, parent, Answer.YES)
    client.post(one_tap_url(meeting, parent, Answer.NO))
    assert Rsvp.objects.get(session=meeting, user=parent).answer == Answer.NO


def test_one_tap_tampered_or_odd_links_are_not_found(client, meeting, parent):
    url = one_tap_url(meeting, parent)
    token = url.rstrip("/").rsplit("/", 1)[1]
    tampered = token[:-1] + ("a" if token[-1] != "a" else "b")
    assert client.get(reverse("sessions_app:one_tap_answer", args=[tampered])).status_code == 404
    assert client.post(reverse("sessions_app:one_tap_answer", args=[tampered])).status_code == 404
    assert client.get(one_tap_url(meeting, parent, Answer.MAYBE)).status_code == 404
    assert not Rsvp.objects.filter(session=meeting, user=parent).exists()


def test_one_tap_link_stops_working_when_the_session_starts(client, meeting, parent):
    # given Pat said no
    answer(meeting, parent, Answer.NO)
    url = one_tap_url(meeting, parent)
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        # when the yes link is opened after the start
        response = client.get(url)
        assert "This link no longer works" in text_of(response)
        assert "Yes, I'll come" not in text_of(response)
        # and even a POST changes nothing
        posted = client.post(url)
    assert posted.status_code == 200
    assert "already started" in text_of(posted)
    assert Rsvp.objects.get(session=meeting, user=parent).answer == Answer.NO
