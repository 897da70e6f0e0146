"""Issue 11, items 1 and 2: help to come in the answer (several kinds in one go, one short question page each,
check your answers, straight on from a one-tap link), and saying no keeps what was asked until the parent
confirms; saying yes again offers it back. Data is built through the services."""

import html
import re
from datetime import timedelta
from urllib.parse import urlparse

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.models import AuditEvent
from sessions_app import services
from sessions_app.answer_links import answer_links
from sessions_app.models import Answer, Rsvp, SupportRequest
from sessions_app.services.support import (
    support_requests_cancel_for_no,
    support_requests_create,
    support_requests_restore,
)

CHILDCARE = {"kind": "childcare", "children_count": 2, "children_ages": "3 and 6"}
TRAVEL = {"kind": "travel", "travel_mode": "public", "expected_cost_pence": 350}


def text_of(response) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))).strip()


def url(name, session, *args):
    return reverse(f"sessions_app:{name}", args=[session.pk, *args])


@pytest.fixture
def session(make_session):
    return make_session()


@pytest.fixture
def coming(session, parent):
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    return session


def events(action):
    return list(AuditEvent.objects.filter(action=action))


# --- services -------------------------------------------------------------------------------------------------


def test_one_call_asks_for_several_kinds_together_and_again_changes_nothing(coming, parent):
    # when
    first = support_requests_create(session=coming, user=parent, requests=[CHILDCARE, TRAVEL])
    again = support_requests_create(session=coming, user=parent, requests=[CHILDCARE, TRAVEL])

    # then one row per kind, the second call returning the same rows, and one audit event naming the person
    rows = SupportRequest.objects.filter(session=coming, user=parent).order_by("kind")
    assert [(r.kind, r.status) for r in rows] == [("childcare", "pending"), ("travel", "pending")]
    assert [r.pk for r in first] == [r.pk for r in again]
    assert (rows[0].children_count, rows[1].travel_mode, rows[1].expected_cost_pence) == (2, "public", 350)
    [event] = events("support_requests.created")
    assert event.actor_id == parent.pk
    assert sorted(event.data["kinds"]) == ["childcare", "travel"]


def test_several_kinds_are_saved_all_or_none(coming, parent):
    with pytest.raises(ValidationError) as error:
        support_requests_create(
            session=coming, user=parent, requests=[TRAVEL, {"kind": "childcare", "children_count": None}]
        )

    assert error.value.error_dict["children_count"][0].code == "children_count_required"
    assert not SupportRequest.objects.exists()
    assert events("support_requests.created") == []


def test_asking_needs_a_yes_first(session, parent):
    services.rsvp_answer(session=session, user=parent, answer=Answer.MAYBE)

    with pytest.raises(ValidationError) as error:
        support_requests_create(session=session, user=parent, requests=[TRAVEL])

    assert error.value.code == "needs_yes"
    assert not SupportRequest.objects.exists()


def test_a_confirmed_no_cancels_waiting_and_approved_requests_and_says_why(coming, parent, facilitator):
    childcare, travel = support_requests_create(session=coming, user=parent, requests=[CHILDCARE, TRAVEL])
    services.support_request_decide(request=travel, approve=True, acting_user=facilitator)

    # a plain no keeps them
    services.rsvp_answer(session=coming, user=parent, answer=Answer.NO)
    assert set(SupportRequest.objects.values_list("status", flat=True)) == {"pending", "approved"}
    assert events("support_requests.cancelled_for_no") == []

    # a confirmed no cancels both, with the reason, in one event
    services.rsvp_answer(session=coming, user=parent, answer=Answer.NO, cancel_support=True)
    rows = list(SupportRequest.objects.order_by("kind"))
    assert {(r.status, r.cancelled_reason) for r in rows} == {("withdrawn", "said_no")}
    assert all(r.cancelled_at is not None for r in rows)
    assert rows[0].get_cancelled_reason_display() == "Cancelled because you said you can't come"
    assert rows[0].cancelled_reason_for_staff == "Cancelled because they said they can't come"
    [event] = events("support_requests.cancelled_for_no")
    assert event.actor_id == parent.pk and sorted(event.data["request_ids"]) == sorted([childcare.pk, travel.pk])

    # idempotent: nothing left to cancel records nothing
    assert support_requests_cancel_for_no(session=coming, user=parent) == []
    assert len(events("support_requests.cancelled_for_no")) == 1


