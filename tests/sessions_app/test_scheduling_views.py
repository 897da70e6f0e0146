"""The facilitator's scheduling pages through the Django test client: who may open each page, the session
builder (weekly series across the clocks changing, bad input), checking and publishing, the glossary,
cancelling, preparation, stepping back and in, venues, and the query count of the group's sessions page.
Data is built through the services; time is fixed with time-machine."""

import html
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from groups import services as group_services
from groups.models import Membership, Organisation, StaffRole
from sessions_app import services
from sessions_app.models import (
    Answer,
    FacilitatorRole,
    GlossaryTerm,
    PreparationMaterial,
    Session,
    SessionFacilitator,
    Venue,
)

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2026, 10, 1, 9, 0, tzinfo=LONDON)
START = datetime(2026, 10, 15, 10, 0, tzinfo=LONDON)  # the clocks go back on Sunday 25 October 2026
LOGIN = "/accounts/login/"


def text_of(response):
    """The page as a person reads it: no tags, entities decoded, runs of white space as one space."""
    without_tags = re.sub(r"<[^>]+>", " ", response.content.decode())
    return re.sub(r"\s+", " ", html.unescape(without_tags)).strip()


def html_of(response):
    return html.unescape(response.content.decode())


def messages_of(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def follow_messages(client, response):
    """Messages set before a redirect, read on a page that shows them."""
    assert response.status_code == 302
    return [str(m) for m in client.get(reverse("home")).context["messages"]]


# --- data ------------------------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def fixed_time():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def make_session(make_session):
    """Here a session starts as a draft on START, unless asked otherwise (the shared builder is in conftest)."""

    def make(*, publish=False, starts_at=START, **fields):
        return make_session(publish=publish, starts_at=starts_at, **fields)

    return make


@pytest.fixture
def published(make_session):
    return make_session(publish=True)


def builder_data(place, lead, supports=(), **overrides):
    data = {
        "title": "Planning the summer fun day",
        "purpose": "Decide together what the fun day offers families.",
        "date": "2026-10-15",
        "start_time": "10:00",
        "end_time": "12:00",
        "format": Session.Format.IN_PERSON,
        "venue": place.pk if place else "",
        "joining_link": "",
        "capacity": "12",
        "content_note": "",
        "preparation_days": "3",
        "lead": lead.pk,
        "supports": [s.pk for s in supports],
        "agenda": "Welcome and news\nIdeas for the day\n\nAgree three things to try",
        "breaks": "11:00 for 15 minutes",
        "repeat_weeks": "1",
    }
    data.update(overrides)
    return data


# --- who may open each page ------------------------------------------------------------------------------

GROUP_VIEW = {"facilitator": 200, "org_admin": 200, "parent": 200, "professional": 200, "dad": 403, "outsider": 404}
MANAGE = {"facilitator": 200, "org_admin": 200, "parent": 403, "professional": 403, "dad": 403, "outsider": 404}
RUN = {"facilitator": 200, "facilitator2": 200, "org_admin": 200, "parent": 403, "dad": 403, "outsider": 404}

PAGES = [
    ("sessions_app:group_sessions", "group", GROUP_VIEW),
    ("sessions_app:create", "group", MANAGE),
    ("sessions_app:glossary", "group", GROUP_VIEW),
    ("sessions_app:edit", "session", MANAGE),
    ("sessions_app:publish", "session", MANAGE),
    ("sessions_app:cancel", "session", MANAGE),
    ("sessions_app:preparation_add", "session", MANAGE),
    ("sessions_app:withdraw", "session", RUN),
    ("sessions_app:step_in", "session", MANAGE),
]
CASES = [(name, kind, role, status) for name, kind, matrix in PAGES for role, status in matrix.items()]


def url_for(name, kind, group, session):
    return reverse(name, args=[group.pk if kind == "group" else session.pk])


@pytest.mark.parametrize("name,kind,role,status", CASES, ids=[f"{c[0].split(':')[1]}-{c[2]}" for c in CASES])
def test_each_page_answers_each_role(
    client, request, group_with_members, published, dad, outsider, name, kind, role, status
):
    client.force_login(request.getfixturevalue(role))

    response = client.get(url_for(name, kind, group_with_members, published))

    assert response.status_code == status
    if status == 200:
        assert "<h1" in response.content.decode()


@pytest.mark.parametrize("name,kind", [(name, kind) for name, kind, _ in PAGES])
def test_each_page_sends_anonymous_visitors_to_sign_in(client, group_with_members, published, name, kind):
    url = url_for(name, kind, group_with_members, published)

    for response in (client.get(url), client.post(url, {})):
        assert response.status_code == 302
        assert response.url.startswith(LOGIN)


def _state(session):
    session.refresh_from_db()
    return (
        session.status,
        session.title,
        Session.objects.count(),
        GlossaryTerm.objects.count(),
        PreparationMaterial.objects.count(),
        SessionFacilitator.objects.filter(withdrawn_at__isnull=True).count(),
    )


REFUSED_POSTS = [
    ("sessions_app:create", "group", {"title": "Sneaky", "repeat_weeks": "1"}),
    ("sessions_app:glossary", "group", {"abbreviation": "ABC", "meaning": "Nope"}),
    ("sessions_app:edit", "session", {"title": "Changed by someone else"}),
    ("sessions_app:publish", "session", {}),
    ("sessions_app:cancel", "session", {"reason": "Because I can"}),
    ("sessions_app:preparation_add", "session", {"title": "Read this", "text": "Words"}),
    ("sessions_app:withdraw", "session", {"reason": ""}),
    ("sessions_app:step_in", "session", {"role": "support"}),
]


@pytest.mark.parametrize("role,status", [("parent", 403), ("professional", 403), ("dad", 403), ("outsider", 404)])
@pytest.mark.parametrize("name,kind,data", REFUSED_POSTS, ids=[p[0].split(":")[1] for p in REFUSED_POSTS])
def test_refused_posts_change_nothing(
    client, request, group_with_members, make_session, dad, outsider, role, status, name, kind, data
):
    # given a draft (so a refused publish would show) and a term that a refused delete would remove
    session = make_session()
    services.glossary_term_save(
        group=group_with_members, abbreviation="EHCP", meaning="Education, Health and Care Plan", acting_user=dad
    )
    before = _state(session)
    client.force_login(request.getfixturevalue(role))

    response = client.post(url_for(name, kind, group_with_members, session), data)

    assert response.status_code == status
    assert _state(session) == before


def test_a_member_cannot_delete_a_glossary_term(client, group_with_members, parent):
    term = services.glossary_term_save(
        group=group_with_members, abbreviation="EHCP", meaning="Education, Health and Care Plan", acting_user=parent
    )
    client.force_login(parent)

    response = client.post(reverse("sessions_app:glossary", args=[group_with_members.pk]), {"delete": term.pk})

    assert response.status_code == 403
    assert GlossaryTerm.objects.filter(pk=term.pk).exists()


# --- the group's sessions --------------------------------------------------------------------------------


def test_group_sessions_lists_upcoming_first_then_past_with_badges(
    client, group_with_members, make_session, facilitator, facilitator2, parent
):
    # given a past session, a draft, a cancelled one, and a published one that lost its support facilitator
    with time_machine.travel(datetime(2026, 9, 1, 9, tzinfo=LONDON), tick=False):
        make_session(publish=True, title="Last month's meeting", starts_at=datetime(2026, 9, 10, 10, tzinfo=LONDON))
    make_session(title="A draft nobody else sees", starts_at=START + timedelta(days=1))
    cancelled = make_session(publish=True, title="Called off", starts_at=START + timedelta(days=2))
    services.session_cancel(session=cancelled, reason="The hall flooded.", acting_user=facilitator)
    shaky = make_session(publish=True, title="Short of help", starts_at=START + timedelta(days=3))
    services.facilitator_withdraw(session=shaky, user=facilitator2, acting_user=facilitator2)
    services.rsvp_answer(session=shaky, user=parent, answer=Answer.YES)
    url = reverse("sessions_app:group_sessions", args=[group_with_members.pk])

    # when the facilitator looks
    client.force_login(facilitator)
    page = text_of(client.get(url))

    # then upcoming sessions come first, then the past section, with the badges a manager needs
    assert page.index("Coming up") < page.index("A draft nobody else sees") < page.index("Past sessions")
    assert page.index("Past sessions") < page.index("Last month's meeting")
    assert "Schedule a session" in page
    assert "Draft" in page and "Cancelled" in page
    assert "At risk: needs two facilitators" in page
    assert "1 coming (no limit)" in page
    assert "Fran Facilitator (lead facilitator), Femi Facilitator (support facilitator)" in page

    # when the parent looks: no drafts, no at-risk badge, no scheduling button, their own answer
    client.force_login(parent)
    response = client.get(url)
    page = text_of(response)
    assert "A draft nobody else sees" not in page
    assert "At risk" not in page
    assert "Schedule a session" not in page
    assert "Short of help" in page and "Your answer" in page and "Yes" in page
    assert f'href="{reverse("sessions_app:detail", args=[shaky.pk])}"' in html_of(response)


def test_group_sessions_shows_places_and_the_waiting_list(
    client, group_with_members, make_session, parent, professional
):
    session = make_session(publish=True, capacity=1)
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=session, user=professional, answer=Answer.YES)
    client.force_login(professional)

    page = text_of(client.get(reverse("sessions_app:group_sessions", args=[group_with_members.pk])))

    assert "1 of 1 taken" in page
    assert "1 on the waiting list" in page
    assert "Yes (on the waiting list)" in page


