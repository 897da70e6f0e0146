"""Every create is sent once (issue 10, item 3): a double click or a retried POST makes one record, a second
sending goes where the first went ("That was already saved."), a conflict names the existing record, never a
500. Real PostgreSQL; the concurrent cases use two connections in two threads."""

import re
import threading
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from coprod.settings import base as base_settings
from core import idempotency
from core.idempotency import ALREADY_SAVED, STILL_SAVING, form_submissions_clear
from core.models import FormSubmission
from core.tasks import clear_form_submissions
from groups import services as group_services
from groups.models import Group
from sessions_app import services
from sessions_app.models import Action, Decision, PreparationMaterial, Session, Venue, Win
from tests.sessions_app.factories import plan_session

MIDDLEWARE = "core.idempotency.IdempotencyMiddleware"
LONDON = ZoneInfo("Europe/London")
TOKEN_RE = re.compile(r'name="form_token" value="([^"]+)"')


def tokens_on(response) -> list[str]:
    assert response.status_code == 200
    return TOKEN_RE.findall(response.content.decode())


def messages_on(client, url) -> list[str]:
    return [str(m) for m in client.get(url).context["messages"]]


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, venue):
    """A published session of the mothers' group, a week from now."""
    starts_at = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    return plan_session(group_with_members, facilitator, facilitator2, starts_at=starts_at, venue=venue)


def builder_data(venue, facilitator, facilitator2):
    day = (timezone.now().astimezone(LONDON) + timedelta(days=14)).date()
    return {
        "title": "Planning the summer fun day",
        "purpose": "Decide together what the fun day offers families.",
        "date": day.isoformat(),
        "start_time": "10:00",
        "end_time": "12:00",
        "format": Session.Format.IN_PERSON,
        "venue": venue.pk,
        "joining_link": "",
        "capacity": "12",
        "content_note": "",
        "preparation_days": "3",
        "lead": facilitator.pk,
        "supports": [facilitator2.pk],
        "agenda": "Welcome and news\nIdeas for the day",
        "breaks": "",
        "repeat_weeks": "1",
    }


# Each create a person can double-click: (form page, which of its forms, data, what it makes).
def create_cases(request):
    group = request.getfixturevalue("group_with_members")
    organisation = request.getfixturevalue("organisation")
    facilitator = request.getfixturevalue("facilitator")
    facilitator2 = request.getfixturevalue("facilitator2")
    venue = request.getfixturevalue("venue")
    session = request.getfixturevalue("session")
    parent = request.getfixturevalue("parent")
    record = reverse("sessions_app:record", args=[session.pk])
    return {
        "session builder": (
            reverse("sessions_app:create", args=[group.pk]),
            0,
            builder_data(venue, facilitator, facilitator2),
            lambda: Session.objects.filter(group=group, title="Planning the summer fun day").exclude(pk=session.pk),
        ),
        "decision": (
            record,
            0,
            {"form": "decision", "decision-proposal": "Meet on Saturdays.", "decision-outcome": "Agreed."},
            lambda: Decision.objects.filter(session=session),
        ),
        "action": (
            record,
            1,
            {"form": "action", "action-description": "Book the hall.", "action-owner": parent.pk},
            lambda: Action.objects.filter(session=session),
        ),
        "win": (
            record,
            2,
            {"form": "win", "win-description": "Letters are now in plain English."},
            lambda: Win.objects.filter(session=session),
        ),
        "preparation material": (
            reverse("sessions_app:preparation_add", args=[session.pk]),
            0,
            {"title": "Questions to think about", "text": "What would help on the day?"},
            lambda: PreparationMaterial.objects.filter(session=session),
        ),
        "venue": (
            reverse("sessions_app:venues"),
            0,
            {"name": "Harbour Library", "address": "3 Quay Street"},
            lambda: Venue.objects.filter(organisation=organisation, name="Harbour Library"),
        ),
        "group": (
            reverse("groups:create"),
            0,
            {
                "organisation": organisation.pk,
                "name": "Finance committee",
                "kind": Group.Kind.COPRODUCTION,
                "purpose": "Deciding how the money is spent.",
                "parent_quorum": "",
                "agreement_text": "",
            },
            lambda: Group.objects.filter(organisation=organisation, name="Finance committee"),
        ),
    }


CREATES = ["session builder", "decision", "action", "win", "preparation material", "venue", "group"]


