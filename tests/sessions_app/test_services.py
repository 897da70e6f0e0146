"""The rules the sessions services keep, and the invariants the database keeps behind them.

Data is built through the services. Time is pinned with time-machine: "now" is Wednesday 20 February 2030 and
the session under test meets on Friday 1 March 2030, 10:00 to 12:00 in London (GMT, so also 10:00 UTC).
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from groups import services as group_services
from groups.models import Membership, StaffRole, User
from sessions_app import checks, selectors, services
from sessions_app.models import (
    Answer,
    CheckIn,
    Debrief,
    FacilitatorRole,
    FollowUp,
    GlossaryTerm,
    Rsvp,
    Series,
    Session,
    SessionFacilitator,
    SupportRequest,
)
from sessions_app.services import BreakPlan, add_working_days

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2030, 2, 20, 12, 0, tzinfo=UTC)  # a Wednesday
START = datetime(2030, 3, 1, 10, 0, tzinfo=LONDON)  # a Friday
END = START + timedelta(hours=2)


@pytest.fixture(autouse=True)
def pinned_now():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.fixture
def other_venue(other_organisation, make_user):
    return services.venue_create(
        organisation=other_organisation, acting_user=make_user(), name="Hillside Library", address="2 Hill Street"
    )


def fields(**overrides):
    values = {
        "title": "Planning the summer fun day",
        "purpose": "Decide together what families need on the day.",
        "starts_at": START,
        "ends_at": END,
        "format": Session.Format.IN_PERSON,
    }
    values.update(overrides)
    return values


def create(group, acting_user, **overrides) -> Session:
    [session] = services.session_create(group=group, acting_user=acting_user, **fields(**overrides))
    return session


def fresh(user) -> User:
    """The same person without a cached standing, as on a new request."""
    return User.objects.get(pk=user.pk)


def annotated(session) -> Session:
    return selectors.with_rule_and_places(Session.objects.filter(pk=session.pk)).get()


def add_member(make_user, group, acting_user, role=Membership.Role.PARENT, **extra):
    person = make_user(**extra)
    group_services.membership_add(group=group, user=person, role=role, acting_user=acting_user)
    return person


@pytest.fixture
def draft(group_with_members, facilitator, facilitator2, venue):
    return create(group_with_members, facilitator, venue=venue, lead=facilitator, supports=[facilitator2])


@pytest.fixture
def session(draft, facilitator):
    """Published, in person, no limit on places, led by `facilitator` with `facilitator2` supporting."""
    return services.session_publish(session=draft, acting_user=facilitator)


@pytest.fixture
def one_place(group_with_members, facilitator, facilitator2, venue):
    """Published, with one place."""
    s = create(group_with_members, facilitator, venue=venue, lead=facilitator, supports=[facilitator2], capacity=1)
    return services.session_publish(session=s, acting_user=facilitator)


def yes(session, user):
    return services.rsvp_answer(session=session, user=user, answer=Answer.YES)


# --- session_create ------------------------------------------------------------------------------------------


def test_weekly_series_keeps_the_local_time_across_the_autumn_clock_change(
    group_with_members, facilitator, facilitator2, venue
):
    # given a Tuesday 10:00 session in British Summer Time; the clocks go back on Sunday 27 October 2030
    first = datetime(2030, 10, 15, 10, 0, tzinfo=LONDON)

    # when
    created = services.session_create(
        group=group_with_members,
        acting_user=facilitator,
        **fields(starts_at=first, ends_at=first + timedelta(hours=2)),
        venue=venue,
        lead=facilitator,
        supports=[facilitator2],
        agenda=["Welcome", "Ideas for the day"],
        breaks=[BreakPlan(first + timedelta(hours=1), 15)],
        repeat_weeks=4,
    )

    # then four drafts, one series, all at 10:00 to 12:00 London time
    assert len(created) == 4
    series = Series.objects.get()
    assert series.repeat_weeks == 4
    stored = list(Session.objects.filter(series=series).order_by("starts_at"))
    assert [s.pk for s in stored] == [s.pk for s in created]
    starts = [timezone.localtime(s.starts_at) for s in stored]
    assert [d.date() for d in starts] == [date(2030, 10, 15), date(2030, 10, 22), date(2030, 10, 29), date(2030, 11, 5)]
    assert {d.time() for d in starts} == {time(10, 0)}
    assert {timezone.localtime(s.ends_at).time() for s in stored} == {time(12, 0)}
    # in UTC the start moves by an hour once the clocks have gone back
    assert [s.starts_at.astimezone(UTC).hour for s in stored] == [9, 9, 10, 10]
    assert {s.status for s in stored} == {Session.Status.DRAFT}
    for s in stored:
        assert [a.text for a in s.agenda_items.all()] == ["Welcome", "Ideas for the day"]
        assert [timezone.localtime(b.starts_at).time() for b in s.breaks.all()] == [time(11, 0)]
        assert sorted((f.user_id, f.role) for f in s.facilitators.all()) == [
            (facilitator.pk, FacilitatorRole.LEAD),
            (facilitator2.pk, FacilitatorRole.SUPPORT),
        ]


@pytest.mark.parametrize("weeks", [0, services.MAX_SERIES_WEEKS + 1])
def test_series_length_is_limited(group_with_members, facilitator, venue, weeks):
    with pytest.raises(ValidationError) as exc:
        services.session_create(
            group=group_with_members, acting_user=facilitator, **fields(), venue=venue, repeat_weeks=weeks
        )

    assert "repeat_weeks" in exc.value.message_dict
    assert not Session.objects.exists()


def test_a_venue_of_another_organisation_is_refused(group_with_members, facilitator, other_venue):
    with pytest.raises(ValidationError) as exc:
        create(group_with_members, facilitator, venue=other_venue)

    assert exc.value.message_dict == {"venue": ["Choose one of your organisation's venues."]}
    assert not Session.objects.exists()


def test_session_update_refuses_a_venue_of_another_organisation(draft, facilitator, venue, other_venue):
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=draft, acting_user=facilitator, venue=other_venue)

    assert "venue" in exc.value.message_dict
    draft.refresh_from_db()
    assert draft.venue == venue


@pytest.mark.parametrize("who", ["professional", "org_admin", "outside_facilitator"])
def test_facilitators_must_be_facilitators_of_the_group(
    request, group_with_members, facilitator, venue, make_user, organisation, grant, who
):
    if who == "outside_facilitator":
        stranger = grant(make_user(full_name="Sam Stranger"), organisation, StaffRole.Role.FACILITATOR)
    else:
        stranger = request.getfixturevalue(who)

    for kwargs in ({"lead": stranger}, {"lead": facilitator, "supports": [stranger]}):
        with pytest.raises(ValidationError) as exc:
            create(group_with_members, facilitator, venue=venue, **kwargs)
        assert stranger.display_name in exc.value.message_dict["lead"][0]

    assert not Session.objects.exists()
    assert not SessionFacilitator.objects.exists()


def test_lead_and_support_must_be_different_people(group_with_members, facilitator, venue):
    with pytest.raises(ValidationError) as exc:
        create(group_with_members, facilitator, venue=venue, lead=facilitator, supports=[facilitator])

    assert exc.value.message_dict == {"supports": ["The lead and the support facilitator must be different people."]}
    assert not Session.objects.exists()


# (overrides that break one constraint, the constraint's name, the message people see or None)
BAD_SESSIONS = [
    ({"ends_at": START - timedelta(minutes=30)}, "session_ends_after_start", "The session must end after it starts."),
    ({"ends_at": START}, "session_ends_after_start", "The session must end after it starts."),
    (
        {"format": Session.Format.IN_PERSON, "venue": None},
        "session_in_person_needs_venue",
        "Choose a venue for a session that meets in person.",
    ),
    (
        {"format": Session.Format.HYBRID, "joining_link": ""},
        "session_online_needs_link",
        "Add the online joining link for a session that meets online.",
    ),
    (
        {"format": Session.Format.ONLINE, "venue": None, "joining_link": ""},
        "session_online_needs_link",
        "Add the online joining link for a session that meets online.",
    ),
    (
        {"format": Session.Format.ONE_TO_ONE, "venue": None, "joining_link": ""},
        "session_one_to_one_needs_place",
        "Choose a venue or add an online joining link.",
    ),
    ({"capacity": 0}, "session_capacity_positive", None),
]


@pytest.mark.parametrize(
    "overrides,constraint,message", BAD_SESSIONS, ids=[b[1] + str(i) for i, b in enumerate(BAD_SESSIONS)]
)
def test_session_create_refuses_a_broken_session(
    group_with_members, facilitator, venue, overrides, constraint, message
):
    values = {"venue": venue, **overrides}

    with pytest.raises(ValidationError) as exc:
        create(group_with_members, facilitator, **values)

    if message:
        assert message in exc.value.messages
    assert not Session.objects.exists()


@pytest.mark.parametrize(
    "overrides,constraint,message", BAD_SESSIONS, ids=[b[1] + str(i) for i, b in enumerate(BAD_SESSIONS)]
)
def test_the_database_refuses_a_broken_session_row(
    group_with_members, facilitator, venue, overrides, constraint, message
):
    good = {**fields(), "venue": venue, "joining_link": "", "capacity": None}
    good.pop("format")
    row = {"group": group_with_members, "created_by": facilitator, "format": Session.Format.IN_PERSON, **good}
    row.update(overrides)

    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        Session.objects.create(**row)

    assert not Session.objects.exists()
    # the same row without the fault is accepted, so it was that fault the database refused
    Session.objects.create(group=group_with_members, created_by=facilitator, **fields(), venue=venue)
    assert Session.objects.count() == 1


def test_the_database_refuses_a_published_session_without_a_time(draft):
    with pytest.raises(IntegrityError, match="session_published_has_time"), transaction.atomic():
        Session.objects.filter(pk=draft.pk).update(status=Session.Status.PUBLISHED)

    draft.refresh_from_db()
    assert draft.status == Session.Status.DRAFT


# --- the two-facilitator rule ------------------------------------------------------------------------------


def test_publish_is_refused_without_a_support_facilitator(group_with_members, facilitator, venue):
    s = create(group_with_members, facilitator, venue=venue, lead=facilitator)

    with pytest.raises(ValidationError) as exc:
        services.session_publish(session=s, acting_user=facilitator)

    assert exc.value.messages == [
        "Every session needs two facilitators: one to lead and one to support.",
        "There is no support facilitator.",
    ]
    s.refresh_from_db()
    assert (s.status, s.published_at) == (Session.Status.DRAFT, None)


def test_publish_is_refused_without_a_lead_facilitator(group_with_members, facilitator, facilitator2, venue):
    s = create(group_with_members, facilitator, venue=venue, supports=[facilitator2])

    with pytest.raises(ValidationError) as exc:
        services.session_publish(session=s, acting_user=facilitator)

    assert exc.value.messages == [
        "Every session needs two facilitators: one to lead and one to support.",
        "There is no lead facilitator.",
    ]
    s.refresh_from_db()
    assert s.status == Session.Status.DRAFT


def test_publish_is_refused_when_a_facilitator_has_left_the_group(draft, facilitator, facilitator2, group_with_members):
    membership = Membership.objects.active().get(group=group_with_members, user=facilitator2)
    group_services.membership_leave(membership=membership, acting_user=facilitator)

    with pytest.raises(ValidationError) as exc:
        services.session_publish(session=draft, acting_user=facilitator)

    assert "Someone facilitating is no longer a facilitator of this group." in exc.value.messages
    draft.refresh_from_db()
    assert draft.status == Session.Status.DRAFT


def test_publish_works_when_the_rule_holds(draft, facilitator):
    published = services.session_publish(session=draft, acting_user=facilitator)

    draft.refresh_from_db()
    assert draft.status == Session.Status.PUBLISHED
    assert draft.published_at is not None
    assert abs(draft.published_at - NOW) < timedelta(minutes=1)
    assert published.pk == draft.pk
    # publishing again changes nothing
    again = services.session_publish(session=draft, acting_user=facilitator)
    assert again.published_at == draft.published_at


def test_publish_is_refused_once_the_session_has_started(draft, facilitator):
    with time_machine.travel(START + timedelta(minutes=1), tick=False):
        with pytest.raises(ValidationError, match="already started"):
            services.session_publish(session=draft, acting_user=facilitator)

    draft.refresh_from_db()
    assert draft.status == Session.Status.DRAFT


def test_a_cancelled_session_cannot_be_published(draft, facilitator):
    services.session_cancel(session=draft, reason="Venue flooded", acting_user=facilitator)

    with pytest.raises(ValidationError, match="cancelled session cannot be published"):
        services.session_publish(session=draft, acting_user=facilitator)

    draft.refresh_from_db()
    assert draft.status == Session.Status.CANCELLED


def test_session_update_keeps_the_rule_on_a_published_session(session, facilitator, facilitator2):
    with pytest.raises(ValidationError) as exc:
        services.session_update(session=session, acting_user=facilitator, lead=facilitator, supports=[])

    assert exc.value.message_dict == {"supports": ["A published session needs a lead and a support facilitator."]}
    active = SessionFacilitator.objects.filter(session=session, withdrawn_at__isnull=True)
    assert sorted(active.values_list("user_id", flat=True)) == sorted([facilitator.pk, facilitator2.pk])


def test_session_update_swaps_lead_and_support(session, facilitator, facilitator2):
    services.session_update(session=session, acting_user=facilitator, lead=facilitator2, supports=[facilitator])

    active = SessionFacilitator.objects.filter(session=session, withdrawn_at__isnull=True)
    assert sorted(active.values_list("user_id", "role")) == sorted(
        [(facilitator2.pk, FacilitatorRole.LEAD), (facilitator.pk, FacilitatorRole.SUPPORT)]
    )
    assert not selectors.is_at_risk(annotated(session))


def test_the_database_allows_one_active_lead_per_session(draft, make_user):
    third = make_user(full_name="Tia Third")

    with pytest.raises(IntegrityError, match="session_one_lead"), transaction.atomic():
        SessionFacilitator.objects.create(session=draft, user=third, role=FacilitatorRole.LEAD)

    # a withdrawn lead no longer counts, so a new lead can be added
    SessionFacilitator.objects.filter(session=draft, role=FacilitatorRole.LEAD).update(withdrawn_at=timezone.now())
    SessionFacilitator.objects.create(session=draft, user=third, role=FacilitatorRole.LEAD)
    assert list(
        draft.facilitators.filter(role=FacilitatorRole.LEAD, withdrawn_at__isnull=True).values_list(
            "user_id", flat=True
        )
    ) == [third.pk]


def test_the_database_allows_one_active_place_per_person(draft, facilitator2):
    with pytest.raises(IntegrityError, match="facilitator_once_per_session"), transaction.atomic():
        SessionFacilitator.objects.create(session=draft, user=facilitator2, role=FacilitatorRole.SUPPORT)

    assert draft.facilitators.filter(user=facilitator2).count() == 1


def test_facilitator_join_refuses_a_second_lead(
    session, facilitator, group_with_members, make_user, grant, organisation
):
    third = grant(make_user(full_name="Tia Third"), organisation, StaffRole.Role.FACILITATOR)
    group_services.membership_add(
        group=group_with_members, user=third, role=Membership.Role.FACILITATOR, acting_user=facilitator
    )

    with pytest.raises(ValidationError, match="already has a lead"):
        services.facilitator_join(session=session, user=third, role=FacilitatorRole.LEAD, acting_user=third)
    with pytest.raises(ValidationError, match="already facilitating"):
        services.facilitator_join(session=session, user=facilitator, role=FacilitatorRole.SUPPORT, acting_user=third)

    place = services.facilitator_join(session=session, user=third, role=FacilitatorRole.SUPPORT, acting_user=third)
    assert (place.user, place.role, place.withdrawn_at) == (third, FacilitatorRole.SUPPORT, None)


def test_withdrawal_from_a_published_session_puts_it_at_risk(
    session, facilitator, facilitator2, org_admin, parent, professional, make_user, grant, organisation
):
    # given a published session that meets the rule
    outsider_staff = grant(make_user(full_name="Odi Outsider"), organisation, StaffRole.Role.FACILITATOR)
    assert not selectors.is_at_risk(annotated(session))
    assert selectors.at_risk_sessions(user=fresh(facilitator)) == []

    # when the support facilitator steps back
    place = services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2, reason="Ill")

    # then
    place.refresh_from_db()
    assert place.withdrawn_at is not None
    assert place.withdrawal_reason == "Ill"
    assert selectors.is_at_risk(annotated(session))
    for manager in (facilitator, facilitator2, org_admin):
        assert [s.pk for s in selectors.at_risk_sessions(user=fresh(manager))] == [session.pk]
    for other in (parent, professional, outsider_staff):
        assert selectors.at_risk_sessions(user=fresh(other)) == []

    # and a group facilitator stepping in puts it right
    services.facilitator_join(
        session=session, user=facilitator2, role=FacilitatorRole.SUPPORT, acting_user=facilitator2
    )
    assert not selectors.is_at_risk(annotated(session))
    assert selectors.at_risk_sessions(user=fresh(org_admin)) == []


def test_withdrawal_of_the_lead_also_puts_it_at_risk(session, facilitator, org_admin):
    services.facilitator_withdraw(session=session, user=facilitator, acting_user=facilitator)

    assert selectors.is_at_risk(annotated(session))
    assert [s.pk for s in selectors.at_risk_sessions(user=fresh(org_admin))] == [session.pk]


def test_a_draft_missing_a_facilitator_is_not_at_risk(group_with_members, facilitator, org_admin, venue):
    s = create(group_with_members, facilitator, venue=venue, lead=facilitator)

    assert not selectors.is_at_risk(annotated(s))
    assert selectors.at_risk_sessions(user=fresh(org_admin)) == []


def test_withdrawing_twice_is_refused(session, facilitator2):
    services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2)

    with pytest.raises(ValidationError) as exc:
        services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2)

    assert exc.value.messages == ["You are not facilitating this session."]
    assert session.facilitators.filter(user=facilitator2).count() == 1


# --- answers, places and the waiting list ------------------------------------------------------------------


@pytest.mark.parametrize("answer", [Answer.YES, Answer.NO, Answer.MAYBE])
def test_a_member_answers(session, parent, answer):
    result = services.rsvp_answer(session=session, user=parent, answer=answer)

    rsvp = Rsvp.objects.get(session=session, user=parent)
    assert rsvp.answer == answer
    assert rsvp.waitlisted_at is None
    assert result.got_place is (answer == Answer.YES)
    assert result.waitlisted is False


def test_a_member_changes_their_answer(session, parent):
    yes(session, parent)
    services.rsvp_answer(session=session, user=parent, answer=Answer.MAYBE)
    services.rsvp_answer(session=session, user=parent, answer=Answer.NO)

    assert list(Rsvp.objects.filter(session=session).values_list("user_id", "answer")) == [(parent.pk, Answer.NO)]


def test_an_unknown_answer_is_refused(session, parent):
    with pytest.raises(ValidationError, match="Choose yes, no or maybe"):
        services.rsvp_answer(session=session, user=parent, answer="perhaps")

    assert not Rsvp.objects.exists()


def test_a_full_session_puts_the_next_yes_on_the_waiting_list(one_place, parent, professional):
    first = yes(one_place, parent)
    second = yes(one_place, professional)

    assert (first.got_place, first.waitlisted) == (True, False)
    assert (second.got_place, second.waitlisted) == (False, True)
    assert Rsvp.objects.get(user=professional).waitlisted_at is not None
    # saying yes again changes nothing
    again = yes(one_place, professional)
    assert again.waitlisted is True


def test_a_place_given_up_goes_to_the_first_person_waiting_and_they_are_emailed(
    one_place,
    parent,
    professional,
    make_user,
    group_with_members,
    facilitator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # given the one place is taken and two people wait, professional first
    later = add_member(make_user, group_with_members, facilitator, full_name="Lee Later")
    yes(one_place, parent)
    yes(one_place, professional)
    yes(one_place, later)

    # when the person with the place says no
    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_answer(session=one_place, user=parent, answer=Answer.NO)

    # then the first waiting person has the place and is told; the next one still waits
    promoted = Rsvp.objects.get(session=one_place, user=professional)
    assert promoted.has_place
    assert promoted.promoted_at is not None
    assert Rsvp.objects.get(session=one_place, user=later).is_waitlisted
    assert [m.to for m in mailoutbox] == [[professional.email]]
    assert mailoutbox[0].subject == f"A place is free for you: {one_place.title}"
    assert professional.display_name in mailoutbox[0].body


def test_a_maybe_from_the_person_with_the_place_also_frees_it(one_place, parent, professional):
    yes(one_place, parent)
    yes(one_place, professional)

    services.rsvp_answer(session=one_place, user=parent, answer=Answer.MAYBE)

    assert Rsvp.objects.get(user=professional).has_place


def test_leaving_the_waiting_list_promotes_nobody(
    one_place,
    parent,
    professional,
    make_user,
    group_with_members,
    facilitator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    later = add_member(make_user, group_with_members, facilitator)
    yes(one_place, parent)
    yes(one_place, professional)
    yes(one_place, later)

    with django_capture_on_commit_callbacks(execute=True):
        services.rsvp_answer(session=one_place, user=professional, answer=Answer.NO)

    assert Rsvp.objects.get(user=parent).has_place
    assert Rsvp.objects.get(user=later).is_waitlisted
    assert mailoutbox == []


def test_more_places_promote_people_from_the_waiting_list(
    one_place,
    parent,
    professional,
    make_user,
    group_with_members,
    facilitator,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    later = add_member(make_user, group_with_members, facilitator)
    last = add_member(make_user, group_with_members, facilitator)
    for person in (parent, professional, later, last):
        yes(one_place, person)

    with django_capture_on_commit_callbacks(execute=True):
        services.session_update(session=one_place, acting_user=facilitator, capacity=3)

    assert [r.user_id for r in Rsvp.objects.filter(session=one_place) if r.has_place] == [
        parent.pk,
        professional.pk,
        later.pk,
    ]
    assert Rsvp.objects.get(user=last).is_waitlisted
    assert sorted(m.to[0] for m in mailoutbox) == sorted([professional.email, later.email])

    # removing the limit gives everyone a place
    services.session_update(session=one_place, acting_user=facilitator, capacity=None)
    assert Rsvp.objects.get(user=last).has_place


def test_answers_cannot_change_after_the_start(session, parent, professional):
    yes(session, parent)

    with time_machine.travel(START, tick=False):
        with pytest.raises(ValidationError) as exc:
            services.rsvp_answer(session=session, user=parent, answer=Answer.NO)
        with pytest.raises(ValidationError):
            services.rsvp_answer(session=session, user=professional, answer=Answer.YES)

    assert exc.value.messages == [
        "This session has already started, so answers can no longer be changed. Please speak to a facilitator."
    ]
    rsvp = Rsvp.objects.get(session=session)
    assert (rsvp.user, rsvp.answer) == (parent, Answer.YES)


def test_answers_can_change_until_just_before_the_start(session, parent):
    with time_machine.travel(START - timedelta(seconds=1), tick=False):
        services.rsvp_answer(session=session, user=parent, answer=Answer.MAYBE)

    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.MAYBE


@pytest.mark.parametrize("who", ["org_admin", "outsider", "former_member"])
def test_only_members_can_answer(request, session, make_user, group_with_members, facilitator, who):
    if who == "org_admin":
        person = request.getfixturevalue("org_admin")
    elif who == "outsider":
        person = make_user()
    else:
        person = add_member(make_user, group_with_members, facilitator)
        membership = Membership.objects.active().get(group=group_with_members, user=person)
        group_services.membership_leave(membership=membership, acting_user=facilitator)

    with pytest.raises(ValidationError, match="Only members of this group can answer."):
        yes(session, person)

    assert not Rsvp.objects.exists()


def test_a_member_of_another_group_cannot_answer(session, other_group):
    dad = User.objects.get(email="dad@example.test")

    with pytest.raises(ValidationError, match="Only members"):
        yes(session, dad)

    assert not Rsvp.objects.exists()


def test_drafts_take_no_answers(draft, parent):
    with pytest.raises(ValidationError) as exc:
        yes(draft, parent)

    assert exc.value.messages == ["This session is not open for answers."]
    assert not Rsvp.objects.exists()


def test_cancelled_sessions_take_no_answers(session, parent, facilitator):
    services.session_cancel(session=session, reason="The venue is closed", acting_user=facilitator)

    with pytest.raises(ValidationError) as exc:
        yes(session, parent)

    assert exc.value.messages == ["This session has been cancelled."]
    assert not Rsvp.objects.exists()


@pytest.mark.parametrize("answer", [Answer.NO, Answer.MAYBE])
def test_saying_no_or_maybe_keeps_support_requests_until_cancelling_is_confirmed(session, parent, facilitator, answer):
    yes(session, parent)
    travel = services.support_request_create(
        session=session, user=parent, kind=SupportRequest.Kind.TRAVEL, travel_mode="public", expected_cost_pence=480
    )
    interpreter = services.support_request_create(
        session=session, user=parent, kind=SupportRequest.Kind.INTERPRETER, language="Polish"
    )
    services.support_request_decide(request=interpreter, approve=True, acting_user=facilitator)

    services.rsvp_answer(session=session, user=parent, answer=answer)

    travel.refresh_from_db()
    interpreter.refresh_from_db()
    assert travel.status == SupportRequest.Status.PENDING
    assert interpreter.status == SupportRequest.Status.APPROVED


def test_the_database_keeps_one_answer_per_person(session, parent):
    yes(session, parent)

    with pytest.raises(IntegrityError, match="rsvp_one_per_person"), transaction.atomic():
        Rsvp.objects.create(session=session, user=parent, answer=Answer.NO)

    with pytest.raises(IntegrityError, match="rsvp_only_yes_waits"), transaction.atomic():
        Rsvp.objects.filter(session=session, user=parent).update(answer=Answer.NO, waitlisted_at=timezone.now())

    assert Rsvp.objects.get(session=session, user=parent).answer == Answer.YES


# --- support requests ----------------------------------------------------------------------------------------


def ask_travel(session, user, pence=480):
    return services.support_request_create(
        session=session, user=user, kind=SupportRequest.Kind.TRAVEL, travel_mode="public", expected_cost_pence=pence
    )


@pytest.mark.parametrize("answer", [None, Answer.NO, Answer.MAYBE])
def test_support_can_only_be_asked_for_after_a_yes(session, parent, answer):
    if answer:
        services.rsvp_answer(session=session, user=parent, answer=answer)

    with pytest.raises(ValidationError, match="Say yes to the session first"):
        ask_travel(session, parent)

    assert not SupportRequest.objects.exists()


def test_a_yes_can_ask_for_support_and_facilitators_are_told(
    session, parent, facilitator, facilitator2, mailoutbox, django_capture_on_commit_callbacks
):
    yes(session, parent)

    with django_capture_on_commit_callbacks(execute=True):
        request = ask_travel(session, parent)

    request.refresh_from_db()
    assert (request.status, request.expected_cost_pence, request.user) == (SupportRequest.Status.PENDING, 480, parent)
    # the session is more than a day away: facilitators hear in their next digest, one message each
    with django_capture_on_commit_callbacks(execute=True):
        checks.support_digests_run(now=timezone.now() + timedelta(minutes=15))
    assert sorted(m.to[0] for m in mailoutbox) == sorted([facilitator.email, facilitator2.email])


def test_one_live_request_per_kind(session, parent, facilitator):
    yes(session, parent)
    first = ask_travel(session, parent)

    with pytest.raises(ValidationError, match="already asked for this kind of support"):
        ask_travel(session, parent)
    assert SupportRequest.objects.count() == 1

    # another kind is fine
    services.support_request_create(session=session, user=parent, kind=SupportRequest.Kind.CHILDCARE, creche_place=True)
    # and after a decline, a new request of the same kind is fine
    services.support_request_decide(
        request=first, approve=False, reason="Within walking distance", acting_user=facilitator
    )
    ask_travel(session, parent, pence=300)
    assert SupportRequest.objects.filter(kind=SupportRequest.Kind.TRAVEL).count() == 2


def test_the_database_keeps_one_live_request_per_kind(session, parent):
    yes(session, parent)
    ask_travel(session, parent)

    with pytest.raises(IntegrityError, match="support_one_live_per_kind"), transaction.atomic():
        SupportRequest.objects.create(session=session, user=parent, kind=SupportRequest.Kind.TRAVEL)

    assert SupportRequest.objects.count() == 1


@pytest.mark.parametrize(
    "details,message",
    [
        ({"kind": SupportRequest.Kind.CHILDCARE}, "Tell us how many children, or ask for a crèche place."),
        ({"kind": SupportRequest.Kind.INTERPRETER}, "Tell us which language."),
    ],
)
def test_support_requests_need_their_details(session, parent, details, message):
    yes(session, parent)

    with pytest.raises(ValidationError) as exc:
        services.support_request_create(session=session, user=parent, **details)

    assert message in exc.value.messages
    assert not SupportRequest.objects.exists()


def test_childcare_with_no_children_is_refused(session, parent):
    yes(session, parent)

    with pytest.raises(ValidationError) as exc:
        services.support_request_create(
            session=session, user=parent, kind=SupportRequest.Kind.CHILDCARE, children_count=0
        )

    assert exc.value.message_dict == {"children_count": ["Tell us how many children, or ask for a crèche place."]}
    assert not SupportRequest.objects.exists()
    # a crèche place alone is enough
    services.support_request_create(session=session, user=parent, kind=SupportRequest.Kind.CHILDCARE, creche_place=True)
    assert SupportRequest.objects.count() == 1


def test_the_database_refuses_childcare_without_children(session, parent):
    yes(session, parent)

    with pytest.raises(IntegrityError, match="support_childcare_has_children"), transaction.atomic():
        SupportRequest.objects.create(session=session, user=parent, kind=SupportRequest.Kind.CHILDCARE)


def test_approving_keeps_the_amount_in_pence_and_tells_the_person(
    session, parent, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    yes(session, parent)
    request = ask_travel(session, parent, pence=480)

    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_decide(request=request, approve=True, acting_user=facilitator, amount_pence=1250)

    request.refresh_from_db()
    assert request.status == SupportRequest.Status.APPROVED
    assert request.approved_amount_pence == 1250
    assert (request.decided_by, request.decision_reason) == (facilitator, "")
    assert request.decided_at is not None
    assert [m.to for m in mailoutbox] == [[parent.email]]
    assert mailoutbox[0].subject == "Your request for travel: approved"
    assert "£12.50" in mailoutbox[0].body


def test_approving_without_an_amount_approves_the_expected_cost(session, parent, facilitator):
    yes(session, parent)
    request = ask_travel(session, parent, pence=480)

    services.support_request_decide(request=request, approve=True, acting_user=facilitator)

    request.refresh_from_db()
    assert request.approved_amount_pence == 480


def test_a_negative_amount_is_refused(session, parent, facilitator):
    yes(session, parent)
    request = ask_travel(session, parent)

    with pytest.raises(ValidationError) as exc:
        services.support_request_decide(request=request, approve=True, acting_user=facilitator, amount_pence=-1)

    assert "amount_pence" in exc.value.message_dict
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.PENDING


def test_declining_needs_a_reason(session, parent, facilitator, mailoutbox, django_capture_on_commit_callbacks):
    yes(session, parent)
    request = ask_travel(session, parent)

    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(ValidationError) as exc:
            services.support_request_decide(request=request, approve=False, reason="   ", acting_user=facilitator)

    assert "reason" in exc.value.message_dict
    request.refresh_from_db()
    assert (request.status, request.decided_at) == (SupportRequest.Status.PENDING, None)
    assert mailoutbox == []


def test_declining_with_a_reason_tells_the_person(
    session, parent, facilitator, mailoutbox, django_capture_on_commit_callbacks
):
    yes(session, parent)
    request = ask_travel(session, parent)

    with django_capture_on_commit_callbacks(execute=True):
        services.support_request_decide(
            request=request, approve=False, reason="We can give you a lift instead.", acting_user=facilitator
        )

    request.refresh_from_db()
    assert request.status == SupportRequest.Status.DECLINED
    assert request.approved_amount_pence is None
    assert request.decision_reason == "We can give you a lift instead."
    assert [m.to for m in mailoutbox] == [[parent.email]]
    assert "declined" in mailoutbox[0].body
    assert "We can give you a lift instead." in mailoutbox[0].body


def test_the_database_refuses_a_decline_without_a_reason(session, parent):
    yes(session, parent)
    request = ask_travel(session, parent)

    with pytest.raises(IntegrityError, match="support_decline_has_reason"), transaction.atomic():
        SupportRequest.objects.filter(pk=request.pk).update(
            status=SupportRequest.Status.DECLINED, decided_at=timezone.now(), decision_reason=""
        )

    request.refresh_from_db()
    assert request.status == SupportRequest.Status.PENDING


@pytest.mark.parametrize("first", ["approve", "decline", "withdraw"])
def test_only_pending_requests_can_be_decided(session, parent, facilitator, first):
    yes(session, parent)
    request = ask_travel(session, parent)
    if first == "withdraw":
        services.support_request_withdraw(request=request, acting_user=parent)
    else:
        services.support_request_decide(
            request=request, approve=first == "approve", reason="No budget left", acting_user=facilitator
        )
    request.refresh_from_db()
    before = (request.status, request.approved_amount_pence, request.decided_at)

    with pytest.raises(ValidationError, match="already been decided"):
        services.support_request_decide(request=request, approve=True, acting_user=facilitator, amount_pence=99)

    request.refresh_from_db()
    assert (request.status, request.approved_amount_pence, request.decided_at) == before


@pytest.mark.parametrize("who", ["parent", "professional", "other_group_facilitator"])
def test_only_people_who_manage_the_group_decide(request, session, parent, who, make_user, grant, organisation):
    yes(session, parent)
    support = ask_travel(session, parent)
    if who == "other_group_facilitator":
        decider = grant(make_user(full_name="Ola Other"), organisation, StaffRole.Role.FACILITATOR)
    else:
        decider = request.getfixturevalue(who)

    with pytest.raises(ValidationError, match="Only the group's facilitators"):
        services.support_request_decide(request=support, approve=True, acting_user=fresh(decider))

    support.refresh_from_db()
    assert support.status == SupportRequest.Status.PENDING


def test_the_organisation_admin_can_decide(session, parent, org_admin):
    yes(session, parent)
    request = ask_travel(session, parent)

    services.support_request_decide(request=request, approve=True, acting_user=fresh(org_admin))

    request.refresh_from_db()
    assert (request.status, request.decided_by) == (SupportRequest.Status.APPROVED, org_admin)


def test_only_the_person_who_asked_can_withdraw(session, parent, professional):
    yes(session, parent)
    request = ask_travel(session, parent)

    with pytest.raises(ValidationError, match="Only the person who asked"):
        services.support_request_withdraw(request=request, acting_user=professional)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.PENDING

    services.support_request_withdraw(request=request, acting_user=parent)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.WITHDRAWN


def test_cancelling_withdraws_pending_requests_and_tells_everyone_who_said_yes(
    one_place,
    parent,
    professional,
    facilitator,
    make_user,
    group_with_members,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # given a place taken, one person waiting, one maybe, and a pending and an approved request
    undecided = add_member(make_user, group_with_members, facilitator)
    yes(one_place, parent)
    yes(one_place, professional)
    services.rsvp_answer(session=one_place, user=undecided, answer=Answer.MAYBE)
    pending = ask_travel(one_place, parent)
    approved = services.support_request_create(
        session=one_place, user=parent, kind=SupportRequest.Kind.CHILDCARE, children_count=2
    )
    services.support_request_decide(request=approved, approve=True, acting_user=facilitator)

    # when
    with django_capture_on_commit_callbacks(execute=True):
        services.session_cancel(session=one_place, reason="  The hall is flooded.  ", acting_user=facilitator)

    # then
    one_place.refresh_from_db()
    assert one_place.status == Session.Status.CANCELLED
    assert one_place.cancel_reason == "The hall is flooded."
    assert one_place.cancelled_at is not None
    pending.refresh_from_db()
    approved.refresh_from_db()
    assert pending.status == SupportRequest.Status.WITHDRAWN
    assert approved.status == SupportRequest.Status.APPROVED
    assert sorted(m.to[0] for m in mailoutbox) == sorted([parent.email, professional.email])
    assert all(m.subject.startswith(f"Cancelled: {one_place.title}") for m in mailoutbox)
    assert all("The hall is flooded." in m.body for m in mailoutbox)


def test_cancelling_needs_a_reason(session, facilitator):
    with pytest.raises(ValidationError) as exc:
        services.session_cancel(session=session, reason="  ", acting_user=facilitator)

    assert "reason" in exc.value.message_dict
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED


def test_a_session_that_has_happened_cannot_be_cancelled(session, facilitator):
    with time_machine.travel(END, tick=False):
        with pytest.raises(ValidationError, match="already happened"):
            services.session_cancel(session=session, reason="Too late", acting_user=facilitator)

    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED


# --- check-in and check-out ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "moment,open_",
    [
        (START - timedelta(hours=1, seconds=1), False),
        (START - timedelta(hours=1), True),
        (START, True),
        (END + timedelta(hours=2), True),
        (END + timedelta(hours=2, seconds=1), False),
    ],
)
def test_check_in_window(session, parent, moment, open_):
    with time_machine.travel(moment, tick=False):
        if open_:
            services.checkin_record(session=session, person=parent, acting_user=parent)
        else:
            with pytest.raises(ValidationError, match="opens an hour before|closed two hours after"):
                services.checkin_record(session=session, person=parent, acting_user=parent)

    assert CheckIn.objects.filter(session=session, user=parent).exists() is open_


def test_check_in_is_idempotent(session, parent, facilitator):
    with time_machine.travel(START, tick=True):
        first = services.checkin_record(session=session, person=parent, acting_user=facilitator)
        second = services.checkin_record(session=session, person=parent, acting_user=parent, feeling=4)
        third = services.checkin_record(session=session, person=parent, acting_user=parent, feeling=1)

    assert first.pk == second.pk == third.pk
    checkin = CheckIn.objects.get(session=session, user=parent)
    assert checkin.checked_in_by == facilitator
    # the first feeling given is kept
    assert checkin.checkin_feeling == 4


def test_the_database_keeps_one_check_in_per_person(session, parent, facilitator):
    with time_machine.travel(START, tick=False):
        services.checkin_record(session=session, person=parent, acting_user=facilitator)

    with pytest.raises(IntegrityError, match="checkin_once"), transaction.atomic():
        CheckIn.objects.create(session=session, user=parent, checked_in_by=facilitator)

    assert CheckIn.objects.count() == 1


def test_check_in_refusals(session, parent, professional, make_user, facilitator, group_with_members, venue):
    draft = create(group_with_members, facilitator, venue=venue, lead=facilitator)
    outsider = make_user()
    with time_machine.travel(START, tick=False):
        with pytest.raises(ValidationError, match="only open for published sessions"):
            services.checkin_record(session=draft, person=parent, acting_user=facilitator)
        with pytest.raises(ValidationError, match="Only the session's facilitators"):
            services.checkin_record(session=session, person=professional, acting_user=fresh(parent))
        with pytest.raises(ValidationError, match="Only members of this group"):
            services.checkin_record(session=session, person=outsider, acting_user=facilitator)
        with pytest.raises(ValidationError) as exc:
            services.checkin_record(session=session, person=parent, acting_user=parent, feeling=6)

    assert "feeling" in exc.value.message_dict
    assert not CheckIn.objects.exists()


def test_check_out_without_check_in_is_refused(session, parent):
    with time_machine.travel(END, tick=False):
        with pytest.raises(ValidationError, match="Check in first"):
            services.checkout_record(session=session, person=parent, acting_user=parent)

    assert not CheckIn.objects.exists()


def check_in_and_out(session, person, **checkout):
    with time_machine.travel(START, tick=False):
        services.checkin_record(session=session, person=person, acting_user=person)
    with time_machine.travel(END, tick=False):
        return services.checkout_record(session=session, person=person, acting_user=person, **checkout)


def test_check_out_records_the_time_and_feeling(session, parent):
    checkin = check_in_and_out(session, parent, feeling=4)

    checkin.refresh_from_db()
    assert checkin.checked_out_at == END
    assert checkin.checkout_feeling == 4
    assert not FollowUp.objects.exists()


@pytest.mark.parametrize(
    "checkout,reason",
    [
        ({"wants_to_talk": True}, FollowUp.Reason.TALK),
        ({"feeling": 2}, FollowUp.Reason.LOW_FEELING),
        ({"feeling": 1}, FollowUp.Reason.LOW_FEELING),
        ({"feeling": 1, "wants_to_talk": True}, FollowUp.Reason.TALK),
    ],
)
def test_talk_afterwards_or_a_low_feeling_makes_one_follow_up_for_the_lead(
    session, parent, facilitator, checkout, reason
):
    check_in_and_out(session, parent, **checkout)
    # checking out again (a double tap) makes no second follow-up
    with time_machine.travel(END + timedelta(minutes=5), tick=False):
        services.checkout_record(session=session, person=parent, acting_user=parent, **checkout)

    follow_up = FollowUp.objects.get()
    assert (follow_up.session, follow_up.person, follow_up.reason) == (session, parent, reason)
    assert follow_up.assigned_to == facilitator
    # the session is on Friday 1 March: two working days later is Tuesday 5 March
    assert follow_up.due_on == date(2030, 3, 5)
    assert follow_up.closed_at is None


def test_an_okay_feeling_makes_no_follow_up(session, parent):
    check_in_and_out(session, parent, feeling=3)

    assert not FollowUp.objects.exists()


def test_a_follow_up_goes_to_the_support_when_the_lead_has_withdrawn(session, parent, facilitator, facilitator2):
    services.facilitator_withdraw(session=session, user=facilitator, acting_user=facilitator)

    check_in_and_out(session, parent, wants_to_talk=True)

    assert FollowUp.objects.get().assigned_to == facilitator2


def test_the_database_keeps_one_follow_up_per_person_per_session(session, parent, facilitator):
    check_in_and_out(session, parent, wants_to_talk=True)

    with pytest.raises(IntegrityError, match="follow_up_once_per_session"), transaction.atomic():
        FollowUp.objects.create(
            session=session,
            person=parent,
            reason=FollowUp.Reason.LOW_FEELING,
            assigned_to=facilitator,
            due_on=END.date(),
        )

    assert FollowUp.objects.count() == 1


@pytest.mark.parametrize(
    "start,days,expected",
    [
        (date(2030, 3, 1), 2, date(2030, 3, 5)),  # Friday -> Tuesday
        (date(2030, 2, 28), 2, date(2030, 3, 4)),  # Thursday -> Monday
        (date(2030, 3, 2), 2, date(2030, 3, 5)),  # Saturday -> Tuesday
        (date(2030, 3, 4), 2, date(2030, 3, 6)),  # Monday -> Wednesday
        (date(2030, 3, 1), 0, date(2030, 3, 1)),
    ],
)
def test_add_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


def test_closing_a_follow_up_needs_a_note(session, parent, facilitator):
    check_in_and_out(session, parent, wants_to_talk=True)
    follow_up = FollowUp.objects.get()

    with pytest.raises(ValidationError) as exc:
        services.follow_up_close(follow_up=follow_up, note="   ", acting_user=facilitator)
    assert exc.value.message_dict == {"note": ["Write a short note about how the follow-up went."]}
    follow_up.refresh_from_db()
    assert follow_up.closed_at is None

    services.follow_up_close(follow_up=follow_up, note=" Called Pat; all fine. ", acting_user=facilitator)
    follow_up.refresh_from_db()
    assert (follow_up.note, follow_up.closed_by) == ("Called Pat; all fine.", facilitator)
    assert follow_up.closed_at is not None

    with pytest.raises(ValidationError, match="already closed"):
        services.follow_up_close(follow_up=follow_up, note="Again", acting_user=facilitator)


def test_the_database_refuses_a_follow_up_closed_without_a_note(session, parent):
    check_in_and_out(session, parent, wants_to_talk=True)

    with pytest.raises(IntegrityError, match="follow_up_closed_with_note"), transaction.atomic():
        FollowUp.objects.update(closed_at=timezone.now(), note="")

    assert FollowUp.objects.get().closed_at is None


# --- debriefs ------------------------------------------------------------------------------------------------


def debrief(session, user, **values):
    texts = {"went_well": "Everyone spoke.", "was_hard": "The room was cold.", "to_change": "Book the warm room."}
    texts.update(values)
    return services.debrief_record(session=session, acting_user=user, **texts)


def test_a_debrief_waits_for_the_start(session, facilitator):
    with time_machine.travel(START - timedelta(seconds=1), tick=False):
        with pytest.raises(ValidationError, match="once the session has started"):
            debrief(session, facilitator)

    assert not Debrief.objects.exists()


def test_a_debrief_is_recorded_and_updated_on_a_second_save(session, facilitator):
    with time_machine.travel(START + timedelta(minutes=90), tick=False):
        first = debrief(session, facilitator, went_well="  Everyone spoke.  ")
    with time_machine.travel(END + timedelta(hours=3), tick=False):
        second = debrief(session, facilitator, to_change="Start at 10:30.")

    assert first.pk == second.pk
    stored = Debrief.objects.get()
    assert (stored.session, stored.recorded_by) == (session, facilitator)
    assert (stored.went_well, stored.was_hard, stored.to_change) == (
        "Everyone spoke.",
        "The room was cold.",
        "Start at 10:30.",
    )


def test_debriefs_are_overdue_48_hours_after_the_end(session, facilitator, facilitator2, org_admin, parent):
    with time_machine.travel(END + timedelta(hours=47), tick=False):
        assert list(selectors.overdue_debriefs(user=fresh(facilitator))) == []

    with time_machine.travel(END + timedelta(hours=48, minutes=1), tick=False):
        assert list(selectors.overdue_debriefs(user=fresh(facilitator))) == [session]
        assert list(selectors.overdue_debriefs(user=fresh(org_admin))) == [session]
        # the support facilitator and members are not asked for it
        assert list(selectors.overdue_debriefs(user=fresh(facilitator2))) == []
        assert list(selectors.overdue_debriefs(user=fresh(parent))) == []

        debrief(session, facilitator)

        assert list(selectors.overdue_debriefs(user=fresh(facilitator))) == []
        assert list(selectors.overdue_debriefs(user=fresh(org_admin))) == []


# --- plain words ----------------------------------------------------------------------------------------------


def test_unexplained_abbreviations(group_with_members, facilitator, venue):
    s = create(
        group_with_members,
        facilitator,
        venue=venue,
        title="CAMHS waiting times",
        purpose="The SEND review, and what I think the NHS could do. A plan for CAMHS too.",
        agenda=["Welcome", "Feedback from the NHS trust", "ADHD assessments"],
    )
    GlossaryTerm.objects.create(group=group_with_members, abbreviation="SEND", meaning="special educational needs")

    found = services.unexplained_abbreviations(session=s)

    assert found == ["CAMHS", "NHS", "ADHD"]


def test_glossary_terms_explain_abbreviations(group_with_members, facilitator, venue):
    s = create(group_with_members, facilitator, venue=venue, title="CAMHS and SEND", purpose="The NHS.")
    for abbreviation in ("CAMHS", "SEND", "NHS"):
        services.glossary_term_save(
            group=group_with_members, abbreviation=abbreviation, meaning="spelt out", acting_user=facilitator
        )

    assert services.unexplained_abbreviations(session=s) == []


def test_ordinary_words_are_not_abbreviations(group_with_members, facilitator, venue):
    s = create(
        group_with_members,
        facilitator,
        venue=venue,
        title="The Summer Fun Day",
        purpose="I hope A Lot of families come. Mothers, Fathers and Carers welcome.",
        agenda=["Welcome", "Ideas"],
    )

    assert services.unexplained_abbreviations(session=s) == []