@pytest.mark.parametrize("count", [1, 20])
def test_group_sessions_query_count_does_not_grow_with_sessions(
    client, group_with_members, facilitator, facilitator2, venue, parent, django_assert_max_num_queries, count
):
    sessions = services.session_create(
        group=group_with_members,
        acting_user=facilitator,
        title="Weekly catch-up",
        purpose="Keep in touch.",
        starts_at=START,
        ends_at=START + timedelta(hours=1),
        format=Session.Format.IN_PERSON,
        venue=venue,
        lead=facilitator,
        supports=[facilitator2],
        repeat_weeks=count,
    )
    for s in sessions:
        services.session_publish(session=s, acting_user=facilitator)
        services.rsvp_answer(session=s, user=parent, answer=Answer.YES)
    client.force_login(facilitator)

    with django_assert_max_num_queries(7):
        response = client.get(reverse("sessions_app:group_sessions", args=[group_with_members.pk]))

    assert response.status_code == 200
    assert len(re.findall(r'href="/sessions/\d+/">Weekly catch-up</a>', html_of(response))) == count


# --- the session builder ---------------------------------------------------------------------------------


def test_builder_creates_a_weekly_series_at_the_same_local_time_across_the_clocks_changing(
    client, group_with_members, facilitator, facilitator2, venue
):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:create", args=[group_with_members.pk]),
        builder_data(venue, facilitator, [facilitator2], repeat_weeks="4"),
    )

    sessions = list(Session.objects.order_by("starts_at"))
    assert len(sessions) == 4
    assert response.status_code == 302 and response.url == reverse("sessions_app:detail", args=[sessions[0].pk])
    assert "4 sessions saved as drafts" in follow_messages(client, response)[0]
    local_starts = [s.starts_at.astimezone(LONDON) for s in sessions]
    assert [t.date().isoformat() for t in local_starts] == ["2026-10-15", "2026-10-22", "2026-10-29", "2026-11-05"]
    assert {(t.hour, t.minute) for t in local_starts} == {(10, 0)}
    assert {s.ends_at.astimezone(LONDON).hour for s in sessions} == {12}
    assert [s.starts_at.astimezone(ZoneInfo("UTC")).hour for s in sessions] == [9, 9, 10, 10]  # BST, then GMT
    assert {s.status for s in sessions} == {Session.Status.DRAFT}
    assert len({s.series_id for s in sessions}) == 1 and sessions[0].series_id is not None
    for s in sessions:
        assert [b.starts_at.astimezone(LONDON).strftime("%H:%M") for b in s.breaks.all()] == ["11:00"]
        assert [a.text for a in s.agenda_items.all()] == [
            "Welcome and news",
            "Ideas for the day",
            "Agree three things to try",
        ]
        assert services.facilitator_rule_problems(session=s) == []
        assert s.capacity == 12 and s.venue == venue