def test_saying_yes_again_restores_them_for_a_fresh_decision(coming, parent, facilitator):
    _, travel = support_requests_create(session=coming, user=parent, requests=[CHILDCARE, TRAVEL])
    services.support_request_decide(request=travel, approve=True, acting_user=facilitator, amount_pence=400)
    services.rsvp_answer(session=coming, user=parent, answer=Answer.NO, cancel_support=True)

    # restoring needs a yes
    with pytest.raises(ValidationError) as error:
        support_requests_restore(session=coming, user=parent)
    assert error.value.code == "needs_yes"

    services.rsvp_answer(session=coming, user=parent, answer=Answer.YES)
    restored = support_requests_restore(session=coming, user=parent)

    assert sorted(r.kind for r in restored) == ["childcare", "travel"]
    for row in SupportRequest.objects.all():
        assert (row.status, row.cancelled_reason, row.cancelled_at, row.decided_at, row.approved_amount_pence) == (
            "pending",
            "",
            None,
            None,
            None,
        )
    [event] = events("support_requests.restored")
    assert event.actor_id == parent.pk
    assert support_requests_restore(session=coming, user=parent) == []  # idempotent
    assert len(events("support_requests.restored")) == 1


def test_a_kind_asked_for_again_since_is_not_restored_twice(coming, parent):
    support_requests_create(session=coming, user=parent, requests=[TRAVEL])
    services.rsvp_answer(session=coming, user=parent, answer=Answer.NO, cancel_support=True)
    services.rsvp_answer(session=coming, user=parent, answer=Answer.YES)
    support_requests_create(session=coming, user=parent, requests=[{**TRAVEL, "expected_cost_pence": 500}])

    assert support_requests_restore(session=coming, user=parent) == []
    assert SupportRequest.objects.filter(status="pending").count() == 1


# --- saying no, through the pages -----------------------------------------------------------------------------


def test_no_with_requests_asks_first_then_cancels_and_yes_offers_them_back(client, coming, parent):
    support_requests_create(session=coming, user=parent, requests=[CHILDCARE, TRAVEL])
    client.force_login(parent)

    # when they tap "No, I can't come", nothing changes yet: the confirm page says what would be cancelled
    response = client.post(url("answer", coming), {"answer": "no"})
    assert response.status_code == 302 and response.url == url("cant_come", coming)
    assert Rsvp.objects.get(user=parent).answer == Answer.YES
    page = text_of(client.get(response.url))
    assert "You asked for childcare and travel. If you can't come, we will cancel these." in page

    # confirming cancels them, and the session page says why
    response = client.post(url("cant_come", coming), follow=True)
    assert Rsvp.objects.get(user=parent).answer == Answer.NO
    page = text_of(response)
    assert "We have cancelled your requests for childcare and travel." in page
    assert page.count("Cancelled because you said you can't come") == 2

    # saying yes again offers them back in one button; it puts them back to wait for a fresh decision
    response = client.post(url("answer", coming), {"answer": "yes"}, follow=True)
    page = text_of(response)
    assert "Ask again for childcare and travel" in page
    assert "A facilitator will decide again, even if it was approved before." in page
    response = client.post(url("help_restore", coming), follow=True)
    assert set(SupportRequest.objects.values_list("status", flat=True)) == {"pending"}
    assert "We have asked again for childcare and travel." in text_of(response)


def test_a_plain_no_without_requests_needs_no_confirmation(client, coming, parent):
    client.force_login(parent)

    response = client.post(url("answer", coming), {"answer": "no"})

    assert response.status_code == 302 and response.url == coming.get_absolute_url()
    assert Rsvp.objects.get(user=parent).answer == Answer.NO


# --- the journey, signed in ------------------------------------------------------------------------------------


