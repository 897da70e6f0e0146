"""Demo sessions for `seed_demo`: past sessions with answers, check-ins and debriefs; upcoming ones to answer;
one online; one draft; one finance committee meeting short of parents. Safe to run twice."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from core import extensions

from . import services
from .models import Answer, CheckIn, Debrief, Decision, FollowUp, Rsvp, Session, Venue, Win


def _at(day, hour, minute=0):
    return timezone.make_aware(datetime.combine(day, time(hour, minute)), timezone.get_current_timezone())


def _next_weekday(start, weekday):
    return start + timedelta(days=(weekday - start.weekday()) % 7 or 7)


@extensions.demo_seeders.register
def seed_sessions(*, context):
    ctx = context
    org, groups = ctx["organisation"], ctx["groups"]
    parents, facs = ctx["parents"], ctx["facilitators"]
    mothers, fathers, steering, finance = groups
    if Session.objects.filter(group__organisation=org).exists():
        return
    hub = Venue.objects.filter(organisation=org, name="Bayside Family Hub").first() or services.venue_create(
        organisation=org,
        acting_user=facs[0],
        name="Bayside Family Hub",
        address="12 Promenade Road\nBayside\nBY1 2AB",
        step_free=True,
        parking=True,
        baby_changing=True,
        quiet_room=True,
        access_notes="Use the side door by the playground. Ask for Bernadette at reception.",
    )
    library = Venue.objects.filter(organisation=org, name="Central Library community room").first() or (
        services.venue_create(
            organisation=org,
            acting_user=facs[0],
            name="Central Library community room",
            address="Market Street\nBayside\nBY1 4CD",
            step_free=True,
            baby_changing=True,
            access_notes="Lift to the first floor. No parking: the number 5 bus stops outside.",
        )
    )
    today = timezone.localdate()

    # Mothers' group: a ten-week series on Tuesdays, four weeks already run.
    first = _next_weekday(today, 1) - timedelta(weeks=4)
    series = services.session_create(
        group=mothers,
        acting_user=facs[0],
        recording_history=True,  # the series began four weeks ago
        title="Mothers' group",
        format=Session.Format.IN_PERSON,
        purpose="Sharing what helped and what got in the way when social care was involved at birth.",
        starts_at=_at(first, 10),
        ends_at=_at(first, 12),
        venue=hub,
        capacity=12,
        lead=facs[0],
        supports=[facs[1]],
        agenda=[
            "Check-in: how are you today?",
            "What should a midwife know before the first visit?",
            "Break",
            "Planning the film for the steering group",
            "Check-out",
        ],
        breaks=[services.BreakPlan(_at(first, 11), 15)],
        repeat_weeks=10,
        content_note="We will talk about babies being taken into care. You can step out at any time.",
    )
    now = timezone.now()
    for i, session in enumerate(series):
        if session.starts_at < now:
            Session.objects.filter(pk=session.pk).update(
                status=Session.Status.PUBLISHED, published_at=session.starts_at - timedelta(days=14)
            )
            came = parents[:5] if i % 2 == 0 else parents[1:6]
            for p in parents[:6]:
                Rsvp.objects.create(
                    session=session,
                    user=p,
                    answer=Answer.YES if p in came else Answer.NO,
                    answered_at=session.starts_at - timedelta(days=5),
                )
            for n, p in enumerate(came):
                CheckIn.objects.create(
                    session=session,
                    user=p,
                    checked_in_by=facs[0],
                    checked_in_at=session.starts_at + timedelta(minutes=n),
                    checkin_feeling=3 + n % 3,
                    checked_out_at=session.ends_at,
                    checkout_feeling=2 if (i == 3 and n == 1) else 4,
                    wants_to_talk=(i == 3 and n == 0),
                )
            if i < 3:  # the latest past session's debrief is left to do, so it shows as overdue
                Debrief.objects.create(
                    session=session,
                    recorded_by=facs[0],
                    recorded_at=session.ends_at + timedelta(hours=3),
                    went_well="Everyone spoke. The walk along the front at the start helped people settle.",
                    was_hard="Talking about court was hard for two mothers; we took an extra break.",
                    to_change="Send the agenda two days earlier and book the quiet room again.",
                )
            else:
                for n, p in enumerate(came[:2]):
                    FollowUp.objects.create(
                        session=session,
                        person=p,
                        assigned_to=facs[0],
                        reason=FollowUp.Reason.TALK if n == 0 else FollowUp.Reason.LOW_FEELING,
                        due_on=services.add_working_days(timezone.localdate(session.ends_at), 2),
                    )
            if i == 1:
                Decision.objects.create(
                    session=session,
                    recorded_by=facs[0],
                    recorded_at=session.ends_at,
                    proposal="Midwives read a one-page 'about me' from each mother before the first visit.",
                    outcome="Agreed by everyone. Helen will take it to the maternity team.",
                )
                Win.objects.create(
                    session=session,
                    recorded_by=facs[0],
                    recorded_at=session.ends_at,
                    description="The maternity unit now offers a private room for mothers meeting social workers.",
                )
        else:
            services.session_publish(session=session, acting_user=facs[0])
    upcoming = next(s for s in series if s.starts_at > now)
    for p, answer in zip(parents[:6], ["yes", "yes", "maybe", "yes", "no", "yes"], strict=True):
        services.rsvp_answer(session=upcoming, user=p, answer=answer)
    services.support_request_create(
        session=upcoming, user=parents[0], kind="childcare", children_count=2, children_ages="1 and 3"
    )
    services.support_request_create(
        session=upcoming, user=parents[1], kind="travel", travel_mode="public", expected_cost_pence=450
    )

    # Fathers' group: online on a Thursday evening.
    thursday = _next_weekday(today, 3)
    online = services.session_create(
        group=fathers,
        acting_user=facs[1],
        title="Dads online: being involved from the start",
        purpose="What would have helped you feel included at appointments?",
        format=Session.Format.ONLINE,
        joining_link="https://meet.example.org/dads-group",
        starts_at=_at(thursday, 19),
        ends_at=_at(thursday, 20, 30),
        lead=facs[1],
        supports=[facs[2]],
        agenda=["Check-in", "Appointments: what went well, what didn't", "Check-out"],
    )[0]
    services.session_publish(session=online, acting_user=facs[1])
    for p in parents[6:9]:
        services.rsvp_answer(session=online, user=p, answer="yes")

    # Steering group: a hybrid draft still being planned (with an unexplained short form to spell out).
    services.session_create(
        group=steering,
        acting_user=facs[0],
        title="Steering group: agreeing the theory of change",
        purpose="Agree the Born into Care plan and how we will know it is working. Review the BiC action log.",
        format=Session.Format.HYBRID,
        venue=library,
        joining_link="https://meet.example.org/steering",
        starts_at=_at(today + timedelta(days=10), 14),
        ends_at=_at(today + timedelta(days=10), 16),
        lead=facs[0],
        supports=[facs[2]],
        agenda=["Check-in", "The eight principles", "Check-out"],
    )

    # Finance committee: two meetings already held (one quorate, one not) for the attendance record.
    for weeks_ago, came in ((12, [parents[1], parents[7], parents[10]]), (6, [parents[7]])):
        day = today - timedelta(weeks=weeks_ago)
        held = services.session_create(
            group=finance,
            acting_user=facs[0],
            recording_history=True,
            title="Finance committee meeting",
            format=Session.Format.IN_PERSON,
            purpose="Agree spending on parent-led projects.",
            venue=hub,
            starts_at=_at(day, 17, 30),
            ends_at=_at(day, 19),
            lead=facs[0],
            supports=[facs[2]],
        )[0]
        Session.objects.filter(pk=held.pk).update(
            status=Session.Status.PUBLISHED, published_at=held.starts_at - timedelta(days=14)
        )
        for n, p in enumerate(came):
            CheckIn.objects.create(
                session=held, user=p, checked_in_by=facs[0], checked_in_at=held.starts_at + timedelta(minutes=n)
            )
        record = services.quorum_record(session=held)
        Decision.objects.create(
            session=held,
            recorded_by=facs[0],
            recorded_at=held.ends_at,
            needs_confirmation=not record.quorate,
            proposal="Fund the dads' walking group for another year.",
            outcome="Agreed.",
        )

    # Finance committee: in three days, quorum two parents, only one has said yes so far.
    meeting = services.session_create(
        group=finance,
        acting_user=facs[0],
        title="Quarterly spending meeting",
        format=Session.Format.IN_PERSON,
        purpose="Agree this quarter's spending on parent-led projects.",
        venue=hub,
        starts_at=_at(today + timedelta(days=3), 17, 30),
        ends_at=_at(today + timedelta(days=3), 19),
        lead=facs[0],
        supports=[facs[2]],
        agenda=["Check-in", "Quarterly spending", "Check-out"],
    )[0]
    services.session_publish(session=meeting, acting_user=facs[0])
    services.rsvp_answer(session=meeting, user=parents[1], answer="yes")
    services.rsvp_answer(session=meeting, user=parents[10], answer="maybe")