def test_builder_page_has_separate_date_and_time_inputs_and_the_group_facilitators(
    client, group_with_members, facilitator, facilitator2, parent
):
    client.force_login(facilitator)

    page = html_of(client.get(reverse("sessions_app:create", args=[group_with_members.pk])))

    assert re.search(r'<input type="date" name="date"', page)
    assert re.search(r'<input type="time" name="start_time"', page)
    assert re.search(r'<input type="time" name="end_time"', page)
    assert 'name="repeat_weeks"' in page
    lead_select = re.search(r'<select name="lead".*?</select>', page, re.S).group(0)
    assert facilitator.display_name in lead_select and facilitator2.display_name in lead_select
    assert parent.display_name not in lead_select


BAD_INPUT = [
    ("end before start", {"end_time": "09:30"}, "end_time", "The session must end after it starts."),
    ("in person without a venue", {"venue": ""}, "venue", "Choose a venue for a session that meets in person."),
    (
        "online without a link",
        {"format": Session.Format.ONLINE, "venue": ""},
        "joining_link",
        "Add the online joining link for a session that meets online.",
    ),
    (
        "a bad break line",
        {"breaks": "11:00 for 15 minutes\ncoffee about eleven"},
        "breaks",
        'Line 2 of the breaks, "coffee about eleven", is not in the form "11:00 for 15 minutes".',
    ),
    (
        "a break outside the session",
        {"breaks": "13:00 for 15 minutes"},
        "breaks",
        "Each break must fall between the start and the end of the session.",
    ),
    ("too many weeks", {"repeat_weeks": "53"}, "repeat_weeks", "A series can run for up to 52 weeks."),
]


