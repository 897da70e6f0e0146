"""The member's pages through the Django test client: the session page, answers, support requests, calendars,
self check-in and the home and group sections. Data is built through the services."""

import html
import re
from datetime import timedelta

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from core.templatetags.govuk import format_time
from groups import services as group_services
from groups.models import Membership
from sessions_app import checks, services
from sessions_app.models import CheckIn, FollowUp, Rsvp, Session, SupportRequest

LINK = "https://meet.example.test/mothers-group-summer"
LOGIN = "/accounts/login/"


def text_of(response):
    """The page as a person reads it: no tags, entities decoded, runs of white space as one space."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def html_of(response):
    return html.unescape(response.content.decode())


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


# --- data ------------------------------------------------------------------------------------------------


def next_week_start():
    return (timezone.now() + timedelta(days=7)).replace(second=0, microsecond=0)


def plan(group, facilitator, facilitator2, venue=None, *, publish=True, repeat_weeks=1, **overrides):
    start = overrides.pop("starts_at", next_week_start())
    fields = dict(
        title="Planning the summer",
        purpose="Decide together what the summer programme offers families.",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        format=Session.Format.HYBRID if venue else Session.Format.ONLINE,
        venue=venue,
        joining_link=LINK,
        content_note="We will talk about times families were separated.",
        preparation_days=3,
        lead=facilitator,
        supports=[facilitator2],
        agenda=["Welcome back and news", "Ideas for the summer", "Agree three things to try"],
        breaks=[services.BreakPlan(starts_at=start + timedelta(hours=1), minutes=15)],
        repeat_weeks=repeat_weeks,
    )
    fields.update(overrides)
    sessions = services.session_create(group=group, acting_user=facilitator, **fields)
    if publish:
        for s in sessions:
            services.session_publish(session=s, acting_user=facilitator)
    for s in sessions:
        s.refresh_from_db()
    return sessions


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, venue):
    return plan(group_with_members, facilitator, facilitator2, venue)[0]


@pytest.fixture
def draft(group_with_members, facilitator, facilitator2, venue):
    return plan(group_with_members, facilitator, facilitator2, venue, publish=False, title="A draft plan")[0]


@pytest.fixture
def people(parent, professional, facilitator, org_admin, outsider, other_parent):
    return {
        "anonymous": None,
        "outsider": outsider,
        "other_parent": other_parent,
        "parent": parent,
        "professional": professional,
        "facilitator": facilitator,
        "org_admin": org_admin,
    }


def sign_in(client, people, role):
    if people[role] is not None:
        client.force_login(people[role])


def said_yes(session, user):
    return services.rsvp_answer(session=session, user=user, answer="yes")


# --- permissions: every view, every role ----------------------------------------------------------------

VIEW_ROLES = {"outsider": 404, "other_parent": 403, "parent": 200, "professional": 200, "facilitator": 200}
ANSWER_ROLES = {**VIEW_ROLES, "org_admin": 403}  # the admin is not a member, so does not answer


@pytest.mark.parametrize(
    "name,role,expected",
    [("sessions_app:detail", r, s) for r, s in {**VIEW_ROLES, "org_admin": 200}.items()]
    + [("sessions_app:session_ics", r, s) for r, s in {**VIEW_ROLES, "org_admin": 200}.items()]
    + [("sessions_app:support_request", r, s) for r, s in ANSWER_ROLES.items()]
    + [("sessions_app:self_checkin", r, s) for r, s in ANSWER_ROLES.items()],
)
def test_session_views_answer_each_role(client, session, people, name, role, expected):
    sign_in(client, people, role)

    response = client.get(reverse(name, args=[session.pk]))

    assert response.status_code == expected


@pytest.mark.parametrize(
    "name",
    ["sessions_app:detail", "sessions_app:session_ics", "sessions_app:support_request", "sessions_app:self_checkin"],
)
def test_session_views_send_anonymous_people_to_sign_in(client, session, name):
    response = client.get(reverse(name, args=[session.pk]))

    assert response.status_code == 302
    assert response.url.startswith(LOGIN)


def test_unknown_session_is_not_found(client, parent, session):
    client.force_login(parent)

    assert client.get(reverse("sessions_app:detail", args=[session.pk + 999])).status_code == 404


@pytest.mark.parametrize(
    "role,expected", [("parent", 403), ("professional", 403), ("facilitator", 200), ("org_admin", 200)]
)
def test_drafts_are_seen_only_by_those_who_manage_the_group(client, draft, people, role, expected):
    sign_in(client, people, role)

    response = client.get(reverse("sessions_app:detail", args=[draft.pk]))

    assert response.status_code == expected
    if expected == 200:
        assert "Only the group's facilitators can see this session" in text_of(response)


@pytest.mark.parametrize("role,expected", [("anonymous", 302), *ANSWER_ROLES.items()])
def test_answer_is_refused_to_everyone_but_members_and_changes_nothing(client, session, people, role, expected):
    sign_in(client, people, role)
    if expected == 200:
        expected = 302  # a member's answer is saved and they are sent back to the page

    response = client.post(reverse("sessions_app:answer", args=[session.pk]), {"answer": "yes"})

    assert response.status_code == expected
    if role == "anonymous":
        assert response.url.startswith(LOGIN)
    if expected == 302 and role != "anonymous":
        assert Rsvp.objects.get(session=session, user=people[role]).answer == "yes"
    else:
        assert not Rsvp.objects.exists()


def test_answer_does_not_accept_a_get(client, parent, session):
    client.force_login(parent)

    assert client.get(reverse("sessions_app:answer", args=[session.pk])).status_code == 405
    assert not Rsvp.objects.exists()


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 302), ("outsider", 404), ("other_parent", 403), ("org_admin", 403)]
)
def test_support_form_post_is_refused_and_saves_nothing(client, session, people, parent, role, expected):
    said_yes(session, parent)
    sign_in(client, people, role)

    response = client.post(
        reverse("sessions_app:support_request", args=[session.pk]), {"kind": "childcare", "children_count": "2"}
    )

    assert response.status_code == expected
    assert not SupportRequest.objects.exists()


@pytest.mark.parametrize(
    "role,expected",
    [("anonymous", 302), ("outsider", 404), ("other_parent", 403), ("facilitator", 403), ("professional", 403)],
)
def test_only_the_person_who_asked_can_withdraw_their_request(client, session, people, parent, role, expected):
    said_yes(session, parent)
    request = services.support_request_create(session=session, user=parent, kind="interpreter", language="Polish")
    sign_in(client, people, role)

    response = client.post(reverse("sessions_app:support_withdraw", args=[request.pk]))

    assert response.status_code == expected
    if role == "anonymous":
        assert response.url.startswith(LOGIN)
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.PENDING


def test_withdrawing_an_unknown_request_is_not_found(client, parent):
    client.force_login(parent)

    assert client.post(reverse("sessions_app:support_withdraw", args=[12345])).status_code == 404


@pytest.mark.parametrize("role", ["outsider", "other_parent", "parent", "facilitator", "org_admin"])
def test_calendar_settings_open_to_anyone_signed_in(client, people, role):
    sign_in(client, people, role)

    response = client.get(reverse("sessions_app:calendar"))

    assert response.status_code == 200
    assert "Your private calendar address" in text_of(response)


def test_calendar_settings_need_sign_in(client, db):
    for method in (client.get, client.post):
        response = method(reverse("sessions_app:calendar"))
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


def test_calendar_feed_with_a_bad_token_is_not_found(client, parent, session):
    services.calendar_feed_get_or_create(user=parent)

    response = client.get(reverse("sessions_app:calendar_feed", args=["not-the-right-token"]))

    assert response.status_code == 404


# --- the session page ------------------------------------------------------------------------------------


def test_session_page_tells_a_parent_what_when_where_and_who(client, parent, session):
    client.force_login(parent)

    response = client.get(session.get_absolute_url())

    assert response.status_code == 200
    page = text_of(response)
    start = timezone.localtime(session.starts_at)
    assert "Planning the summer" in page and "Mothers' group" in page
    assert start.strftime("%A %-d %B %Y") in page
    assert "Decide together what the summer programme offers families." in page
    assert "Hybrid (in person and online)" in page
    # what to expect: a check-in, the agenda, a check-out, and the break with its time
    assert "we open with a check-in" in page and "We close with a check-out" in page
    assert page.index("Welcome back and news") < page.index("Ideas for the summer") < page.index("Agree three things")
    break_time = timezone.localtime(session.starts_at + timedelta(hours=1))
    assert format_time(break_time) in page and "a 15-minute break" in page  # "7:20pm", or "7pm" on the hour
    # the content note comes before the agenda, clearly marked
    assert "Content note" in page
    assert page.index("We will talk about times families were separated.") < page.index("Welcome back and news")
    # the venue and how to get in
    assert "Bayside Family Hub" in page and "12 Harbour Road" in page
    assert "Step-free access: yes" in page and "Parking: no" in page and "Baby changing: yes" in page
    assert "A quiet room: yes" in page and "Use the side door on Mill Lane" in page
    # who is running it, and places
    assert "Fran Facilitator: lead facilitator" in page and "Femi Facilitator: support facilitator" in page
    assert "There is room for everyone." in page
    # answering, and the calendar
    assert "You have not answered yet." in page
    assert "Yes, I'll come" in page and "Maybe" in page and "No, I can't come" in page
    assert reverse("sessions_app:session_ics", args=[session.pk]) in html_of(response)
    assert "Add to my calendar" in page


def test_session_page_shows_preparation_only_from_n_days_before(
    client, parent, session, facilitator, settings, tmp_path
):
    settings.MEDIA_ROOT = str(tmp_path)
    services.preparation_add(
        session=session,
        title="Last year's programme",
        text="Have a look at what we ran last summer.",
        file=SimpleUploadedFile("programme.pdf", b"%PDF-1.4 test", content_type="application/pdf"),
        acting_user=facilitator,
    )
    client.force_login(parent)

    before = text_of(client.get(session.get_absolute_url()))

    opens = timezone.localtime(session.starts_at - timedelta(days=3))
    assert "Last year's programme" not in before
    assert f"it will appear here from {opens:%A %-d %B}" in before

    with time_machine.travel(session.starts_at - timedelta(days=2), tick=False):
        response = client.get(session.get_absolute_url())

    page = text_of(response)
    assert "Last year's programme" in page and "Have a look at what we ran last summer." in page
    # the file comes through the permission-checked download, never a public /media/ address
    material = session.preparation.get()
    assert f'href="/sessions/{session.pk}/preparation/{material.pk}/file/"' in html_of(response)
    assert "/media/" not in html_of(response)


def test_managers_see_preparation_before_it_opens(client, facilitator, session):
    services.preparation_add(session=session, title="Reading list", text="Three short pages.", acting_user=facilitator)
    client.force_login(facilitator)

    assert "Reading list" in text_of(client.get(session.get_absolute_url()))


def test_places_left_and_the_waiting_list_are_shown(
    client, group_with_members, facilitator, facilitator2, parent, professional, venue
):
    session = plan(group_with_members, facilitator, facilitator2, venue, capacity=2)[0]
    client.force_login(parent)

    assert "2 places left out of 2." in text_of(client.get(session.get_absolute_url()))

    said_yes(session, facilitator2)
    said_yes(session, professional)

    page = text_of(client.get(session.get_absolute_url()))
    assert "This session is full." in page and "If you say yes, you join the waiting list" in page


@pytest.mark.parametrize("answer", ["yes", "maybe", "no"])
def test_answering_from_the_session_page(client, parent, session, answer):
    client.force_login(parent)

    response = client.post(reverse("sessions_app:answer", args=[session.pk]), {"answer": answer}, follow=True)

    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert Rsvp.objects.get(session=session, user=parent).answer == answer
    expected = {
        "yes": ["You said yes. See you there!", "Your answer: Yes, I'll come", "You have a place."],
        "maybe": ["You said maybe.", "Your answer: Maybe"],
        "no": ["You said you can't come.", "Your answer: No, I can't come"],
    }[answer]
    page = text_of(response)
    for words in expected:
        assert words in page


def test_changing_an_answer_keeps_one_answer(client, parent, session):
    client.force_login(parent)
    url = reverse("sessions_app:answer", args=[session.pk])

    client.post(url, {"answer": "yes"})
    client.post(url, {"answer": "no"})

    assert list(Rsvp.objects.filter(session=session).values_list("user_id", "answer")) == [(parent.pk, "no")]


def test_a_nonsense_answer_is_refused_with_a_message(client, parent, session):
    client.force_login(parent)

    response = client.post(reverse("sessions_app:answer", args=[session.pk]), {"answer": "perhaps"}, follow=True)

    assert response.status_code == 200
    assert "Choose yes, no or maybe." in messages_of(response)
    assert not Rsvp.objects.exists()


def test_a_full_session_puts_the_next_yes_on_the_waiting_list(
    client, group_with_members, facilitator, facilitator2, parent, professional, venue
):
    # given one place, taken by the professional
    session = plan(group_with_members, facilitator, facilitator2, venue, capacity=1)[0]
    said_yes(session, professional)
    client.force_login(parent)

    # when the parent says yes
    response = client.post(reverse("sessions_app:answer", args=[session.pk]), {"answer": "yes"}, follow=True)

    # then they are first on the waiting list, and the page says so
    rsvp = Rsvp.objects.get(session=session, user=parent)
    assert rsvp.is_waitlisted
    page = text_of(response)
    assert "You are on the waiting list, number 1. We will tell you if a place comes free." in messages_of(response)[0]
    assert "You are on the waiting list, number 1." in page
    assert "This session is full." in page
    assert LINK not in html_of(response)


def test_changing_an_answer_after_the_start_is_refused_and_nothing_changes(client, parent, session):
    said_yes(session, parent)
    client.force_login(parent)

    with time_machine.travel(session.starts_at + timedelta(minutes=10), tick=False):
        response = client.post(reverse("sessions_app:answer", args=[session.pk]), {"answer": "no"}, follow=True)

    assert response.status_code == 200
    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    assert any("answers can no longer be changed" in m for m in messages_of(response))
    assert '<div class="alert alert-danger">' in response.content.decode()
    assert Rsvp.objects.get(session=session, user=parent).answer == "yes"
    assert "The session has started, so answers can no longer be changed." in text_of(response)


def test_an_unsafe_next_address_is_ignored(client, parent, session):
    client.force_login(parent)

    response = client.post(
        reverse("sessions_app:answer", args=[session.pk]), {"answer": "maybe", "next": "https://evil.example/"}
    )

    assert response.status_code == 302
    assert response.url == session.get_absolute_url()


def test_cancelled_session_says_so_and_why(client, parent, session, facilitator):
    said_yes(session, parent)
    services.session_cancel(session=session, reason="The hub has a burst pipe.", acting_user=facilitator)
    client.force_login(parent)

    response = client.get(session.get_absolute_url())

    page = text_of(response)
    assert page.index("Cancelled") < page.index("Planning the summer")
    assert "The hub has a burst pipe." in page
    assert reverse("sessions_app:answer", args=[session.pk]) not in html_of(response)
    assert LINK not in html_of(response)


def test_facilitators_get_links_to_manage_and_run_the_session(client, facilitator, parent, draft, session):
    client.force_login(facilitator)

    draft_page = html_of(client.get(draft.get_absolute_url()))
    page = html_of(client.get(session.get_absolute_url()))

    assert reverse("sessions_app:publish", args=[draft.pk]) in draft_page
    assert reverse("sessions_app:publish", args=[session.pk]) not in page
    for name in ("edit", "cancel", "checkin_screen", "debrief", "record"):
        assert reverse(f"sessions_app:{name}", args=[session.pk]) in page

    client.force_login(parent)
    parent_page = html_of(client.get(session.get_absolute_url()))
    for name in ("edit", "publish", "cancel", "checkin_screen", "debrief", "record"):
        assert reverse(f"sessions_app:{name}", args=[session.pk]) not in parent_page


def test_self_checkin_link_shows_only_while_the_session_is_on(client, parent, session):
    client.force_login(parent)
    link = reverse("sessions_app:self_checkin", args=[session.pk])

    assert link not in html_of(client.get(session.get_absolute_url()))
    for moment in (session.starts_at - timedelta(minutes=59), session.ends_at + timedelta(minutes=119)):
        with time_machine.travel(moment, tick=False):
            assert link in html_of(client.get(session.get_absolute_url()))
    with time_machine.travel(session.ends_at + timedelta(hours=2, minutes=1), tick=False):
        assert link not in html_of(client.get(session.get_absolute_url()))


# --- the joining link goes only to people with a place ---------------------------------------------------


def ics_events(response):
    assert response["Content-Type"].startswith("text/calendar")
    return [c for c in Calendar.from_ical(response.content).walk() if c.name == "VEVENT"]


def test_joining_link_only_for_a_yes_with_a_place(
    client, group_with_members, facilitator, facilitator2, parent, professional, make_user, venue
):
    # given one place: the parent has it, the professional waits, a carer said maybe, another said no
    session = plan(group_with_members, facilitator, facilitator2, venue, capacity=1)[0]
    maybe = make_user(email="maybe@example.test")
    no = make_user(email="no@example.test")
    for person in (maybe, no):
        group_services.membership_add(
            group=group_with_members, user=person, role=Membership.Role.PARENT, acting_user=facilitator
        )
    said_yes(session, parent)
    said_yes(session, professional)
    services.rsvp_answer(session=session, user=maybe, answer="maybe")
    services.rsvp_answer(session=session, user=no, answer="no")
    ics_url = reverse("sessions_app:session_ics", args=[session.pk])

    for person, sees in [(parent, True), (facilitator, True), (professional, False), (maybe, False), (no, False)]:
        client.force_login(person)
        page = html_of(client.get(session.get_absolute_url()))
        (event,) = ics_events(client.get(ics_url))
        in_ics = LINK in str(event.get("description")) or LINK in str(event.get("location", ""))
        if person is facilitator:
            assert LINK in page  # managers need the link to run the session
            continue
        assert (LINK in page) is sees, person.email
        assert in_ics is sees, person.email


# --- calendars -------------------------------------------------------------------------------------------


def test_session_ics_parses_with_the_right_event(client, parent, session):
    client.force_login(parent)

    response = client.get(reverse("sessions_app:session_ics", args=[session.pk]))

    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"] and ".ics" in response["Content-Disposition"]
    (event,) = ics_events(response)
    assert str(event["summary"]) == "Planning the summer (Mothers' group)"
    dtstart = event.decoded("dtstart")
    assert dtstart == session.starts_at
    assert dtstart.utcoffset() == timedelta(0)
    assert event.decoded("dtend") == session.ends_at


def test_private_feed_holds_my_sessions_and_renewing_retires_the_old_address(
    client, parent, group_with_members, other_group, facilitator, facilitator2, venue
):
    # given two sessions in the parent's group, and a session in a group they are not in
    mine = plan(group_with_members, facilitator, facilitator2, venue, repeat_weeks=2)
    group_services.membership_add(
        group=other_group, user=facilitator, role=Membership.Role.FACILITATOR, acting_user=facilitator2
    )
    plan(other_group, facilitator, facilitator2, venue, title="Dads only")
    said_yes(mine[0], parent)
    client.force_login(parent)

    # when the parent opens their calendar settings and the address is fetched without signing in
    settings_page = client.get(reverse("sessions_app:calendar"))
    old_token = parent.calendar_feed.token
    old_url = reverse("sessions_app:calendar_feed", args=[old_token])
    assert f"http://testserver{old_url}" in html_of(settings_page)
    assert f"webcal://testserver{old_url}" in html_of(settings_page)
    client.logout()
    response = client.get(old_url)

    # then the feed parses and holds exactly the parent's sessions, times in UTC, the link only where they have a place
    assert response.status_code == 200
    events = sorted(ics_events(response), key=lambda e: e.decoded("dtstart"))
    assert [str(e["summary"]) for e in events] == ["Planning the summer (Mothers' group)"] * 2
    assert [e.decoded("dtstart") for e in events] == [s.starts_at for s in mine]
    assert all(e.decoded("dtstart").utcoffset() == timedelta(0) for e in events)
    assert LINK in str(events[0]["description"]) and LINK not in str(events[1]["description"])

    # when they make a new address
    client.force_login(parent)
    response = client.post(reverse("sessions_app:calendar"), follow=True)
    assert "The old one has stopped working" in text_of(response)
    parent.calendar_feed.refresh_from_db()
    new_token = parent.calendar_feed.token

    # then the old address is gone and the new one works
    client.logout()
    assert new_token != old_token
    assert client.get(old_url).status_code == 404
    assert client.get(reverse("sessions_app:calendar_feed", args=[new_token])).status_code == 200


def test_calendar_settings_keep_the_same_address_until_renewed(client, parent):
    client.force_login(parent)

    client.get(reverse("sessions_app:calendar"))
    first = parent.calendar_feed.token
    client.get(reverse("sessions_app:calendar"))
    parent.calendar_feed.refresh_from_db()

    assert parent.calendar_feed.token == first


# --- support requests ------------------------------------------------------------------------------------


def support_url(session):
    return reverse("sessions_app:support_request", args=[session.pk])


def test_support_form_asks_what_help_in_grouped_sections(client, parent, session):
    said_yes(session, parent)
    client.force_login(parent)

    response = client.get(support_url(session))

    page = html_of(response)
    assert response.status_code == 200
    assert "What help do you need?" in text_of(response)
    assert page.count("<fieldset") >= 6  # the choice, then one fieldset per kind of help
    for legend in ("Childcare, so I can come", "An interpreter", "A one-to-one meeting instead of the group"):
        assert legend in page
    assert 'for="id_expected_cost"' in page and "for example 4.50" in page


def test_support_link_shows_once_they_have_said_yes(client, parent, session):
    client.force_login(parent)

    assert support_url(session) not in html_of(client.get(session.get_absolute_url()))
    said_yes(session, parent)
    assert support_url(session) in html_of(client.get(session.get_absolute_url()))


def test_childcare_for_two_children_is_saved(client, parent, session, mailoutbox, django_capture_on_commit_callbacks):
    said_yes(session, parent)
    client.force_login(parent)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            support_url(session),
            {"kind": "childcare", "children_count": "2", "children_ages": "2 and 5"},
            follow=True,
        )

    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    request = SupportRequest.objects.get()
    assert (request.user, request.kind, request.children_count, request.children_ages) == (
        parent,
        "childcare",
        2,
        "2 and 5",
    )
    page = text_of(response)
    assert "We will tell you when they have decided." in page
    assert "Waiting for a facilitator to decide." in page
    # both facilitators are told in their next digest (the session is more than a day away)
    assert mailoutbox == []
    with django_capture_on_commit_callbacks(execute=True):
        assert checks.support_digests_run(now=timezone.now() + timedelta(minutes=15)) == 2
    assert len(mailoutbox) == 2


def test_travel_cost_in_pounds_is_saved_in_pence(client, parent, session):
    said_yes(session, parent)
    client.force_login(parent)

    response = client.post(
        support_url(session),
        {"kind": "travel", "travel_mode": "public", "expected_cost": "4.50", "booking_wanted": "on"},
    )

    assert response.status_code == 302
    request = SupportRequest.objects.get()
    assert (request.kind, request.travel_mode, request.expected_cost_pence, request.booking_wanted) == (
        "travel",
        "public",
        450,
        True,
    )


@pytest.mark.parametrize(
    "data,field_id,message",
    [
        (
            {"kind": "travel", "travel_mode": "public", "expected_cost": "abc"},
            "id_expected_cost",
            "Enter the cost in pounds and pence, like 4.50.",
        ),
        (
            {"kind": "travel", "travel_mode": "public", "expected_cost": "-3"},
            "id_expected_cost",
            "The cost cannot be less than £0.",
        ),
        (
            {"kind": "travel", "travel_mode": "taxi", "expected_cost": "45000"},
            "id_expected_cost",
            "Enter an amount up to £200.",
        ),
        ({"kind": "travel", "expected_cost": "3"}, "id_travel_mode_0", "Choose how you will travel."),
        ({"kind": "interpreter", "language": "  "}, "id_language", "Tell us which language"),
        (
            {"kind": "childcare", "children_count": "", "children_ages": "toddler"},
            "id_children_count",
            "Tell us how many children, or tick the box for a crèche place.",
        ),
        ({"kind": "access", "access_details": ""}, "id_access_details", "Tell us what you need"),
        ({}, "id_kind_0", "Choose the help you need."),
    ],
)
def test_support_form_with_bad_input_keeps_it_and_saves_nothing(client, parent, session, data, field_id, message):
    said_yes(session, parent)
    client.force_login(parent)

    response = client.post(support_url(session), data)

    assert response.status_code == 200
    page = html_of(response)
    assert "There is a problem" in text_of(response)
    assert message in text_of(response)
    assert f'href="#{field_id}"' in page  # the summary links to the field
    for key, value in data.items():
        if key in ("expected_cost", "language", "children_ages") and value.strip():
            assert f'value="{value}"' in page
        if key == "kind":
            checked = [t for t in re.findall(r"<input[^>]*>", page) if 'name="kind"' in t and "checked" in t]
            assert len(checked) == 1 and f'value="{value}"' in checked[0]
    assert not SupportRequest.objects.exists()


def test_support_is_refused_before_saying_yes(client, parent, session):
    services.rsvp_answer(session=session, user=parent, answer="maybe")
    client.force_login(parent)

    page = text_of(client.get(support_url(session)))
    response = client.post(support_url(session), {"kind": "interpreter", "language": "Polish"})

    assert "Say yes to the session first" in page and "What help do you need?" not in page
    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert "Say yes to the session first, then ask for support." in text_of(response)
    assert 'value="Polish"' in html_of(response)
    assert not SupportRequest.objects.exists()


def test_asking_twice_for_the_same_help_is_refused_in_plain_words(client, parent, session):
    said_yes(session, parent)
    services.support_request_create(session=session, user=parent, kind="interpreter", language="Polish")
    client.force_login(parent)

    response = client.post(support_url(session), {"kind": "interpreter", "language": "Polish"})

    assert response.status_code == 200
    assert "You have already asked for this kind of support for this session." in text_of(response)
    assert SupportRequest.objects.count() == 1


def test_withdrawing_a_request(client, parent, session):
    said_yes(session, parent)
    request = services.support_request_create(session=session, user=parent, kind="access", details="A hearing loop")
    client.force_login(parent)

    response = client.post(reverse("sessions_app:support_withdraw", args=[request.pk]), follow=True)

    assert response.redirect_chain == [(session.get_absolute_url(), 302)]
    request.refresh_from_db()
    assert request.status == SupportRequest.Status.WITHDRAWN
    page = text_of(response)
    assert "Your request for access needs is withdrawn." in page
    assert "You withdrew this request." in page


def test_a_decided_request_shows_its_status_and_reason(client, parent, session, facilitator):
    said_yes(session, parent)
    request = services.support_request_create(
        session=session, user=parent, kind="travel", travel_mode="taxi", expected_cost_pence=2400
    )
    services.support_request_decide(
        request=request, approve=False, reason="The bus stops outside; we can pay the fare.", acting_user=facilitator
    )
    client.force_login(parent)

    page = text_of(client.get(session.get_absolute_url()))

    assert "Not approved." in page and "Why: The bus stops outside; we can pay the fare." in page


# --- self check-in ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("online", [False, True])
def test_self_checkin_then_checkout_asking_to_talk_makes_a_follow_up(
    client, parent, group_with_members, facilitator, facilitator2, venue, online
):
    session = plan(group_with_members, facilitator, facilitator2, None if online else venue)[0]
    url = reverse("sessions_app:self_checkin", args=[session.pk])
    client.force_login(parent)

    with time_machine.travel(session.starts_at - timedelta(minutes=10), tick=False):
        page = text_of(client.get(url))
        assert "How are you feeling? (optional)" in page
        assert all(w in page for w in ("Very low", "Low", "Okay", "Good", "Very good"))
        response = client.post(url, {"feeling": "4"}, follow=True)

    checkin = CheckIn.objects.get(session=session, user=parent)
    assert (checkin.checkin_feeling, checkin.checked_in_by) == (4, parent)
    assert "You have checked in. Welcome!" in text_of(response)
    assert "I'd like to talk afterwards" in text_of(response)

    with time_machine.travel(session.ends_at, tick=False):
        response = client.post(url, {"feeling": "3", "wants_to_talk": "on"}, follow=True)

    checkin.refresh_from_db()
    assert (checkin.checkout_feeling, checkin.wants_to_talk, checkin.checked_out_at) == (3, True, session.ends_at)
    follow_up = FollowUp.objects.get(session=session, person=parent)
    assert (follow_up.reason, follow_up.assigned_to) == (FollowUp.Reason.TALK, facilitator)
    assert "A facilitator will get in touch within two working days." in text_of(response)


@pytest.mark.parametrize(
    "role,expected", [("anonymous", 302), ("outsider", 404), ("other_parent", 403), ("org_admin", 403)]
)
def test_self_checkin_post_is_refused_and_records_nothing(client, session, people, role, expected):
    sign_in(client, people, role)

    with time_machine.travel(session.starts_at, tick=False):
        response = client.post(reverse("sessions_app:self_checkin", args=[session.pk]), {"feeling": "4"})

    assert response.status_code == expected
    assert not CheckIn.objects.exists()


def test_self_checkin_without_a_feeling(client, parent, session):
    url = reverse("sessions_app:self_checkin", args=[session.pk])
    client.force_login(parent)

    with time_machine.travel(session.starts_at, tick=False):
        response = client.post(url, {})

    assert response.status_code == 302
    assert CheckIn.objects.get(session=session, user=parent).checkin_feeling is None


def test_self_checkin_before_the_window_is_explained_and_refused(client, parent, session):
    url = reverse("sessions_app:self_checkin", args=[session.pk])
    client.force_login(parent)

    page = text_of(client.get(url))
    response = client.post(url, {"feeling": "5"})

    opens = timezone.localtime(session.starts_at - timedelta(hours=1))
    assert f"Check-in opens at {format_time(opens)}" in page
    assert response.status_code == 200
    assert "Check-in opens an hour before the session starts." in text_of(response)
    assert not CheckIn.objects.exists()


def test_self_checkout_after_the_window_is_refused_in_plain_words(client, parent, session):
    url = reverse("sessions_app:self_checkin", args=[session.pk])
    client.force_login(parent)
    with time_machine.travel(session.starts_at, tick=False):
        client.post(url, {})

    with time_machine.travel(session.ends_at + timedelta(hours=3), tick=False):
        page = text_of(client.get(url))
        response = client.post(url, {"wants_to_talk": "on"})

    assert "Check-out closed at" in page
    assert response.status_code == 200
    assert "Check-in and check-out closed two hours after the session ended." in text_of(response)
    assert CheckIn.objects.get().checked_out_at is None
    assert not FollowUp.objects.exists()


def test_self_checkin_with_a_made_up_feeling_is_refused(client, parent, session):
    url = reverse("sessions_app:self_checkin", args=[session.pk])
    client.force_login(parent)

    with time_machine.travel(session.starts_at, tick=False):
        response = client.post(url, {"feeling": "9"})

    assert response.status_code == 200
    assert "Choose how you feel from the five answers." in text_of(response)
    assert not CheckIn.objects.exists()


# --- the home page and the group page --------------------------------------------------------------------


@pytest.mark.parametrize("answer", ["yes", "maybe", "no"])
def test_answering_from_the_home_page_with_one_tap(client, parent, session, answer):
    client.force_login(parent)
    home = client.get(reverse("home"))
    assert "Your sessions" in text_of(home) and "You have not answered yet." in text_of(home)
    assert f'action="{reverse("sessions_app:answer", args=[session.pk])}"' in html_of(home)
    assert '<input type="hidden" name="next" value="/">' in html_of(home)

    response = client.post(
        reverse("sessions_app:answer", args=[session.pk]), {"answer": answer, "next": "/"}, follow=True
    )

    assert response.redirect_chain == [("/", 302)]
    assert Rsvp.objects.get(session=session, user=parent).answer == answer
    label = {"yes": "Yes, I'll come", "maybe": "Maybe", "no": "No, I can't come"}[answer]
    assert f"Your answer: {label}" in text_of(response)


def test_home_page_shows_the_waiting_list(
    client, group_with_members, facilitator, facilitator2, parent, professional, venue
):
    session = plan(group_with_members, facilitator, facilitator2, venue, capacity=1)[0]
    said_yes(session, professional)
    said_yes(session, parent)
    client.force_login(parent)

    page = text_of(client.get(reverse("home")))

    assert "Planning the summer" in page
    assert "You are on the waiting list." in page


def test_home_page_for_facilitators_shows_what_needs_attention(client, facilitator, facilitator2, parent, session):
    # given the support facilitator steps back, so the session breaks the two-facilitator rule
    services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2)
    said_yes(session, parent)
    services.support_request_create(session=session, user=parent, kind="interpreter", language="Arabic")
    client.force_login(facilitator)

    response = client.get(reverse("home"))

    page = text_of(response)
    assert "For facilitators" in page
    assert "Planning the summer" in page and "needs two facilitators" in page
    assert "1 support request waiting for a decision" in page
    assert "0 follow-ups still open" in page
    for name in ("support_queue", "follow_ups", "venues"):
        assert reverse(f"sessions_app:{name}") in html_of(response)

    client.force_login(parent)
    assert "For facilitators" not in text_of(client.get(reverse("home")))


def test_home_page_lists_overdue_debriefs_for_the_lead(client, facilitator, session):
    client.force_login(facilitator)

    with time_machine.travel(session.ends_at + timedelta(hours=49), tick=False):
        response = client.get(reverse("home"))

    assert "Debriefs overdue" in text_of(response)
    assert reverse("sessions_app:debrief", args=[session.pk]) in html_of(response)


@pytest.mark.parametrize("count", [1, 15])
@pytest.mark.parametrize("who", ["parent", "facilitator"])
def test_home_page_query_count_does_not_grow_with_sessions(
    client, group_with_members, facilitator, facilitator2, parent, venue, django_assert_max_num_queries, count, who
):
    sessions = plan(group_with_members, facilitator, facilitator2, venue, repeat_weeks=count)
    for s in sessions[:3]:
        said_yes(s, parent)
    client.force_login(parent if who == "parent" else facilitator)

    # the same bound for one session and for fifteen (the page lists ten): no query per session
    with django_assert_max_num_queries({"parent": 10, "facilitator": 18}[who]):
        response = client.get(reverse("home"))

    assert response.status_code == 200
    if who == "parent":
        assert html_of(response).count('name="answer" value="yes"') == min(count, 10)
    else:  # the lead facilitator is not asked whether they will come to the sessions they lead
        assert html_of(response).count('name="answer" value="yes"') == 0
        assert text_of(response).count("You are the lead facilitator.") == min(count, 10)


def test_group_page_links_to_sessions_timeline_and_glossary(client, group_with_members, parent, facilitator):
    client.force_login(parent)

    response = client.get(reverse("groups:detail", args=[group_with_members.pk]))

    page = html_of(response)
    for name in ("group_sessions", "timeline", "glossary"):
        assert reverse(f"sessions_app:{name}", args=[group_with_members.pk]) in page
    assert "You said, we did" in text_of(response)
    assert reverse("sessions_app:create", args=[group_with_members.pk]) not in page

    client.force_login(facilitator)
    response = client.get(reverse("groups:detail", args=[group_with_members.pk]))
    assert "Schedule a session" in text_of(response)
    assert reverse("sessions_app:create", args=[group_with_members.pk]) in html_of(response)
