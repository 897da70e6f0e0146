"""Facilitators get one digest of new support requests, not one email each (issue 11, item 3): a request whose
session is more than 24 hours away sends nothing of its own; every 15 minutes each facilitator of the group gets
one message listing the requests made since their last digest; an urgent request (its session within 24 hours)
is sent at once and left out of the digest. The support queue says how soon each session is.

"Now" is Monday 3 March 2031, 9:00 in London (GMT, so UTC too). Data is built through the services."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from sessions_app import checks, selectors, services, tasks
from sessions_app.models import Answer, Message, SupportRequest

LONDON = ZoneInfo("Europe/London")
NOW = datetime(2031, 3, 3, 9, 0, tzinfo=LONDON)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def ask(session, person, kind=SupportRequest.Kind.CHILDCARE):
    services.rsvp_answer(session=session, user=person, answer=Answer.YES)
    if kind == SupportRequest.Kind.CHILDCARE:
        return services.support_request_create(session=session, user=person, kind=kind, children_count=2)
    return services.support_request_create(session=session, user=person, kind=kind, language="Polish")


def digests():
    return Message.objects.filter(kind="support_digest")


def test_a_request_days_ahead_sends_nothing_at_once_and_an_urgent_one_does(
    clock, make_session, parent, professional, facilitator, facilitator2
):
    later = make_session(starts_at=NOW + timedelta(days=3))
    soon = make_session(starts_at=NOW + timedelta(hours=5))
    ask(later, parent)
    assert not Message.objects.filter(kind="support_requested").exists()
    urgent = ask(soon, professional)
    sent = Message.objects.filter(kind="support_requested", key=f"support_requested:{urgent.pk}")
    assert {m.person_id for m in sent} == {facilitator.pk, facilitator2.pk}


def test_each_facilitator_gets_one_digest_of_the_requests_since_their_last(
    clock, make_session, parent, professional, facilitator, facilitator2, org_admin
):
    # given: two requests for a session in three days, and one urgent request
    later = make_session(starts_at=NOW + timedelta(days=3), title="Fun day planning")
    soon = make_session(starts_at=NOW + timedelta(hours=5), title="Tonight")
    clock.move_to(NOW + timedelta(minutes=2))
    ask(later, parent)
    clock.move_to(NOW + timedelta(minutes=5))
    ask(later, professional, kind=SupportRequest.Kind.INTERPRETER)
    ask(soon, parent)

    # when: the check runs after the quarter hour, twice
    clock.move_to(NOW + timedelta(minutes=16))
    assert checks.support_digests_run() == 2
    assert checks.support_digests_run() == 0

    # then: one digest each to the group's two facilitators (not the admin), listing both, not the urgent one
    assert {m.person_id for m in digests()} == {facilitator.pk, facilitator2.pk}
    assert digests().values("person_id", "channel").distinct().count() == digests().count()
    body = digests().filter(person=facilitator).first().body
    assert "2 new requests for help are waiting for your decision" in body
    assert "Pat Parent: childcare, for Fun day planning" in body
    assert "Prue Professional: an interpreter" in body or "Prue Professional: interpreter" in body
    assert "Tonight" not in body

    # a request made after that window is in the next digest, alone
    clock.move_to(NOW + timedelta(minutes=22))
    third = make_session(starts_at=NOW + timedelta(days=4), title="Next week")
    ask(third, professional)
    clock.move_to(NOW + timedelta(minutes=31))
    assert tasks.send_support_digests() == 2
    newest = digests().filter(person=facilitator).order_by("-created_at").first()
    assert "A new request for help is waiting for your decision" in newest.body
    assert "Next week" in newest.body and "Fun day planning" not in newest.body


def test_a_request_decided_before_the_digest_is_left_out(clock, make_session, parent, facilitator):
    later = make_session(starts_at=NOW + timedelta(days=3))
    request = ask(later, parent)
    services.support_request_decide(request=request, approve=True, acting_user=facilitator, amount_pence=0)
    clock.move_to(NOW + timedelta(minutes=16))
    assert checks.support_digests_run() == 0
    assert not digests().exists()


@pytest.mark.parametrize(
    ("to_go", "words"),
    [
        (timedelta(minutes=40), "session in 40 minutes"),
        (timedelta(hours=2), "session in 2 hours"),
        (timedelta(hours=1), "session in 1 hour"),
        (timedelta(hours=26), "tomorrow"),
        (timedelta(days=3), "in 3 days"),
        (timedelta(days=10), ""),
    ],
)
def test_urgency_in_words(clock, make_session, to_go, words):
    session = make_session(starts_at=NOW + to_go)
    assert selectors.support_urgency(session) == words


def test_the_support_queue_says_how_soon_each_session_is(
    clock, make_session, parent, professional, client, facilitator
):
    soon = make_session(starts_at=NOW + timedelta(hours=2), title="Coffee morning")
    later = make_session(starts_at=NOW + timedelta(days=1, hours=1), title="Tomorrow's talk")
    ask(soon, parent)
    ask(later, professional)
    client.force_login(facilitator)
    page = client.get(reverse("sessions_app:support_queue")).content.decode()
    assert "Session in 2 hours</strong>" in page
    assert "Tomorrow</strong>" in page
    assert page.index("Coffee morning") < page.index("Tomorrow&#x27;s talk")


def test_a_facilitator_who_has_left_the_group_gets_no_digest(
    clock, make_session, parent, facilitator, facilitator2, group_with_members
):
    from groups import services as group_services

    later = make_session(starts_at=NOW + timedelta(days=3))
    ask(later, parent)
    membership = group_with_members.memberships.get(user=facilitator2)
    group_services.membership_leave(membership=membership, acting_user=facilitator2)
    clock.move_to(NOW + timedelta(minutes=16))
    assert checks.support_digests_run() == 1
    assert {m.person_id for m in digests()} == {facilitator.pk}