@pytest.mark.parametrize("label,overrides,field,message", BAD_INPUT, ids=[b[0] for b in BAD_INPUT])
def test_builder_with_bad_input_keeps_it_and_saves_nothing(
    client, group_with_members, facilitator, facilitator2, venue, label, overrides, field, message
):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:create", args=[group_with_members.pk]),
        builder_data(venue, facilitator, [facilitator2], **overrides),
    )

    assert response.status_code == 200
    page = html_of(response)
    assert "There is a problem" in text_of(response)
    assert message in text_of(response)
    summary = re.search(r"data-error-summary.*?</div>", page, re.S).group(0)
    assert re.search(rf'href="#id_{field}(_0)?"', summary), summary
    assert 'value="Planning the summer fun day"' in page
    assert "Welcome and news" in page
    assert not Session.objects.exists()


def test_builder_refuses_the_same_person_as_lead_and_support(client, group_with_members, facilitator, venue):
    """The service's rule, raised as {"supports": ...}, lands on the support facilitator question."""
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:create", args=[group_with_members.pk]),
        builder_data(venue, facilitator, [facilitator]),
    )

    assert response.status_code == 200
    assert "The lead and the support facilitator must be different people." in text_of(response)
    assert 'href="#id_supports_0"' in html_of(response)
    assert 'value="Planning the summer fun day"' in html_of(response)
    assert not Session.objects.exists()


def test_builder_refuses_someone_who_is_not_a_facilitator_of_the_group_as_lead(
    client, group_with_members, facilitator, facilitator2, parent, venue
):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:create", args=[group_with_members.pk]),
        builder_data(venue, parent, [facilitator2]),
    )

    assert response.status_code == 200
    assert "There is a problem" in text_of(response)
    assert "Lead facilitator: Choose one of this group's facilitators." in text_of(response)
    assert not Session.objects.exists()


def test_builder_refuses_another_organisations_venue(client, group_with_members, facilitator, other_organisation):
    theirs = services.venue_create(
        organisation=other_organisation, acting_user=facilitator, name="Hillside Hall", address="1 Hill Road"
    )
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:create", args=[group_with_members.pk]), builder_data(theirs, facilitator)
    )

    assert response.status_code == 200
    assert "Choose one of your organisation's venues." in text_of(response)
    assert not Session.objects.exists()


def test_builder_saves_one_online_session_without_a_venue(client, group_with_members, facilitator):
    client.force_login(facilitator)
    data = builder_data(
        None, facilitator, format=Session.Format.ONLINE, venue="", joining_link="https://meet.example.test/x"
    )

    response = client.post(reverse("sessions_app:create", args=[group_with_members.pk]), data)

    session = Session.objects.get()
    assert response.status_code == 302
    assert follow_messages(client, response)[0].startswith("1 session saved as a draft")
    assert session.venue is None and session.joining_link == "https://meet.example.test/x"
    assert session.series_id is None


# --- changing one session --------------------------------------------------------------------------------


def test_edit_page_is_filled_in_from_the_session(client, make_session, facilitator):
    session = make_session(agenda=["Welcome"], breaks=[services.BreakPlan(START + timedelta(hours=1), 10)])
    client.force_login(facilitator)

    page = html_of(client.get(reverse("sessions_app:edit", args=[session.pk])))

    assert 'value="Planning the summer fun day"' in page
    assert 'value="2026-10-15"' in page and 'value="10:00"' in page and 'value="12:00"' in page
    assert re.search(rf'<option value="{facilitator.pk}" selected>', page)
    assert "11:00 for 10 minutes" in page
    assert 'name="repeat_weeks"' not in page