def test_the_journey_asks_one_thing_per_page_then_checks_then_sends(client, coming, parent):
    client.force_login(parent)

    # the session page offers the tick boxes once they have said yes
    assert "Do you need any help to come?" in text_of(client.get(coming.get_absolute_url()))

    response = client.post(url("help_start", coming), {"help": ["travel", "childcare"]})
    assert response.url == url("help_question", coming, "childcare")  # in the order of the list
    response = client.post(response.url, {"children_count": "2", "children_ages": "3 and 6"})
    assert response.url == url("help_question", coming, "travel")
    response = client.post(response.url, {"expected_cost": "3.50", "travel_mode": "public"})
    assert response.url == url("help_check", coming)

    check = text_of(client.get(response.url))
    for words in ("Check your answers", "2 children", "3 and 6", "Bus or train", "£3.50", "Change"):
        assert words in check
    assert not SupportRequest.objects.exists()  # nothing sent before "Send my request"

    response = client.post(url("help_check", coming), follow=True)
    done = text_of(response)
    assert response.redirect_chain[-1][0] == url("help_done", coming)
    assert "You asked for childcare and travel." in done and "a facilitator will decide by" in done
    rows = SupportRequest.objects.order_by("kind")
    assert [(r.kind, r.children_count, r.travel_mode, r.expected_cost_pence) for r in rows] == [
        ("childcare", 2, "", None),
        ("travel", None, "public", 350),
    ]
    # the answers are gone from the browser's session once sent
    assert not [k for k in client.session.keys() if k.startswith("help_journey:")]


def test_change_links_come_back_to_the_check_page_with_what_was_typed(client, coming, parent):
    client.force_login(parent)
    client.post(url("help_start", coming), {"help": ["childcare"]})
    client.post(url("help_question", coming, "childcare"), {"children_count": "2", "children_ages": "4"})

    page = client.get(url("help_question", coming, "childcare") + "?change=1").content.decode()
    assert 'value="2"' in page and 'value="4"' in page
    response = client.post(url("help_question", coming, "childcare") + "?change=1", {"children_count": "3"})
    assert response.url == url("help_check", coming)
    assert "3 children" in text_of(client.get(response.url))


def test_enter_in_the_cost_box_keeps_the_cost_and_asks_how_they_travel(client, coming, parent):
    client.force_login(parent)
    client.post(url("help_start", coming), {"help": ["travel"]})

    # the hidden first button sends an empty way of travelling
    response = client.post(url("help_question", coming, "travel"), {"expected_cost": "3.50", "travel_mode": ""})

    assert response.status_code == 200
    page = text_of(response)
    assert "There is a problem" in page and "Choose how you will travel." in page
    assert 'value="3.50"' in response.content.decode()


def test_unticking_a_kind_says_its_answers_are_removed(client, coming, parent):
    client.force_login(parent)
    client.post(url("help_start", coming), {"help": ["childcare", "travel"]})
    client.post(url("help_question", coming, "childcare"), {"children_count": "2"})

    response = client.post(url("help_start", coming), {"help": ["travel"]}, follow=True)

    assert "You unticked childcare, so we have removed what you told us about it." in text_of(response)


def test_ticking_nothing_is_an_error_not_a_silent_nothing(client, coming, parent):
    client.force_login(parent)

    response = client.post(url("help_start", coming), {})

    assert response.status_code == 200
    assert "Tick the help you need." in text_of(response)


def test_a_question_page_for_a_kind_not_ticked_goes_back_to_the_start(client, coming, parent):
    client.force_login(parent)

    assert client.get(url("help_question", coming, "interpreter")).url == url("help_start", coming)
    assert client.get(url("help_question", coming, "nonsense")).status_code == 404
    assert client.get(url("help_check", coming)).url == url("help_start", coming)