# --- the token in the page -----------------------------------------------------------------------------------


def test_each_render_of_a_form_carries_a_fresh_token():
    template = Template("{% load forms_extra %}{% form_token %}")

    first, second = template.render(Context()), template.render(Context())

    assert re.fullmatch(r'<input type="hidden" name="form_token" value="[A-Za-z0-9_-]{32}">', first)
    assert first != second


@pytest.mark.parametrize("name", CREATES)
def test_each_create_form_carries_a_token(client, request, facilitator, name):
    url, index, _, _ = create_cases(request)[name]
    client.force_login(facilitator)

    assert len(tokens_on(client.get(url))) > index


# --- the same form sent twice --------------------------------------------------------------------------------


@pytest.mark.parametrize("name", CREATES)
def test_the_same_form_sent_twice_makes_one_record(client, request, facilitator, name):
    # given: the form as the page shows it
    url, index, data, made = create_cases(request)[name]
    client.force_login(facilitator)
    data = {**data, "form_token": tokens_on(client.get(url))[index]}

    # when: sent twice (a double click, or a retry after a lost answer)
    first = client.post(url, data)
    second = client.post(url, data)

    # then: one record; the second goes where the first went and says so
    assert made().count() == 1
    assert first.status_code == second.status_code == 302
    assert second["Location"] == first["Location"]
    assert ALREADY_SAVED in messages_on(client, second["Location"])


@pytest.mark.parametrize("name", ["decision", "win", "preparation material"])
def test_the_same_form_shown_twice_makes_two_records(client, request, facilitator, name):
    url, index, data, made = create_cases(request)[name]
    client.force_login(facilitator)

    for _ in range(2):
        response = client.post(url, {**data, "form_token": tokens_on(client.get(url))[index]})
        assert response.status_code == 302

    assert made().count() == 2


def test_a_form_sent_without_a_token_is_processed_as_before(client, session, facilitator):
    client.force_login(facilitator)
    url = reverse("sessions_app:record", args=[session.pk])
    data = {"form": "win", "win-description": "Letters are now in plain English."}

    assert [client.post(url, data).status_code for _ in range(2)] == [302, 302]
    assert Win.objects.filter(session=session).count() == 2


def test_a_form_with_errors_can_be_sent_again_with_its_token(client, session, facilitator):
    # given: a decision without an outcome, refused
    client.force_login(facilitator)
    url = reverse("sessions_app:record", args=[session.pk])
    token = tokens_on(client.get(url))[0]
    refused = client.post(url, {"form": "decision", "decision-proposal": "Meet later.", "form_token": token})
    assert refused.status_code == 200
    assert not FormSubmission.objects.exists()

    # when: corrected and sent again with the same token
    saved = client.post(
        url,
        {"form": "decision", "decision-proposal": "Meet later.", "decision-outcome": "Agreed.", "form_token": token},
    )

    # then
    assert saved.status_code == 302
    assert Decision.objects.get(session=session).outcome == "Agreed."
    assert FormSubmission.objects.get().location == saved["Location"]


def test_a_token_belongs_to_the_person_who_sent_it(client, session, facilitator, facilitator2):
    url = reverse("sessions_app:record", args=[session.pk])
    client.force_login(facilitator)
    token = tokens_on(client.get(url))[2]
    other = Client()
    other.force_login(facilitator2)

    for c, text in ((client, "One win."), (other, "Another win.")):
        assert c.post(url, {"form": "win", "win-description": text, "form_token": token}).status_code == 302

    assert sorted(Win.objects.values_list("description", flat=True)) == ["Another win.", "One win."]


def test_a_signed_out_visitor_is_told_apart_by_their_session(client, db):
    """Sign-in is not a create, but its form carries a token: a visitor with no session yet is let through,
    and one with a session has their tokens kept apart from everyone else's."""
    page = client.get("/accounts/login/")
    token = tokens_on(page)[0]

    response = client.post(
        "/accounts/login/", {"login": "nobody@example.test", "password": "wrong", "form_token": token}
    )

    assert response.status_code == 200  # refused, shown again: nothing kept
    assert not FormSubmission.objects.exists()