def test_edit_saves_changes_to_one_session_of_a_series(client, group_with_members, facilitator, facilitator2, venue):
    first, second = services.session_create(
        group=group_with_members,
        acting_user=facilitator,
        title="Weekly catch-up",
        purpose="Keep in touch.",
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        format=Session.Format.IN_PERSON,
        venue=venue,
        lead=facilitator,
        supports=[facilitator2],
        repeat_weeks=2,
    )
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:edit", args=[second.pk]),
        builder_data(
            venue,
            facilitator2,
            [facilitator],
            title="Catch-up at the park",
            date="2026-10-22",
            start_time="14:00",
            end_time="15:30",
            breaks="",
        ),
    )

    assert response.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert second.title == "Catch-up at the park"
    assert second.starts_at == datetime(2026, 10, 22, 14, 0, tzinfo=LONDON)
    assert first.title == "Weekly catch-up"
    lead = second.facilitators.get(withdrawn_at__isnull=True, role=FacilitatorRole.LEAD)
    assert lead.user == facilitator2


def test_edit_a_published_session_cannot_drop_the_support_facilitator(client, published, facilitator, venue):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:edit", args=[published.pk]), builder_data(venue, facilitator, [], title="Renamed")
    )

    assert response.status_code == 200
    assert "A published session needs a lead and a support facilitator." in text_of(response)
    published.refresh_from_db()
    assert published.title == "Planning the summer fun day"


def test_edit_a_cancelled_session_shows_a_message_and_no_form(client, published, facilitator, venue):
    services.session_cancel(session=published, reason="The hall flooded.", acting_user=facilitator)
    client.force_login(facilitator)
    url = reverse("sessions_app:edit", args=[published.pk])

    get = client.get(url)
    post = client.post(url, builder_data(venue, facilitator, title="Renamed"))

    for response in (get, post):
        assert response.status_code == 200
        assert "it can no longer be changed" in text_of(response)
        assert 'name="title"' not in html_of(response)
    published.refresh_from_db()
    assert published.title == "Planning the summer fun day"


# --- checking and publishing -----------------------------------------------------------------------------


def test_publish_is_refused_with_a_clear_message_without_a_support_facilitator(client, make_session, facilitator):
    session = make_session(support=False)
    client.force_login(facilitator)
    url = reverse("sessions_app:publish", args=[session.pk])

    get = client.get(url)
    post = client.post(url)

    assert "There is no support facilitator." in text_of(get)
    assert 'aria-disabled="true"' in html_of(get)
    assert post.status_code == 200
    page = text_of(post)
    assert "There is a problem" in page
    assert "Every session needs two facilitators: one to lead and one to support." in page
    session.refresh_from_db()
    assert session.status == Session.Status.DRAFT


def test_publish_works_when_the_rule_holds(client, make_session, facilitator):
    session = make_session()
    client.force_login(facilitator)
    url = reverse("sessions_app:publish", args=[session.pk])

    get = client.get(url)
    post = client.post(url)

    assert "Done: the session has a lead and a support facilitator." in text_of(get)
    assert 'aria-disabled="true"' not in html_of(get)
    assert post.status_code == 302 and post.url == reverse("sessions_app:detail", args=[session.pk])
    session.refresh_from_db()
    assert session.status == Session.Status.PUBLISHED
    assert "Published." in follow_messages(client, post)[0]


def test_publish_lists_unexplained_short_forms_until_they_are_in_the_glossary(client, make_session, facilitator):
    session = make_session(title="SEND planning", purpose="What the EHCP process feels like for families.")
    client.force_login(facilitator)
    publish_url = reverse("sessions_app:publish", args=[session.pk])

    before = client.get(publish_url)
    added = client.post(
        reverse("sessions_app:glossary", args=[session.group_id]),
        {"abbreviation": "SEND", "meaning": "Special educational needs and disabilities", "next": publish_url},
    )
    after = client.get(publish_url)

    assert "What SEND means" in text_of(before) and "What EHCP means" in text_of(before)
    assert f'action="{reverse("sessions_app:glossary", args=[session.group_id])}"' in html_of(before)
    assert f'value="{publish_url}"' in html_of(before)
    assert "Change the session to spell out SEND" in text_of(before)
    assert added.status_code == 302 and added.url == publish_url
    assert "What SEND means" not in text_of(after)
    assert "What EHCP means" in text_of(after)


# --- the glossary ----------------------------------------------------------------------------------------


