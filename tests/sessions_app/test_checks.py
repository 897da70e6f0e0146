"""The scheduled checks (sessions_app.checks and sessions_app.notify): invitations, chasers, reminders,
cancellation notices, follow-up reminders, parent quorum and the two-facilitator watcher.

Data is built through the services. Time is pinned with time-machine in Europe/London: sessions are published
on Saturday 1 June 2030 at 10:00 and meet on Friday 14 June 2030, 18:00 to 20:00 (BST). Messages are delivered
in-process after commit (MESSAGE_DELIVERY="inline"), so each check runs inside
`django_capture_on_commit_callbacks(execute=True)` and the emails land in `mailoutbox`.
"""

import re
from datetime import date, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError

from groups import services as group_services
from groups.models import Group, Membership, StaffRole
from sessions_app import checks, services, sms
from sessions_app.models import (
    Answer,
    FacilitatorAlert,
    FollowUp,
    Message,
    QuorumCheck,
    QuorumRecord,
    ReminderSettings,
    Rsvp,
    Session,
    SupportRequest,
)
from tests.sessions_app.factories import plan_session

LONDON = ZoneInfo("Europe/London")
PUBLISHED_AT = datetime(2030, 6, 1, 10, 0, tzinfo=LONDON)
START = datetime(2030, 6, 14, 18, 0, tzinfo=LONDON)
PHONE = "07700 900123"


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(PUBLISHED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def sms_outbox():
    sms.LocmemSmsBackend.outbox.clear()
    yield sms.LocmemSmsBackend.outbox
    sms.LocmemSmsBackend.outbox.clear()


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Runs a check (or any service) and delivers what it queued, as committing would."""

    def run_now(fn, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(**kwargs)

    return run_now


def make_session(group, lead, support, *, starts_at=START, publish=True, capacity=None, title="Summer fun day"):
    return plan_session(
        group,
        lead,
        support,
        starts_at=starts_at,
        title=title,
        purpose="Decide together what families need on the day.",
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.test/summer",
        capacity=capacity,
        publish=publish,
    )


def add_member(group, user, role=Membership.Role.PARENT, by=None):
    group_services.membership_add(group=group, user=user, role=role, acting_user=by)
    return user


def messages(kind, **filters):
    return Message.objects.filter(kind=kind, **filters)


def recipients(kind, **filters):
    return sorted(messages(kind, **filters).values_list("person__email", flat=True))


def mails(subject_start):
    return [m for m in mail.outbox if m.subject.startswith(subject_start)]


# --- people ----------------------------------------------------------------------------------------------


@pytest.fixture
def texter(make_user, group_with_members, facilitator):
    return add_member(
        group_with_members,
        make_user(email="tariq@example.test", full_name="Tariq Text", phone=PHONE, contact_preference="text"),
        by=facilitator,
    )


@pytest.fixture
def una(make_user, group_with_members, facilitator):
    return add_member(
        group_with_members, make_user(email="una@example.test", full_name="Una Unanswered"), by=facilitator
    )


@pytest.fixture
def maya(make_user, group_with_members, facilitator):
    return add_member(group_with_members, make_user(email="maya@example.test", full_name="Maya Maybe"), by=facilitator)


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, run):
    return run(make_session, group=group_with_members, lead=facilitator, support=facilitator2)


# --- invitations and one-tap answers ---------------------------------------------------------------------


def test_publishing_invites_every_member_but_the_sessions_facilitators(
    group_with_members, facilitator, facilitator2, parent, professional, texter, make_user, run, mailoutbox, sms_outbox
):
    # given: a third facilitator of the group who is not facilitating this session
    spare = add_member(
        group_with_members,
        make_user(email="spare@example.test", full_name="Sam Spare"),
        Membership.Role.FACILITATOR,
        by=facilitator,
    )

    # when
    session = run(make_session, group=group_with_members, lead=facilitator, support=facilitator2)

    # then
    assert recipients(Message.Kind.INVITATION, session=session) == [
        "parent@example.test",
        "professional@example.test",
        "spare@example.test",
        "tariq@example.test",
    ]
    assert sorted(m.to[0] for m in mailoutbox) == ["parent@example.test", "professional@example.test", spare.email]
    invitation = next(m for m in mailoutbox if m.to == ["parent@example.test"])
    assert invitation.subject.startswith("Will you come? Summer fun day, Friday 14 June, 6pm")
    assert "Hello Pat Parent" in invitation.body
    assert "Yes, I'll come: http" in invitation.body
    # The joining link is shared only with people who say yes.
    assert "https://meet.example.test/summer" not in invitation.body
    [text] = sms_outbox
    assert text["to"] == PHONE
    assert "Will you come? Yes: http" in text["body"]


def test_publishing_again_invites_nobody_twice(session, facilitator, run, mailoutbox):
    sent = len(mailoutbox)
    rows = Message.objects.count()

    run(services.session_publish, session=session, acting_user=facilitator)

    assert len(mailoutbox) == sent
    assert Message.objects.count() == rows


def link_from(body, label):
    return urlparse(re.search(rf"{re.escape(label)} (\S+)", body).group(1)).path


def test_the_one_tap_links_answer_after_a_confirm_and_stop_at_the_start(
    client, clock, session, parent, professional, mailoutbox
):
    # given
    parent_mail = next(m for m in mailoutbox if m.to == ["parent@example.test"])
    professional_mail = next(m for m in mailoutbox if m.to == ["professional@example.test"])
    yes_path = link_from(parent_mail.body, "Yes, I'll come:")
    no_path = link_from(professional_mail.body, "No, I can't:")

    # when: the link is opened (an email scanner would do the same): a confirm page, no answer yet
    page = client.get(yes_path)

    # then
    assert page.status_code == 200
    assert "Please confirm your answer" in page.content.decode()
    assert "Yes, I'll come" in page.content.decode()
    assert not Rsvp.objects.exists()

    # when: the person confirms
    done = client.post(yes_path)
    refused = client.post(no_path)

    # then
    assert done.status_code == 200
    assert "You said yes" in done.content.decode()
    assert refused.status_code == 200
    assert "You said you can" in refused.content.decode()
    assert Rsvp.objects.get(user=parent).answer == Answer.YES
    assert Rsvp.objects.get(user=professional).answer == Answer.NO

    # when: the session has started, the links no longer work
    clock.move_to(START + timedelta(minutes=1))
    parent_no = link_from(parent_mail.body, "No, I can't:")
    late_get = client.get(parent_no)
    late_post = client.post(parent_no)

    # then
    assert "This link no longer works" in late_get.content.decode()
    assert "already started" in late_post.content.decode()
    assert Rsvp.objects.get(user=parent).answer == Answer.YES


def test_a_tampered_one_tap_link_is_not_found(client, session, mailoutbox):
    path = link_from(mailoutbox[0].body, "Yes, I'll come:")
    tampered = path[:-3] + ("x/" if path[-2] != "x" else "y/")

    assert client.get(tampered).status_code == 404
    assert client.post(tampered).status_code == 404
    assert not Rsvp.objects.exists()


# --- chasers and reminders -------------------------------------------------------------------------------


def test_the_chaser_goes_five_days_before_to_members_who_have_not_answered(
    clock, session, parent, professional, texter, una, maya, run, mailoutbox, sms_outbox
):
    # given: parent yes, professional no, Maya maybe; Tariq (texts) and Una have not answered
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=session, user=professional, answer=Answer.NO)
    services.rsvp_answer(session=session, user=maya, answer=Answer.MAYBE)
    mailoutbox.clear()
    sms_outbox.clear()

    # when: just over five days before, nothing yet
    clock.move_to(START - timedelta(days=5, minutes=1))
    assert run(checks.reminders_run).chasers == 0

    # when: inside five days
    clock.move_to(START - timedelta(days=5) + timedelta(hours=1))
    result = run(checks.reminders_run)

    # then
    assert result.chasers == 2
    assert result.reminders == 0
    assert recipients(Message.Kind.CHASER) == ["tariq@example.test", "una@example.test"]
    [chaser] = mails("Can you come?")
    assert chaser.to == ["una@example.test"]
    assert "We have not heard from you" in chaser.body
    assert "Yes, I'll come: http" in chaser.body
    [text] = sms_outbox
    assert text["to"] == PHONE and "Can you come to Summer fun day" in text["body"]

    # when: run again, and again later inside the same window
    run(checks.reminders_run)
    clock.move_to(START - timedelta(days=3))
    again = run(checks.reminders_run)

    # then: nothing more
    assert again.chasers == 0
    assert messages(Message.Kind.CHASER).count() == 2
    assert len(mailoutbox) == 1
    assert len(sms_outbox) == 1


def test_nobody_is_chased_within_two_days_of_their_invitation(
    clock, group_with_members, facilitator, facilitator2, run, mailoutbox
):
    # given a session published only four and a half days before it starts
    starts = PUBLISHED_AT + timedelta(days=20)
    clock.move_to(starts - timedelta(days=4, hours=12))
    late = make_session(group_with_members, facilitator, facilitator2, starts_at=starts, title="Late notice")
    mailoutbox.clear()

    # when the reminders run minutes after the invitation went out
    clock.move_to(starts - timedelta(days=4, hours=11, minutes=55))
    first = run(checks.reminders_run)

    # then nobody is chased yet
    assert first.chasers == 0
    assert not messages(Message.Kind.CHASER, session=late).exists()

    # when two days have passed since the invitation, still inside the chaser window
    clock.move_to(starts - timedelta(days=2, hours=11))
    later = run(checks.reminders_run)

    # then the members who have not answered are chased, once
    assert later.chasers > 0
    assert messages(Message.Kind.CHASER, session=late).count() == later.chasers


def test_facilitators_and_people_who_answered_are_never_chased(
    clock, session, facilitator, facilitator2, parent, professional, run
):
    services.rsvp_answer(session=session, user=parent, answer=Answer.NO)
    services.rsvp_answer(session=session, user=professional, answer=Answer.YES)
    clock.move_to(START - timedelta(days=4))

    assert run(checks.reminders_run).chasers == 0
    assert not messages(Message.Kind.CHASER).exists()


@pytest.fixture
def with_place_and_support(session, facilitator, parent, professional, una, maya, run):
    """Capacity one: the parent has the place, Una waits, Maya may come, the professional will not. The parent
    has travel help approved and there are two things to read before."""
    services.session_update(session=session, acting_user=facilitator, capacity=1)
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=session, user=una, answer=Answer.YES)
    services.rsvp_answer(session=session, user=maya, answer=Answer.MAYBE)
    services.rsvp_answer(session=session, user=professional, answer=Answer.NO)
    assert Rsvp.objects.get(user=una).is_waitlisted
    services.preparation_add(session=session, title="Draft leaflet", text="Please read.", acting_user=facilitator)
    services.preparation_add(session=session, title="Last year's feedback", text="Notes.", acting_user=facilitator)
    request = services.support_request_create(
        session=session,
        user=parent,
        kind=SupportRequest.Kind.TRAVEL,
        travel_mode=SupportRequest.TravelMode.BUS_TRAIN,
        expected_cost_pence=450,
    )
    services.support_request_decide(request=request, approve=True, acting_user=facilitator)
    return session


def test_the_days_reminder_goes_only_to_people_with_a_place_with_preparation_and_support(
    clock, with_place_and_support, run, mailoutbox
):
    mailoutbox.clear()
    clock.move_to(START - timedelta(days=2) + timedelta(minutes=30))

    result = run(checks.reminders_run)

    assert result.reminders == 1
    assert recipients(Message.Kind.REMINDER_DAYS) == ["parent@example.test"]
    [reminder] = mails("Reminder:")
    assert reminder.to == ["parent@example.test"]
    assert "To look at before: Draft leaflet; Last year's feedback" in reminder.body
    assert "- Travel (£4.50)" in reminder.body
    assert "online: https://meet.example.test/summer" in reminder.body  # the joining link, now they have a place
    assert not messages(Message.Kind.CHASER).exists()  # everyone has answered

    # Twice, and later in the same window: nothing more.
    run(checks.reminders_run)
    clock.move_to(START - timedelta(days=1))
    assert run(checks.reminders_run).reminders == 0
    assert messages(Message.Kind.REMINDER_DAYS).count() == 1
    assert len(mails("Reminder:")) == 1


def test_the_hours_reminder_goes_two_hours_before(clock, with_place_and_support, run, mailoutbox):
    clock.move_to(START - timedelta(days=2) + timedelta(minutes=30))
    run(checks.reminders_run)

    clock.move_to(START - timedelta(hours=2))
    result = run(checks.reminders_run)

    assert result.reminders == 1
    assert recipients(Message.Kind.REMINDER_HOURS) == ["parent@example.test"]
    assert len(mails("Reminder:")) == 2
    hours = Message.objects.get(kind=Message.Kind.REMINDER_HOURS)
    assert hours.status == Message.Status.SENT
    assert "Travel (£4.50)" in hours.body

    clock.move_to(START - timedelta(minutes=30))
    assert run(checks.reminders_run).reminders == 0
    clock.move_to(START + timedelta(minutes=1))  # started: no longer upcoming
    assert run(checks.reminders_run).reminders == 0
    assert messages(Message.Kind.REMINDER_HOURS).count() == 1
    assert len(mails("Reminder:")) == 2


def test_reminders_follow_the_organisations_own_timings(clock, organisation, session, parent, professional, una, run):
    ReminderSettings.objects.create(
        organisation=organisation, chaser_days_before=7, first_reminder_days_before=3, last_reminder_hours_before=4
    )
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=session, user=professional, answer=Answer.NO)

    clock.move_to(START - timedelta(days=6))
    assert run(checks.reminders_run).chasers == 1  # Una: not answered
    clock.move_to(START - timedelta(days=2, hours=23))
    assert run(checks.reminders_run).reminders == 1
    clock.move_to(START - timedelta(hours=3, minutes=59))
    assert run(checks.reminders_run).reminders == 1

    assert recipients(Message.Kind.CHASER) == ["una@example.test"]
    assert recipients(Message.Kind.REMINDER_DAYS) == ["parent@example.test"]
    assert recipients(Message.Kind.REMINDER_HOURS) == ["parent@example.test"]


def test_a_late_evening_reminder_by_text_is_held_until_the_morning(clock, session, texter, run, sms_outbox):
    services.rsvp_answer(session=session, user=texter, answer=Answer.YES)
    clock.move_to(datetime(2030, 6, 12, 22, 30, tzinfo=LONDON))  # inside two days, in quiet hours

    run(checks.reminders_run)

    reminder = Message.objects.get(kind=Message.Kind.REMINDER_DAYS)
    assert reminder.channel == Message.Channel.TEXT
    assert reminder.status == Message.Status.HELD
    assert reminder.send_after == datetime(2030, 6, 13, 8, 0, tzinfo=LONDON)
    assert sms_outbox == []


def test_drafts_and_cancelled_sessions_get_no_reminders(
    clock, group_with_members, facilitator, facilitator2, parent, run
):
    run(make_session, group=group_with_members, lead=facilitator, support=facilitator2, publish=False)
    cancelled = run(make_session, group=group_with_members, lead=facilitator, support=facilitator2, title="Other")
    services.rsvp_answer(session=cancelled, user=parent, answer=Answer.YES)
    run(services.session_cancel, session=cancelled, reason="The hall is flooded.", acting_user=facilitator)

    for moment in (START - timedelta(days=4), START - timedelta(days=1), START - timedelta(hours=1)):
        clock.move_to(moment)
        result = run(checks.reminders_run)
        assert (result.chasers, result.reminders) == (0, 0)


# --- cancellation ----------------------------------------------------------------------------------------


def test_cancelling_tells_the_people_who_said_yes(with_place_and_support, facilitator, run, mailoutbox):
    mailoutbox.clear()

    run(services.session_cancel, session=with_place_and_support, reason="The hall is flooded.", acting_user=facilitator)

    # The parent with a place and Una on the waiting list; not Maya (maybe) or the professional (no).
    assert recipients(Message.Kind.CANCELLATION) == ["parent@example.test", "una@example.test"]
    cancelled = mails("Cancelled:")
    assert sorted(m.to[0] for m in cancelled) == ["parent@example.test", "una@example.test"]
    assert all("Why: The hall is flooded." in m.body for m in cancelled)

    run(services.session_cancel, session=with_place_and_support, reason="Again", acting_user=facilitator)
    assert len(mails("Cancelled:")) == 2


# --- follow-ups ------------------------------------------------------------------------------------------


def test_a_follow_up_due_today_reminds_its_facilitator_once(clock, session, facilitator, parent, run, mailoutbox):
    # given: the parent asks to talk at check-out; the follow-up is the lead's, due two working days later
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    clock.move_to(START + timedelta(minutes=5))
    services.checkin_record(session=session, person=parent, acting_user=facilitator)
    clock.move_to(START + timedelta(hours=2))
    services.checkout_record(session=session, person=parent, acting_user=parent, wants_to_talk=True)
    follow_up = FollowUp.objects.get()
    assert follow_up.assigned_to == facilitator
    assert follow_up.due_on == date(2030, 6, 18)  # Friday + two working days = Tuesday
    mailoutbox.clear()

    # when: the day before it is due, nothing
    clock.move_to(datetime(2030, 6, 17, 9, 0, tzinfo=LONDON))
    assert run(checks.reminders_run).follow_ups == 0

    # when: on the day
    clock.move_to(datetime(2030, 6, 18, 9, 0, tzinfo=LONDON))
    assert run(checks.reminders_run).follow_ups == 1

    # then
    assert recipients(Message.Kind.FOLLOW_UP_DUE) == ["facilitator@example.test"]
    [reminder] = mails("Follow-up due:")
    assert reminder.to == ["facilitator@example.test"]
    assert "Please get in touch with Pat Parent" in reminder.body
    assert "Tuesday 18 June" in reminder.body

    # Again that day and the day after (overdue): nothing more.
    assert run(checks.reminders_run).follow_ups == 0
    clock.move_to(datetime(2030, 6, 19, 9, 0, tzinfo=LONDON))
    assert run(checks.reminders_run).follow_ups == 0
    assert len(mails("Follow-up due:")) == 1


def test_a_closed_follow_up_is_not_reminded(clock, session, facilitator, parent, run):
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    clock.move_to(START + timedelta(minutes=5))
    services.checkin_record(session=session, person=parent, acting_user=facilitator)
    services.checkout_record(session=session, person=parent, acting_user=parent, feeling=1)
    services.follow_up_close(follow_up=FollowUp.objects.get(), note="Called; all fine.", acting_user=facilitator)

    clock.move_to(datetime(2030, 6, 18, 9, 0, tzinfo=LONDON))

    assert run(checks.reminders_run).follow_ups == 0
    assert not messages(Message.Kind.FOLLOW_UP_DUE).exists()


# --- parent quorum ---------------------------------------------------------------------------------------


@pytest.fixture
def gov_lead(make_user, organisation, grant):
    return grant(
        make_user(email="gov@example.test", full_name="Gina Governance"), organisation, StaffRole.Role.GOVERNANCE_LEAD
    )


@pytest.fixture
def committee(organisation, org_admin, facilitator, facilitator2, professional, gov_lead, make_user):
    """A governance committee (parent quorum two by default) with three parents and a professional."""
    group = group_services.group_create(
        organisation=organisation,
        name="Parent governance committee",
        kind=Group.Kind.GOVERNANCE,
        purpose="Parents hold the partnership to account.",
        acting_user=facilitator,
    )
    add_member(group, facilitator2, Membership.Role.FACILITATOR, by=facilitator)
    add_member(group, professional, Membership.Role.PROFESSIONAL, by=facilitator)
    for email, name in [
        ("amara@example.test", "Amara Okoye"),
        ("ben@example.test", "Ben Carter"),
        ("chloe@example.test", "Chloe Davies"),
    ]:
        add_member(group, make_user(email=email, full_name=name), by=facilitator)
    return group


def parents(group):
    return {
        m.user.full_name.split()[0].lower(): m.user
        for m in Membership.objects.filter(group=group, role=Membership.Role.PARENT).select_related("user")
    }


@pytest.fixture
def meeting(committee, facilitator, facilitator2, run):
    return run(make_session, group=committee, lead=facilitator, support=facilitator2, title="Committee meeting")


ALERTED = ["facilitator2@example.test", "facilitator@example.test", "gov@example.test"]


def test_a_meeting_short_of_parents_alerts_the_governance_lead_and_facilitators_once_per_check(
    clock, committee, meeting, run, mailoutbox
):
    # given: one parent of the two needed has said yes
    people = parents(committee)
    services.rsvp_answer(session=meeting, user=people["amara"], answer=Answer.YES)
    mailoutbox.clear()

    # when: before the 72-hour point, nothing
    clock.move_to(START - timedelta(hours=73))
    assert run(checks.quorum_checks_run) == []

    # when: inside 72 hours
    clock.move_to(START - timedelta(hours=71))
    [check] = run(checks.quorum_checks_run)

    # then
    assert (check.session, check.hours_before, check.met) == (meeting, 72, False)
    assert (check.required, check.parents_yes) == (2, 1)
    assert recipients(Message.Kind.QUORUM_ALERT) == ALERTED
    alerts = mails("Parents short for Committee meeting")
    assert sorted(m.to[0] for m in alerts) == ALERTED
    for alert in alerts:
        assert "needs 2 parents or carers there to count. So far 1 has said yes." in alert.body
        assert "- Ben Carter" in alert.body
        assert "- Chloe Davies" in alert.body
        assert "Amara" not in alert.body

    # when: the check runs again (the beat job runs every ten minutes)
    clock.move_to(START - timedelta(hours=60))
    run(checks.quorum_checks_run)

    # then: no new check, no new alert
    assert QuorumCheck.objects.count() == 1
    assert len(mails("Parents short")) == 3

    # when: at the 24-hour point, Ben has said maybe
    services.rsvp_answer(session=meeting, user=people["ben"], answer=Answer.MAYBE)
    clock.move_to(START - timedelta(hours=23))
    [second] = run(checks.quorum_checks_run)
    run(checks.quorum_checks_run)

    # then: a second check and one more alert each
    assert (second.hours_before, second.met) == (24, False)
    assert list(QuorumCheck.objects.order_by("-hours_before").values_list("hours_before", flat=True)) == [72, 24]
    assert messages(Message.Kind.QUORUM_ALERT).count() == 6
    later = mails("Parents short")[3:]
    assert len(later) == 3
    assert all("Parents who said maybe:\n- Ben Carter" in m.body for m in later)
    assert all("- Chloe Davies" in m.body for m in later)


def test_a_meeting_with_enough_parents_is_checked_but_nobody_is_alerted(clock, committee, meeting, run, mailoutbox):
    people = parents(committee)
    services.rsvp_answer(session=meeting, user=people["amara"], answer=Answer.YES)
    services.rsvp_answer(session=meeting, user=people["chloe"], answer=Answer.YES)
    mailoutbox.clear()
    clock.move_to(START - timedelta(hours=71))

    [check] = run(checks.quorum_checks_run)

    assert (check.hours_before, check.met, check.parents_yes) == (72, True, 2)
    assert not messages(Message.Kind.QUORUM_ALERT).exists()
    assert mails("Parents short") == []


def test_professionals_saying_yes_do_not_make_the_quorum(clock, committee, meeting, professional, run):
    services.rsvp_answer(session=meeting, user=parents(committee)["amara"], answer=Answer.YES)
    services.rsvp_answer(session=meeting, user=professional, answer=Answer.YES)
    clock.move_to(START - timedelta(hours=71))

    [check] = run(checks.quorum_checks_run)

    assert (check.parents_yes, check.met) == (1, False)


def test_a_parent_on_the_waiting_list_is_not_expected(clock, committee, meeting, facilitator, run):
    people = parents(committee)
    services.session_update(session=meeting, acting_user=facilitator, capacity=1)
    services.rsvp_answer(session=meeting, user=people["amara"], answer=Answer.YES)
    services.rsvp_answer(session=meeting, user=people["ben"], answer=Answer.YES)  # waiting list

    picture = checks.quorum_picture(session=meeting)

    assert [p.full_name for p in picture.parents_yes] == ["Amara Okoye"]
    assert [p.full_name for p in picture.parents_maybe] == ["Ben Carter"]
    assert [p.full_name for p in picture.parents_not_answered] == ["Chloe Davies"]
    assert picture.status == "at_risk"


def test_a_quorum_that_can_no_longer_be_met_shows_as_not_met(committee, meeting):
    people = parents(committee)
    for name in ("amara", "ben"):
        services.rsvp_answer(session=meeting, user=people[name], answer=Answer.NO)

    picture = checks.quorum_picture(session=meeting)

    assert picture.status == "not_met"
    assert [p.full_name for p in picture.parents_no] == ["Amara Okoye", "Ben Carter"]


def test_a_meeting_published_inside_24_hours_gets_only_the_24_hour_check(
    clock, committee, facilitator, facilitator2, run
):
    clock.move_to(START - timedelta(hours=20))
    late = run(make_session, group=committee, lead=facilitator, support=facilitator2, title="Extra meeting")

    [check] = run(checks.quorum_checks_run)

    assert (check.session, check.hours_before) == (late, 24)
    assert QuorumCheck.objects.count() == 1
    assert messages(Message.Kind.QUORUM_ALERT).count() == 3


def test_a_group_without_a_quorum_rule_is_not_checked(clock, session, run):
    clock.move_to(START - timedelta(hours=23))

    assert run(checks.quorum_checks_run) == []
    assert checks.quorum_check(session=session, hours_before=24) is None
    assert not QuorumCheck.objects.exists()
    assert not messages(Message.Kind.QUORUM_ALERT).exists()


def test_drafts_and_past_meetings_are_not_checked(clock, committee, facilitator, facilitator2, meeting, run):
    draft = make_session(committee, facilitator, facilitator2, publish=False, title="Draft meeting")
    clock.move_to(START + timedelta(minutes=1))

    assert checks.quorum_check(session=draft, hours_before=24) is None
    assert checks.quorum_check(session=meeting, hours_before=24) is None
    assert run(checks.quorum_checks_run) == []
    assert not QuorumCheck.objects.exists()


def check_in(session, people, by, clock):
    clock.move_to(session.starts_at - timedelta(minutes=30))
    for person in people:
        services.checkin_record(session=session, person=person, acting_user=by)


def test_at_the_meeting_parent_check_ins_make_the_quorum_and_decisions_taken_without_it_need_confirming(
    clock, committee, meeting, facilitator, facilitator2, professional, run
):
    people = parents(committee)

    # given: at the meeting one parent and the professional check in: inquorate
    check_in(meeting, [people["amara"], professional], facilitator, clock)
    record = services.quorum_record(session=meeting)
    assert (record.parents_present, record.required, record.quorate) == (1, 2, False)

    # when: a decision is taken
    decision = services.decision_record(
        session=meeting, proposal="Move meetings to Saturdays", outcome="Agreed", acting_user=facilitator
    )

    # then
    assert decision.needs_confirmation is True

    # given: a second parent arrives; the meeting becomes quorate and its later decisions count straight away
    services.checkin_record(session=meeting, person=people["ben"], acting_user=facilitator)
    assert services.quorum_record(session=meeting).quorate is True
    later = services.decision_record(
        session=meeting, proposal="Buy a crèche mat", outcome="Agreed", acting_user=facilitator
    )
    assert later.needs_confirmation is False
    assert QuorumRecord.objects.count() == 1

    # given: the next meeting is inquorate; it cannot confirm the first decision
    clock.move_to(PUBLISHED_AT)
    next_week = make_session(
        committee, facilitator, facilitator2, starts_at=START + timedelta(days=7), title="Next meeting"
    )
    inquorate_too = make_session(
        committee, facilitator, facilitator2, starts_at=START + timedelta(days=14), title="Meeting after"
    )
    check_in(next_week, [people["chloe"]], facilitator, clock)
    with pytest.raises(ValidationError, match="not have enough parents"):
        services.decision_confirm(decision=decision, at_session=next_week)
    decision.refresh_from_db()
    assert decision.needs_confirmation is True

    # when: a quorate meeting confirms it
    check_in(inquorate_too, [people["amara"], people["chloe"]], facilitator, clock)
    services.decision_confirm(decision=decision, at_session=inquorate_too)

    # then
    decision.refresh_from_db()
    assert decision.needs_confirmation is False
    assert decision.confirmed_at_session == inquorate_too


def test_only_a_meeting_of_the_same_group_can_confirm_a_decision(
    clock, committee, meeting, group_with_members, facilitator, facilitator2
):
    check_in(meeting, [], facilitator, clock)
    decision = services.decision_record(session=meeting, proposal="P", outcome="O", acting_user=facilitator)
    clock.move_to(PUBLISHED_AT)
    elsewhere = make_session(group_with_members, facilitator, facilitator2, starts_at=START + timedelta(days=7))

    with pytest.raises(ValidationError, match="same group"):
        services.decision_confirm(decision=decision, at_session=elsewhere)


def test_a_group_without_a_quorum_rule_records_no_quorum_and_needs_no_confirmation(clock, session, facilitator):
    check_in(session, [], facilitator, clock)

    assert services.quorum_record(session=session) is None
    decision = services.decision_record(session=session, proposal="P", outcome="O", acting_user=facilitator)
    assert decision.needs_confirmation is False


def test_check_ins_keep_the_quorum_record_current_and_the_run_records_meetings_nobody_came_to(
    clock, committee, meeting, facilitator, facilitator2
):
    people = parents(committee)
    clock.move_to(PUBLISHED_AT)
    empty = make_session(committee, facilitator, facilitator2, title="Meeting nobody came to")
    old = make_session(committee, facilitator, facilitator2, starts_at=START - timedelta(days=5), title="Old one")

    # given: two parents check in at one meeting; its record follows the check-ins
    check_in(meeting, [people["amara"]], facilitator, clock)
    assert QuorumRecord.objects.get(session=meeting).quorate is False
    services.checkin_record(session=meeting, person=people["ben"], acting_user=facilitator)
    assert QuorumRecord.objects.get(session=meeting).quorate is True

    # when: the meetings are still running, nothing is recorded for the empty one
    clock.move_to(START + timedelta(hours=1))
    assert checks.quorum_records_run() == 0

    # when: they have ended
    clock.move_to(START + timedelta(hours=3))
    assert checks.quorum_records_run() == 1
    assert checks.quorum_records_run() == 0

    # then: the meeting nobody came to is recorded inquorate; the other keeps its record; the old one (ended
    # more than a day ago) is left alone
    record = QuorumRecord.objects.get(session=empty)
    assert (record.parents_present, record.required, record.quorate) == (0, 2, False)
    assert QuorumRecord.objects.get(session=meeting).parents_present == 2
    assert not QuorumRecord.objects.filter(session=old).exists()


# --- the two-facilitator watcher -------------------------------------------------------------------------


def test_a_session_whose_support_facilitator_withdrew_alerts_once(
    clock, session, facilitator, facilitator2, run, mailoutbox
):
    # given
    mailoutbox.clear()
    clock.move_to(START - timedelta(days=10))
    services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2, reason="Ill")

    # when
    [alert] = run(checks.facilitator_watch_run)

    # then
    assert (alert.session, alert.problem) == (session, "There is no support facilitator.")
    assert recipients(Message.Kind.FACILITATOR_ALERT) == [
        "admin@example.test",
        "facilitator2@example.test",
        "facilitator@example.test",
    ]
    sent = mails("Needs two facilitators: Summer fun day")
    assert len(sent) == 3
    assert all("There is no support facilitator." in m.body for m in sent)

    # when: the watcher runs again
    assert run(checks.facilitator_watch_run) == []

    # then
    assert FacilitatorAlert.objects.count() == 1
    assert len(mails("Needs two facilitators")) == 3


def test_sessions_further_away_than_fourteen_days_and_drafts_are_not_watched(
    clock, group_with_members, facilitator, facilitator2, run
):
    far = run(
        make_session,
        group=group_with_members,
        lead=facilitator,
        support=facilitator2,
        starts_at=PUBLISHED_AT + timedelta(days=20),
    )
    services.facilitator_withdraw(session=far, user=facilitator2, acting_user=facilitator2)
    run(make_session, group=group_with_members, lead=facilitator, support=None, publish=False, title="Draft")

    assert run(checks.facilitator_watch_run) == []
    assert not FacilitatorAlert.objects.exists()
    assert not messages(Message.Kind.FACILITATOR_ALERT).exists()

    # Once it comes within fourteen days, it is alerted.
    clock.move_to(PUBLISHED_AT + timedelta(days=7))
    [alert] = run(checks.facilitator_watch_run)
    assert alert.session == far


def test_a_session_with_both_facilitators_raises_nothing(clock, session, run):
    clock.move_to(START - timedelta(days=3))

    assert run(checks.facilitator_watch_run) == []
    assert not messages(Message.Kind.FACILITATOR_ALERT).exists()


# --- in bulk ----------------------------------------------------------------------------------------------


def test_reminders_for_a_whole_session_are_logged_in_one_insert_and_delivered_as_one_batch(
    clock, session, make_user, facilitator, django_capture_on_commit_callbacks, mailoutbox
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    # given: thirty people with a place
    for n in range(30):
        person = add_member(session.group, make_user(email=f"m{n}@example.test"), by=facilitator)
        services.rsvp_answer(session=session, user=person, answer=Answer.YES)
    mailoutbox.clear()
    clock.move_to(START - timedelta(days=1))

    # when: the reminders job runs
    with django_capture_on_commit_callbacks(execute=False) as deliveries, CaptureQueriesContext(connection) as q:
        result = checks.reminders_run()

    # then: thirty reminders in one insert, one delivery batch, and no query per person
    inserts = [x["sql"] for x in q.captured_queries if x["sql"].startswith('INSERT INTO "notifications_message"')]
    assert result.reminders == 30
    assert len(inserts) == 1
    assert len(q.captured_queries) < 30
    assert len(deliveries) == 1
    deliveries[0]()
    assert len(mails("Reminder:")) == 30


def test_a_session_cancelled_before_its_invitations_went_out_invites_nobody(
    settings, group_with_members, facilitator, facilitator2, django_capture_on_commit_callbacks, mailoutbox
):
    from notifications.models import Fanout
    from notifications.services import fanout_run

    # given: messages go through the queue (not reached here: the commits' callbacks are not run)
    settings.MESSAGE_DELIVERY = "queue"
    with django_capture_on_commit_callbacks(execute=False):
        session = make_session(group_with_members, facilitator, facilitator2)
        services.session_cancel(session=session, reason="The venue flooded.", acting_user=facilitator)

    # when: the publish's fan-out runs late, after the cancellation
    published, cancelled = Fanout.objects.order_by("pk")
    assert (published.name, cancelled.name) == ("sessions.session_published", "sessions.session_cancelled")
    made = fanout_run(fanout_id=published.pk)

    # then: nobody is invited to a cancelled session, and nobody had said yes to be told
    assert made == 0
    assert fanout_run(fanout_id=cancelled.pk) == 0
    assert not Message.objects.exists()
    assert mailoutbox == []