def test_the_single_page_form_refuses_text_typed_for_another_kind_and_keeps_it(client, coming, parent):
    client.force_login(parent)

    response = client.post(
        url("support_request", coming),
        {"kind": "interpreter", "language": "Polish", "access_details": "A wheelchair space"},
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "You also filled in the part for" in text_of(response) and "Access needs" in text_of(response)
    assert 'value="Polish"' in page and "A wheelchair space" in page
    assert not SupportRequest.objects.exists()


# --- the journey from a one-tap link ------------------------------------------------------------------------


@pytest.fixture
def yes_link(session, parent):
    yes, _ = answer_links(session=session, person=parent)
    return urlparse(yes).path


def test_a_one_tap_yes_carries_on_into_help_without_signing_in(client, session, parent, yes_link):
    # the yes page asks about help on the same screen
    assert "Do you need any help to come?" in text_of(client.get(yes_link))

    response = client.post(yes_link, {"help": ["childcare", "travel"]})
    assert Rsvp.objects.get(user=parent).answer == Answer.YES
    assert response.url == url("help_question", session, "childcare")

    client.post(response.url, {"children_count": "2"})
    client.post(url("help_question", session, "travel"), {"travel_mode": "public"})
    response = client.post(url("help_check", session), follow=True)

    assert "You asked for childcare and travel." in text_of(response)
    assert SupportRequest.objects.filter(user=parent, status="pending").count() == 2
    assert "_auth_user_id" not in client.session  # never signed in


def test_the_grant_is_for_that_session_only_and_for_half_an_hour(client, make_session, session, parent, yes_link):
    other = make_session()
    services.rsvp_answer(session=other, user=parent, answer=Answer.YES)
    client.post(yes_link, {})

    assert client.get(url("help_start", session)).status_code == 200
    assert client.get(url("help_start", other)).url.startswith("/accounts/login/")
    assert client.get(other.get_absolute_url()).url.startswith("/accounts/login/")
    with time_machine.travel(timezone.now() + timedelta(minutes=31)):
        assert client.get(url("help_start", session)).url.startswith("/accounts/login/")


def test_a_one_tap_no_offers_to_cancel_on_confirming(client, session, parent):
    services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
    support_requests_create(session=session, user=parent, requests=[TRAVEL])
    no = urlparse(answer_links(session=session, person=parent)[1]).path

    page = text_of(client.post(no))
    assert "You asked for travel. We have not cancelled it" in page
    assert SupportRequest.objects.get().status == "pending"

    response = client.post(url("cant_come", session), follow=True)
    assert SupportRequest.objects.get().cancelled_reason == "said_no"
    assert "We have cancelled your requests for travel." in text_of(response)


# --- hostile input: no 500, nothing saved by a question page ----------------------------------------------------


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["childcare", "travel", "interpreter", "access", "one-to-one"]),
    data=st.dictionaries(
        st.sampled_from(
            ["children_count", "children_ages", "expected_cost", "travel_mode", "language", "access_details"]
        ),
        st.text(max_size=30),
        max_size=4,
    ),
)
def test_question_pages_never_fail_on_hostile_input(client, coming, parent, kind, data):
    client.force_login(parent)
    client.post(url("help_start", coming), {"help": ["childcare", "travel", "interpreter", "access", "one_to_one"]})

    response = client.post(url("help_question", coming, kind), data)

    assert response.status_code in (200, 302)
    assert not SupportRequest.objects.exists()


# --- what the parent sees of each request (issue 11, item 3, the parent's side) ---------------------------------


def test_each_request_says_what_was_asked_where_it_stands_and_what_to_do(client, coming, parent, facilitator):
    childcare, travel = support_requests_create(session=coming, user=parent, requests=[CHILDCARE, TRAVEL])
    interpreter = services.support_request_create(session=coming, user=parent, kind="interpreter", language="Polish")
    services.support_request_decide(request=travel, approve=True, acting_user=facilitator, amount_pence=400)
    services.support_request_decide(
        request=interpreter, approve=False, acting_user=facilitator, reason="We could not find one in time."
    )
    client.force_login(parent)

    page = text_of(client.get(coming.get_absolute_url()))

    # waiting: what was asked, and by when a facilitator decides
    assert "You asked for: 2 children, aged 3 and 6." in page
    assert "Waiting for a facilitator to decide. They will decide by" in page
    # approved: what, how much and what to do
    assert "You asked for: Bus or train, about £3.50." in page
    assert "Approved: up to £4." in page
    assert "keep your ticket or receipt. A facilitator will tell you how the money is paid back to you." in page
    # declined: the reason and whom to talk to
    assert "Why: We could not find one in time." in page
    assert f"If you would like to talk about it, speak to {facilitator.display_name}" in page
    assert childcare.status == "pending"