def test_glossary_lists_terms_to_members_and_lets_managers_add_change_and_remove(
    client, group_with_members, facilitator, parent
):
    url = reverse("sessions_app:glossary", args=[group_with_members.pk])
    client.force_login(facilitator)

    client.post(url, {"abbreviation": "EHCP", "meaning": "Education plan"})
    changed = client.post(url, {"abbreviation": "EHCP", "meaning": "Education, Health and Care Plan"})

    assert changed.status_code == 302 and changed.url == url
    assert GlossaryTerm.objects.get(group=group_with_members).meaning == "Education, Health and Care Plan"

    client.force_login(parent)
    response = client.get(url)
    assert "EHCP Education, Health and Care Plan" in text_of(response)
    assert 'name="meaning"' not in html_of(response)

    client.force_login(facilitator)
    term = GlossaryTerm.objects.get()
    removed = client.post(url, {"delete": term.pk})
    assert removed.status_code == 302
    assert not GlossaryTerm.objects.exists()


def test_glossary_with_bad_input_keeps_it_and_saves_nothing(client, group_with_members, facilitator):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:glossary", args=[group_with_members.pk]), {"abbreviation": "EHCP", "meaning": " "}
    )

    assert response.status_code == 200
    assert "What it means: Say what the short form means, in plain words." in text_of(response)
    assert 'value="EHCP"' in html_of(response)
    assert not GlossaryTerm.objects.exists()


@pytest.mark.parametrize("unsafe", ["https://evil.example.com/", "//evil.example.com/x", "javascript:alert(1)"])
def test_glossary_ignores_an_unsafe_next(client, group_with_members, facilitator, unsafe):
    client.force_login(facilitator)
    url = reverse("sessions_app:glossary", args=[group_with_members.pk])

    response = client.post(url, {"abbreviation": "EHCP", "meaning": "Education, Health and Care Plan", "next": unsafe})

    assert response.status_code == 302 and response.url == url


def test_glossary_delete_of_another_groups_term_is_not_found(client, group_with_members, other_group, facilitator):
    theirs = services.glossary_term_save(
        group=other_group, abbreviation="DAD", meaning="Dads and dads-to-be", acting_user=facilitator
    )
    client.force_login(facilitator)

    response = client.post(reverse("sessions_app:glossary", args=[group_with_members.pk]), {"delete": theirs.pk})

    assert response.status_code == 404
    assert GlossaryTerm.objects.filter(pk=theirs.pk).exists()


# --- cancelling ------------------------------------------------------------------------------------------


def test_cancelling_emails_everyone_who_said_yes(
    client,
    published,
    facilitator,
    parent,
    professional,
    make_user,
    group_with_members,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    # given two yeses and a no
    services.rsvp_answer(session=published, user=parent, answer=Answer.YES)
    services.rsvp_answer(session=published, user=professional, answer=Answer.YES)
    no_one = make_user(email="nope@example.test")
    group_services.membership_add(
        group=group_with_members, user=no_one, role=Membership.Role.PARENT, acting_user=facilitator
    )
    services.rsvp_answer(session=published, user=no_one, answer=Answer.NO)
    client.force_login(facilitator)
    url = reverse("sessions_app:cancel", args=[published.pk])
    assert "We will email the 2 people who said yes" in text_of(client.get(url))

    # when
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"reason": "The hall has flooded."})

    # then
    assert response.status_code == 302
    published.refresh_from_db()
    assert published.status == Session.Status.CANCELLED
    assert published.cancel_reason == "The hall has flooded."
    assert sorted(address for m in mailoutbox for address in m.to) == [parent.email, professional.email]
    assert all("The hall has flooded." in m.body for m in mailoutbox)
    assert "We have emailed the 2 people who said yes" in follow_messages(client, response)[0]


def test_cancelling_needs_a_reason(
    client, published, facilitator, parent, mailoutbox, django_capture_on_commit_callbacks
):
    services.rsvp_answer(session=published, user=parent, answer=Answer.YES)
    client.force_login(facilitator)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("sessions_app:cancel", args=[published.pk]), {"reason": "  "})

    assert response.status_code == 200
    assert "Say briefly why the session is cancelled; members will see it." in text_of(response)
    published.refresh_from_db()
    assert published.status == Session.Status.PUBLISHED
    assert mailoutbox == []


def test_cancelling_a_session_that_has_happened_is_refused_with_a_message(client, published, facilitator):
    with time_machine.travel(START + timedelta(days=1), tick=False):
        client.force_login(facilitator)
        response = client.post(reverse("sessions_app:cancel", args=[published.pk]), {"reason": "Too late"})

    assert response.status_code == 200
    assert "This session has already happened, so it cannot be cancelled." in text_of(response)
    published.refresh_from_db()
    assert published.status == Session.Status.PUBLISHED


