"""Follow-ups that do not slip: one still open two working days after it was made (weekends and England-and-Wales
bank holidays do not count) is raised once to the organisation's safeguarding leads."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEvent
from core.working_days import add_working_days, is_working_day
from groups.models import StaffRole
from notifications.models import Message
from safeguarding import escalation_tasks
from safeguarding.messaging import FOLLOW_UP_OVERDUE
from safeguarding.models import FollowUpEscalation
from safeguarding.selectors.escalations import escalations_open
from safeguarding.services.escalation import escalation_due_at, follow_ups_escalate
from sessions_app import services as session_services
from sessions_app.models import FollowUp
from tests.safeguarding.factories_s2 import LONDON, session_of

# Friday 22 August 2031, before the late summer bank holiday (Monday 25 August).
START = datetime(2031, 8, 22, 10, 0, tzinfo=LONDON)
END = START + timedelta(hours=2)


# --- working days (no database) ----------------------------------------------------------------------------


def test_weekends_and_bank_holidays_are_not_working_days():
    assert not is_working_day(date(2031, 8, 23))  # Saturday
    assert not is_working_day(date(2031, 8, 25))  # late summer bank holiday
    assert is_working_day(date(2031, 8, 26))
    assert add_working_days(date(2031, 8, 22), 2) == date(2031, 8, 27)  # Fri -> Tue, Wed
    assert add_working_days(date(2031, 8, 18), 2) == date(2031, 8, 20)  # an ordinary week
    assert add_working_days(date(2031, 12, 24), 2) == date(2031, 12, 30)  # Christmas, Boxing Day, a weekend


def test_a_follow_up_made_on_friday_before_a_bank_holiday_is_due_on_wednesday():
    assert escalation_due_at(datetime(2031, 8, 22, 12, 0, tzinfo=LONDON)) == datetime(2031, 8, 27, 12, 0, tzinfo=LONDON)
    # made on a Saturday: Monday and Tuesday are its two working days
    assert escalation_due_at(datetime(2031, 9, 6, 9, 30, tzinfo=LONDON)) == datetime(2031, 9, 9, 9, 30, tzinfo=LONDON)


# --- the check ---------------------------------------------------------------------------------------------


@pytest.fixture
def second_lead(make_user, organisation, grant):
    return grant(make_user(full_name="Lou Lead"), organisation, StaffRole.Role.SAFEGUARDING_LEAD)


@pytest.fixture
def follow_up(group_with_members, facilitator, facilitator2, venue, parent, safeguarding_lead, second_lead):
    session = session_of(
        group_with_members,
        facilitator,
        facilitator2,
        planned_at=START - timedelta(days=10),
        starts_at=START,
        venue=venue,
    )
    with time_machine.travel(START - timedelta(days=5), tick=False):
        session_services.rsvp_answer(session=session, user=parent, answer="yes")
    with time_machine.travel(START + timedelta(minutes=5), tick=False):
        session_services.checkin_record(session=session, person=parent, acting_user=facilitator)
    with time_machine.travel(END, tick=False):
        session_services.checkout_record(session=session, person=parent, acting_user=parent, wants_to_talk=True)
    return FollowUp.objects.get()


def run_at(moment):
    with time_machine.travel(moment, tick=False):
        return follow_ups_escalate()


def overdue_messages():
    return Message.objects.filter(kind=FOLLOW_UP_OVERDUE)


def test_raised_once_after_two_working_days_counting_the_bank_holiday(
    follow_up, organisation, safeguarding_lead, second_lead, facilitator
):
    assert follow_up.created_at == END

    # Tuesday afternoon: two weekdays have passed, but Monday was a bank holiday
    assert run_at(datetime(2031, 8, 26, 13, 0, tzinfo=LONDON)) == []
    assert run_at(datetime(2031, 8, 27, 11, 59, tzinfo=LONDON)) == []
    assert not FollowUpEscalation.objects.exists()

    # Wednesday at noon: raised, and each lead told (not the facilitator)
    [escalation] = run_at(datetime(2031, 8, 27, 12, 0, tzinfo=LONDON))
    assert escalation.follow_up == follow_up
    messages = list(overdue_messages())
    assert {m.person_id for m in messages} == {safeguarding_lead.pk, second_lead.pk}
    link = reverse("safeguarding:concerns", args=[organisation.pk])
    assert {m.link for m in messages} == {link}
    assert all(m.body == "" for m in messages)  # sensitive: nothing about the person is stored
    sent = overdue_messages().count()
    event = AuditEvent.objects.get(action="follow_up.escalated")
    assert event.data == {"follow_up_id": follow_up.pk, "leads_told": 2}

    # run again, and an hour later: nothing new
    assert run_at(datetime(2031, 8, 27, 12, 0, tzinfo=LONDON)) == []
    assert run_at(datetime(2031, 8, 27, 13, 0, tzinfo=LONDON)) == []
    assert FollowUpEscalation.objects.count() == 1
    assert overdue_messages().count() == sent
    assert AuditEvent.objects.filter(action="follow_up.escalated").count() == 1

    # the leads' list shows it while it is open
    assert [e.follow_up_id for e in escalations_open(organisation.pk)] == [follow_up.pk]


def test_a_closed_follow_up_is_not_raised(follow_up, facilitator):
    with time_machine.travel(datetime(2031, 8, 26, 9, 0, tzinfo=LONDON), tick=False):
        session_services.follow_up_close(follow_up=follow_up, note="We spoke on the phone.", acting_user=facilitator)
    assert run_at(datetime(2031, 8, 28, 9, 0, tzinfo=LONDON)) == []
    assert not overdue_messages().exists()


def test_closing_it_after_it_was_raised_takes_it_off_the_leads_list(follow_up, organisation, facilitator):
    run_at(datetime(2031, 8, 28, 9, 0, tzinfo=LONDON))
    with time_machine.travel(datetime(2031, 8, 28, 10, 0, tzinfo=LONDON), tick=False):
        session_services.follow_up_close(follow_up=follow_up, note="We spoke on the phone.", acting_user=facilitator)
    assert escalations_open(organisation.pk) == []
    assert FollowUpEscalation.objects.count() == 1  # the record of the escalation is kept


def test_the_hourly_task_runs_the_check(follow_up):
    with time_machine.travel(datetime(2031, 8, 28, 9, 0, tzinfo=LONDON), tick=False):
        assert escalation_tasks.escalate_overdue_follow_ups.apply().get() == 1
        assert escalation_tasks.escalate_overdue_follow_ups.apply().get() == 0
    assert FollowUpEscalation.objects.count() == 1


def test_the_task_is_scheduled_every_hour(settings):
    entries = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == escalation_tasks.escalate_overdue_follow_ups.name
    ]
    assert [e["schedule"] for e in entries] == [60 * 60]
