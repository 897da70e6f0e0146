"""Download everything held about me: each app's sections, the safeguarding records about the person listed as
withheld (never their content, never silently dropped), the readable page and the JSON file, each download in
the access trail, and each receiver in a fixed number of queries."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

import payments.data_sections  # noqa: F401  (registers payments' receiver, as payments/apps.py will)
from core import extensions
from core.models import AccessEvent, AuditEvent
from safeguarding import data_sections
from safeguarding.selectors import rights as selectors
from sessions_app import services as session_services
from tests.safeguarding.factories_s3 import SECRET_WORDS, make_concern, make_consent, make_message, make_plan
from tests.sessions_app.factories import plan_session

LOGIN = "/accounts/login/"


def all_sections(person):
    return {s.title: s for s in selectors.person_data_sections(person=person)}


@pytest.fixture
def history(group_with_members, parent, facilitator, facilitator2, organisation, venue, time_machine):
    """The parent answered, asked for help, came and felt low, was phoned; has a shared safety plan, consent
    history, raised one concern and is named on two others (one raised by a facilitator)."""
    starts = timezone.now().replace(minute=0, second=0, microsecond=0) + timedelta(days=7)
    session = plan_session(group_with_members, facilitator, facilitator2, starts_at=starts, venue=venue)
    session_services.rsvp_answer(session=session, user=parent, answer="yes")
    session_services.support_request_create(
        session=session, user=parent, kind="travel", travel_mode="public", expected_cost_pence=450
    )
    time_machine.move_to(session.starts_at + timedelta(minutes=5), tick=False)
    session_services.checkin_record(session=session, person=parent, acting_user=facilitator, feeling=2)
    session_services.checkout_record(session=session, person=parent, acting_user=parent, feeling=1, wants_to_talk=True)
    make_plan(person=parent, group=group_with_members)
    make_consent(person=parent, organisation=organisation, given=True)
    make_consent(person=parent, organisation=organisation, given=False)
    make_message(person=parent, organisation=organisation, key="r1")
    make_message(
        person=parent, organisation=organisation, key="u1", kind="safeguarding.urgent_concern", subject="Secret"
    )
    raised = make_concern(organisation=organisation, raised_by=parent, text="I am worried about my neighbour.")
    about = [
        make_concern(organisation=organisation, raised_by=facilitator, about=parent),
        make_concern(organisation=organisation, raised_by=facilitator, about=parent, state="closed"),
    ]
    return {"session": session, "raised": raised, "about": about}


def test_each_app_answers_with_what_it_holds(history, parent):
    sections = all_sections(parent)

    assert sections["Your details"].rows[0]["Email address"] == "parent@example.test"
    assert [r["Group"] for r in sections["Your groups"].rows] == ["Mothers' group"]
    assert sections["Your answers to “Will you come?”"].rows[0]["Your answer"] == "Yes, I will come"
    assert sections["Help you asked for to come to sessions"].rows[0]["Expected cost"] == "£4.50"
    came = sections["Sessions you came to, and how you felt"].rows[0]
    assert came["How you felt when you arrived"] == "Low"
    assert came["How you felt when you left"] == "Very low"
    assert came["You asked to talk afterwards"] is True
    assert sections["Calls from a facilitator after a session"].rows[0]["Why"] == "Asked to talk afterwards"
    assert sections["Your safety plan"].rows[0]["What helps"] == "A walk outside"
    assert sections["Who your safety plan is shared with"].rows[0]["Facilitators of"] == "Mothers' group"
    assert [r["Your answer"] for r in sections["What you agreed to, and when you changed your mind"].rows] == [
        "Yes",
        "No",
    ]


def test_messages_give_kind_channel_status_and_date_but_never_a_sensitive_kinds_words(history, parent):
    rows = all_sections(parent)["Messages we sent you"].rows

    subjects = [r["Subject"] for r in rows]
    assert "Reminder: Mothers' group on Tuesday" in subjects
    assert "Secret" not in subjects
    assert data_sections.NOT_KEPT in subjects
    assert all(set(r) == {"Kind", "Sent by", "Status", "Date", "Subject"} for r in rows)


def test_concerns_they_raised_are_listed_by_date_and_received_only(history, parent):
    rows = all_sections(parent)["Safeguarding concerns you told us about"].rows

    assert rows == [
        {"Told us on": history["raised"].raised_at, "What happened to it": "Received by a safeguarding lead"}
    ]


def test_concerns_about_them_are_withheld_by_number_never_dropped_never_shown(history, parent):
    sections = selectors.person_data_sections(person=parent)
    withheld = [w for s in sections for w in s.withheld]

    assert withheld == [data_sections.withheld_label(c.pk) for c in history["about"]]
    dumped = json.dumps([[s.title, s.rows] for s in sections], default=str)
    assert SECRET_WORDS not in dumped
    assert "Named in the session" not in dumped


def test_payments_lists_claims_and_the_bank_account_masked_never_its_numbers(parent, organisation):
    from payments.models import BankDetails, PaymentPreference

    BankDetails.objects.create(
        person=parent, account_name="P Parent", sort_code="112233", account_number="12345678", account_number_last2="78"
    )
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)

    sections = all_sections(parent)

    assert sections["Your bank account"].rows[0]["Account"] == "Account ending 78"
    assert "12345678" not in json.dumps(sections["Your bank account"].rows, default=str)
    assert "112233" not in json.dumps(sections["Your bank account"].rows, default=str)
    assert sections["How you like to be paid"].rows[0]["You told us you receive benefits"] is True
    assert sections["Your claims for payment"].rows == []


def _counts(person) -> list[int]:
    counts = []
    for receiver in extensions.person_data.receivers:
        with CaptureQueriesContext(connection) as ctx:
            receiver(person=person)
        counts.append(len(ctx.captured_queries))
    return counts


def test_each_receiver_runs_a_fixed_number_of_queries_whatever_the_history(history, parent, professional):
    # given: one person with a history of everything, another with none
    for n in range(5):
        make_message(person=parent, organisation=history["session"].group.organisation, key=f"more{n}")
        make_concern(organisation=history["session"].group.organisation, raised_by=parent)

    # then: each app asks the same number of queries for both
    assert _counts(parent) == _counts(professional)


# --- the pages --------------------------------------------------------------------------------------------


@pytest.mark.permissions
@pytest.mark.parametrize("name", ["safeguarding:my_data", "safeguarding:my_data_json"])
def test_my_data_pages_need_sign_in(client, db, name):
    response = client.get(reverse(name))

    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


@pytest.mark.permissions
@pytest.mark.parametrize("name", ["safeguarding:my_data", "safeguarding:my_data_json"])
def test_my_data_pages_open_to_anyone_signed_in_with_their_own_data_only(client, history, parent, professional, name):
    client.force_login(professional)

    response = client.get(reverse(name))

    assert response.status_code == 200
    content = response.content.decode()
    assert "professional@example.test" in content
    assert "parent@example.test" not in content
    assert "A safeguarding record (number" not in content


def test_the_page_shows_each_section_and_the_withheld_records_with_what_happens_next(client, history, parent):
    client.force_login(parent)

    response = client.get(reverse("safeguarding:my_data"))

    content = response.content.decode()
    assert "<title>Everything we hold about you – coprod</title>" in content
    assert "Sessions you came to, and how you felt" in content
    assert f"A safeguarding record (number {history['about'][0].pk}), withheld" in content
    assert "A safeguarding lead will review these and tell you within one month" in content
    assert SECRET_WORDS not in content


def test_the_json_file_is_an_attachment_with_every_section(client, history, parent):
    client.force_login(parent)

    response = client.get(reverse("safeguarding:my_data_json"))

    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="coprod-my-data-')
    document = json.loads(response.content)
    titles = [s["title"] for s in document["sections"]]
    assert "Your details" in titles and "Your claims for payment" in titles
    assert document["withheld"] == [data_sections.withheld_label(c.pk) for c in history["about"]]
    assert SECRET_WORDS not in response.content.decode()


def test_each_download_is_in_the_access_trail_and_the_audit_trail(client, history, parent):
    client.force_login(parent)

    client.get(reverse("safeguarding:my_data"))
    client.get(reverse("safeguarding:my_data_json"))

    access = AccessEvent.objects.filter(kind="download", object_type="groups.user", object_id=str(parent.pk))
    assert [e.data["format"] for e in access.order_by("at", "pk")] == ["page", "json"]
    assert all(e.actor_id == parent.pk for e in access)
    audits = AuditEvent.objects.filter(action="data.downloaded", object_id=str(parent.pk))
    assert audits.count() == 2
    trail = json.dumps([e.data for e in access] + [e.data for e in audits])
    assert "concern" not in trail.lower()


def test_the_pages_run_as_many_queries_for_a_long_history_as_for_a_short_one(client, history, parent, organisation):
    client.force_login(parent)

    def queries(name):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse(name)).status_code == 200
        return len(ctx.captured_queries)

    short = [queries("safeguarding:my_data"), queries("safeguarding:my_data_json")]
    for n in range(4):
        make_message(person=parent, organisation=organisation, key=f"later{n}")
        make_concern(organisation=organisation, raised_by=parent)
        make_consent(person=parent, organisation=organisation, given=bool(n % 2))
    longer = [queries("safeguarding:my_data"), queries("safeguarding:my_data_json")]

    assert short == longer