# --- preparation -----------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_preparation_page_is_multipart_and_says_when_members_see_it(client, published, facilitator):
    client.force_login(facilitator)

    response = client.get(reverse("sessions_app:preparation_add", args=[published.pk]))

    assert 'enctype="multipart/form-data"' in html_of(response)
    assert "Members will see it 3 days before the session, from Monday 12 October." in text_of(response)


def test_preparation_adds_text_and_a_pdf(client, published, facilitator, media):
    client.force_login(facilitator)
    upload = SimpleUploadedFile("questions.pdf", b"%PDF-1.7\n...", content_type="application/pdf")

    response = client.post(
        reverse("sessions_app:preparation_add", args=[published.pk]),
        {"title": "Questions to think about", "text": "What would make the day fun?", "file": upload},
    )

    material = PreparationMaterial.objects.get()
    assert response.status_code == 302
    assert material.title == "Questions to think about" and material.file.name.endswith("questions.pdf")
    assert material.added_by == facilitator
    assert "Members will see it from Monday 12 October." in follow_messages(client, response)[0]


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("virus.exe", b"MZ\x90\x00", "This kind of file cannot be shared here."),
        ("notes.pdf", b"MZ\x90\x00 a program dressed as a PDF", "This file does not look like a PDF"),
        ("huge.pdf", b"%PDF-" + b"0" * (10 * 1024 * 1024), "Files can be up to 10 MB"),
    ],
)
def test_preparation_refuses_unsuitable_files(client, published, facilitator, media, name, content, message):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:preparation_add", args=[published.pk]),
        {"title": "Read this", "text": "", "file": SimpleUploadedFile(name, content)},
    )

    assert response.status_code == 200
    assert message in text_of(response)
    assert 'value="Read this"' in html_of(response)
    assert not PreparationMaterial.objects.exists()


def test_preparation_needs_text_or_a_file(client, published, facilitator):
    client.force_login(facilitator)

    response = client.post(reverse("sessions_app:preparation_add", args=[published.pk]), {"title": "Empty"})

    assert response.status_code == 200
    assert "Add some text or a file (or both)." in text_of(response)
    assert not PreparationMaterial.objects.exists()


# --- stepping back and stepping in -----------------------------------------------------------------------


def test_a_support_facilitator_steps_back_and_the_session_shows_at_risk(
    client, published, facilitator2, group_with_members
):
    client.force_login(facilitator2)
    url = reverse("sessions_app:withdraw", args=[published.pk])
    assert "You are the support facilitator for this session." in text_of(client.get(url))

    response = client.post(url, {"reason": "Poorly"})

    place = SessionFacilitator.objects.get(session=published, user=facilitator2)
    assert response.status_code == 302
    assert place.withdrawn_at is not None and place.withdrawal_reason == "Poorly"
    assert "It now needs another facilitator" in follow_messages(client, response)[0]
    page = text_of(client.get(reverse("sessions_app:group_sessions", args=[group_with_members.pk])))
    assert "At risk: needs two facilitators" in page


def test_withdraw_by_someone_not_facilitating_says_so(client, published, org_admin):
    client.force_login(org_admin)
    url = reverse("sessions_app:withdraw", args=[published.pk])

    get = client.get(url)
    post = client.post(url, {"reason": ""})

    assert "You are not facilitating this session" in text_of(get)
    assert post.status_code == 200
    assert "You are not facilitating this session." in text_of(post)
    assert SessionFacilitator.objects.filter(withdrawn_at__isnull=True).count() == 2


def test_a_group_facilitator_steps_in_as_support(client, make_session, facilitator2):
    session = make_session(support=False)
    client.force_login(facilitator2)
    url = reverse("sessions_app:step_in", args=[session.pk])
    page = html_of(client.get(url))
    assert re.search(r'value="support"[^>]*checked', page)

    response = client.post(url, {"role": FacilitatorRole.SUPPORT})

    assert response.status_code == 302
    assert session.facilitators.get(user=facilitator2, withdrawn_at__isnull=True).role == FacilitatorRole.SUPPORT
    assert services.facilitator_rule_problems(session=session) == []


def test_step_in_as_a_second_lead_is_refused(client, make_session, facilitator2):
    session = make_session(support=False)
    client.force_login(facilitator2)

    response = client.post(reverse("sessions_app:step_in", args=[session.pk]), {"role": FacilitatorRole.LEAD})

    assert response.status_code == 200
    assert "This session already has a lead facilitator." in text_of(response)
    assert not session.facilitators.filter(user=facilitator2).exists()