def test_a_refusal_that_redirects_with_an_error_keeps_nothing(client, session, facilitator, monkeypatch):
    """A view that says no by redirecting with an error message did not save anything: the form can be sent
    again."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from sessions_app.views import running

    def refuse(self, request, *args, **kwargs):
        messages.error(request, "That could not be saved.")
        return redirect(request.path)

    monkeypatch.setattr(running.RecordOutcomesView, "post", refuse)
    client.force_login(facilitator)
    url = reverse("sessions_app:record", args=[session.pk])

    response = client.post(url, {"form": "win", "win-description": "A win.", "form_token": "refused-token"})

    assert response.status_code == 302
    assert not FormSubmission.objects.exists()


def test_a_second_sending_waits_for_the_first_and_stops_at_a_limit(client, session, facilitator, monkeypatch):
    """The first one still working after the wait: the second does nothing and says so (no second record)."""
    monkeypatch.setattr(idempotency, "WAIT_SECONDS", 0.3)
    client.force_login(facilitator)
    url = reverse("sessions_app:record", args=[session.pk])
    FormSubmission.objects.create(who=f"user:{facilitator.pk}", token="in-flight", path=url)

    response = client.post(
        url,
        {"form": "win", "win-description": "A win.", "form_token": "in-flight"},
        HTTP_REFERER=f"http://testserver{url}",
    )

    assert response.status_code == 302
    assert response["Location"] == f"http://testserver{url}"
    assert not Win.objects.exists()
    assert STILL_SAVING in messages_on(client, url)


# --- two at the same moment ----------------------------------------------------------------------------------


def post_together(url, user, payloads):
    """Each payload POSTed by `user` from its own client, in its own thread and connection, released together."""
    barrier = threading.Barrier(len(payloads))
    results: list = [None] * len(payloads)

    def send(i, data):
        client = Client()
        client.force_login(user)
        try:
            barrier.wait(timeout=10)
            results[i] = client.post(url, data)
        except Exception as error:  # noqa: BLE001 - reported by the test, not lost in the thread
            results[i] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i, data)) for i, data in enumerate(payloads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_sendings_at_once_with_one_token_make_one_record(session, facilitator):
    url = reverse("sessions_app:record", args=[session.pk])
    data = {"form": "decision", "decision-proposal": "Meet on Saturdays.", "decision-outcome": "Agreed."}

    results = post_together(url, facilitator, [{**data, "form_token": "same-click"}] * 2)

    assert [getattr(r, "status_code", r) for r in results] == [302, 302]
    assert results[0]["Location"] == results[1]["Location"]
    assert Decision.objects.filter(session=session).count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("kind", ["group", "venue"])
def test_two_new_records_of_one_name_at_once_make_one_and_no_error_page(request, organisation, facilitator, kind):
    if kind == "group":
        url, made = reverse("groups:create"), lambda: Group.objects.filter(organisation=organisation)
        data = {"organisation": organisation.pk, "name": "Finance committee", "kind": Group.Kind.COPRODUCTION}
        data |= {"purpose": "Money.", "parent_quorum": "", "agreement_text": ""}
    else:
        request.getfixturevalue("venue")
        url, made = reverse("sessions_app:venues"), lambda: Venue.objects.filter(name="Harbour Library")
        data = {"name": "Harbour Library", "address": "3 Quay Street"}
    before = made().count()

    # two different tokens: two forms filled in at once, or a form shown twice
    results = post_together(url, facilitator, [{**data, "form_token": "first"}, {**data, "form_token": "second"}])

    statuses = sorted(getattr(r, "status_code", r) for r in results)
    assert statuses in ([200, 302], [302, 302])  # the loser sees the form again with the reason, or the winner
    assert made().count() == before + 1


# --- the services refuse a second record of one name, even at the same moment --------------------------------


def create_while_another_commits(create_first, create_second):
    """`create_first` runs in a thread whose transaction stays open until `create_second` (here) is waiting on
    the database for its row; returns what `create_second` raised."""
    inserted, done = threading.Event(), threading.Event()

    def first():
        try:
            with transaction.atomic():
                create_first()
                inserted.set()
                done.wait(timeout=2)  # `create_second` is blocked on the unique index by now
        finally:
            connection.close()

    thread = threading.Thread(target=first)
    thread.start()
    assert inserted.wait(timeout=10)
    timer = threading.Timer(0.5, done.set)
    timer.start()
    try:
        with pytest.raises(ValidationError) as refused:
            create_second()
    finally:
        thread.join(timeout=10)
        timer.cancel()
    return refused.value


@pytest.mark.django_db(transaction=True)
def test_group_create_at_the_same_moment_names_the_group_there_is(organisation, facilitator):
    def create(name):
        return lambda: group_services.group_create(
            organisation=organisation,
            name=name,
            kind=Group.Kind.COPRODUCTION,
            purpose="Money.",
            acting_user=facilitator,
        )

    error = create_while_another_commits(create("Finance committee"), create("Finance committee"))

    [problem] = error.error_dict["name"]
    assert problem.code == "group_exists"
    assert "There is already a group called Finance committee." in problem.message
    assert Group.objects.filter(organisation=organisation).count() == 1


@pytest.mark.django_db(transaction=True)
def test_venue_create_at_the_same_moment_names_the_venue_there_is(organisation, org_admin):
    def create():
        return services.venue_create(
            organisation=organisation, acting_user=org_admin, name="Harbour Library", address="1"
        )

    error = create_while_another_commits(create, create)

    [problem] = error.error_dict["name"]
    assert problem.code == "venue_exists"
    assert "already has a venue called Harbour Library" in problem.message
    assert Venue.objects.filter(organisation=organisation).count() == 1


def test_a_group_name_taken_in_other_capitals_is_refused_by_the_service(group_with_members, organisation, facilitator):
    with pytest.raises(ValidationError) as refused:
        group_services.group_create(
            organisation=organisation, name="MOTHERS' GROUP", kind=Group.Kind.COPRODUCTION, purpose="Again.",
            acting_user=facilitator,
        )  # fmt: skip

    [problem] = refused.value.error_dict["name"]
    assert problem.code == "group_exists"
    assert "There is already a group called Mothers' group." in problem.message


def test_a_venue_name_taken_in_other_capitals_is_refused_by_the_service(venue, organisation, org_admin):
    with pytest.raises(ValidationError) as refused:
        services.venue_create(organisation=organisation, acting_user=org_admin, name="bayside family hub", address="1")

    [problem] = refused.value.error_dict["name"]
    assert problem.code == "venue_exists"
    assert "already has a venue called Bayside Family Hub." in problem.message
    assert Venue.objects.filter(organisation=organisation).count() == 1


# --- old tokens are forgotten --------------------------------------------------------------------------------


def test_tokens_older_than_a_day_are_cleared(db):
    now = timezone.now()
    old = FormSubmission.objects.create(who="user:1", token="old", path="/", created_at=now - timedelta(hours=25))
    recent = FormSubmission.objects.create(who="user:1", token="recent", path="/", created_at=now - timedelta(hours=23))

    assert form_submissions_clear() == 1
    assert list(FormSubmission.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not FormSubmission.objects.filter(pk=old.pk).exists()


def test_the_periodic_task_clears_old_tokens(db):
    FormSubmission.objects.create(who="user:1", token="old", path="/", created_at=timezone.now() - timedelta(days=2))

    assert clear_form_submissions.apply().get() == 1
    assert not FormSubmission.objects.exists()


def test_the_middleware_is_installed_after_authentication_csrf_and_messages():
    """Fails until coprod/settings/base.py lists it (the fixture above stands in until then)."""
    chain = base_settings.MIDDLEWARE
    assert MIDDLEWARE in chain
    for before in (
        "django.middleware.csrf.CsrfViewMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.messages.middleware.MessageMiddleware",
    ):
        assert chain.index(before) < chain.index(MIDDLEWARE)


def test_the_command_clears_old_tokens_on_demand(db):
    from io import StringIO

    from django.core.management import call_command

    FormSubmission.objects.create(who="user:1", token="old", path="/", created_at=timezone.now() - timedelta(hours=3))
    FormSubmission.objects.create(who="user:1", token="new", path="/")
    out = StringIO()

    call_command("clear_form_submissions", "--hours", "2", stdout=out)

    assert out.getvalue().strip() == "Cleared 1 form token."
    assert list(FormSubmission.objects.values_list("token", flat=True)) == ["new"]


@pytest.mark.parametrize("token", ["with\x00nul", "x" * 65, "spaces and ; quotes'", ""])
def test_a_token_that_no_page_made_is_ignored_not_an_error(client, session, facilitator, token):
    client.force_login(facilitator)
    url = reverse("sessions_app:record", args=[session.pk])

    response = client.post(url, {"form": "win", "win-description": "A win.", "form_token": token})

    assert response.status_code == 302
    assert Win.objects.filter(session=session).count() == 1
    assert not FormSubmission.objects.exists()