def test_an_admin_who_is_not_a_group_facilitator_cannot_step_in(client, make_session, org_admin):
    session = make_session(support=False)
    client.force_login(org_admin)

    response = client.post(reverse("sessions_app:step_in", args=[session.pk]), {"role": FacilitatorRole.SUPPORT})

    assert response.status_code == 200
    assert "Only facilitators of this group can facilitate its sessions." in text_of(response)
    assert not session.facilitators.filter(user=org_admin).exists()


# --- venues ----------------------------------------------------------------------------------------------


def test_venues_anonymous_visitors_sign_in(client, db):
    get = client.get(reverse("sessions_app:venues"))
    post = client.post(reverse("sessions_app:venues"), {"name": "Sneaky Hall", "address": "Nowhere"})

    for response in (get, post):
        assert response.status_code == 302 and response.url.startswith(LOGIN)
    assert not Venue.objects.exists()


@pytest.mark.parametrize("role", ["parent", "professional", "governance_lead"])
def test_venues_are_refused_to_people_without_an_admin_or_facilitator_role(
    client, request, group_with_members, make_user, organisation, grant, role
):
    if role == "governance_lead":
        person = grant(make_user(email="gov@example.test"), organisation, StaffRole.Role.GOVERNANCE_LEAD)
    else:
        person = request.getfixturevalue(role)
    client.force_login(person)

    get = client.get(reverse("sessions_app:venues"))
    post = client.post(reverse("sessions_app:venues"), {"name": "Sneaky Hall", "address": "Nowhere"})

    assert get.status_code == 403 and post.status_code == 403
    assert not Venue.objects.exists()


@pytest.mark.parametrize("role", ["facilitator", "org_admin"])
def test_venues_list_only_the_organisations_own(client, request, venue, other_organisation, facilitator, role):
    services.venue_create(
        organisation=other_organisation, acting_user=facilitator, name="Hillside Hall", address="1 Hill Road"
    )
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("sessions_app:venues"))

    page = text_of(response)
    assert response.status_code == 200
    assert "Bayside Family Hub" in page and "Step-free access: yes" in page and "Parking: no" in page
    assert "Hillside Hall" not in page


def test_a_facilitator_adds_a_venue(client, facilitator, organisation):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:venues"),
        {"organisation": organisation.pk, "name": "Harbour Library", "address": "3 Quay Street", "parking": "on"},
    )

    assert response.status_code == 302
    venue = Venue.objects.get()
    assert (venue.organisation, venue.name, venue.parking, venue.step_free) == (
        organisation,
        "Harbour Library",
        True,
        False,
    )


def test_a_venue_name_already_used_is_refused_with_a_message(client, facilitator, organisation, venue):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:venues"),
        {"organisation": organisation.pk, "name": "bayside family hub", "address": "Elsewhere"},
    )

    assert response.status_code == 200
    assert "Your organisation already has a venue called bayside family hub." in text_of(response)
    assert Venue.objects.count() == 1


def test_a_venue_always_goes_to_the_facilitators_own_organisation(
    client, facilitator, organisation, other_organisation
):
    client.force_login(facilitator)

    response = client.post(
        reverse("sessions_app:venues"),
        {"organisation": other_organisation.pk, "name": "Their Hall", "address": "1 Hill Road"},
    )

    assert response.status_code == 302
    assert Venue.objects.get().organisation == organisation


def test_someone_in_two_organisations_chooses_one_of_theirs(
    client, make_user, grant, organisation, other_organisation, facilitator
):
    third = Organisation.objects.create(name="Riverside Partnership", slug="riverside")
    grant(facilitator, other_organisation, StaffRole.Role.ADMIN)
    client.force_login(facilitator)
    url = reverse("sessions_app:venues")

    page = html_of(client.get(url))
    refused = client.post(url, {"organisation": third.pk, "name": "Their Hall", "address": "1 River Road"})
    added = client.post(url, {"organisation": other_organisation.pk, "name": "Hill Hall", "address": "1 Hill Road"})

    assert "Bayside Partnership" in page and "Hillside Partnership" in page and "Riverside" not in page
    assert refused.status_code == 200
    assert "Choose one of your organisations." in text_of(refused)
    assert added.status_code == 302
    assert [(v.organisation, v.name) for v in Venue.objects.all()] == [(other_organisation, "Hill Hall")]
