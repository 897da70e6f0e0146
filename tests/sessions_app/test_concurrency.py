"""Races on PostgreSQL: real threads, each with its own database connection, released together by a barrier.

The services lock the session row (``select_for_update``), so PostgreSQL makes competitors wait their turn.
These tests would fail if a service read, decided and wrote without that lock: two people would both get the
last place, or a session would be published just as its only support facilitator withdrew.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from groups import services as group_services
from groups.models import Membership, User
from sessions_app import selectors, services
from sessions_app.models import Answer, FacilitatorRole, Rsvp, Session, SessionFacilitator

pytestmark = pytest.mark.django_db(transaction=True)

ROUNDS = 5


def run_together(*calls):
    """Runs each call in its own thread at the same moment. Returns ("ok", result) or ("error", exception) per
    call, in the order given."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def work(index, call):
        try:
            connection.ensure_connection()  # connect first, so the barrier releases work, not connecting
            barrier.wait(timeout=30)
            outcomes[index] = ("ok", call())
        except Exception as exc:  # noqa: BLE001 - the outcome is what the test checks
            outcomes[index] = ("error", exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck (a deadlock?)"
    return outcomes


def error_messages(outcome):
    kind, value = outcome
    assert kind == "error", f"expected a refusal, got {value!r}"
    assert isinstance(value, ValidationError), f"expected a ValidationError, got {value!r}"
    return value.messages


@pytest.fixture
def add_members(make_user, group_with_members, facilitator):
    def add(n, prefix="Member"):
        people = []
        for i in range(n):
            person = make_user(full_name=f"{prefix} {i:02d}")
            group_services.membership_add(
                group=group_with_members, user=person, role=Membership.Role.PARENT, acting_user=facilitator
            )
            people.append(person)
        return people

    return add


def annotated(session):
    return selectors.with_rule_and_places(Session.objects.filter(pk=session.pk)).get()


# (a) --------------------------------------------------------------------------------------------------------


def test_two_facilitators_withdrawing_at_the_same_moment(make_session, facilitator, facilitator2, org_admin):
    for _ in range(3):
        session = make_session()

        # lead and support step back at once, and the lead's phone sends the tap twice
        outcomes = run_together(
            lambda s=session: services.facilitator_withdraw(
                session=s, user=facilitator, acting_user=facilitator, reason="Ill"
            ),
            lambda s=session: services.facilitator_withdraw(
                session=s, user=facilitator2, acting_user=facilitator2, reason="Car broke down"
            ),
            lambda s=session: services.facilitator_withdraw(
                session=s, user=facilitator, acting_user=facilitator, reason="Ill"
            ),
        )

        # both withdrawals are recorded; the lead's double tap withdrew once and was refused once
        assert outcomes[1][0] == "ok"
        lead_outcomes = sorted([outcomes[0], outcomes[2]], key=lambda o: o[0], reverse=True)
        assert lead_outcomes[0][0] == "ok"
        assert error_messages(lead_outcomes[1]) == ["You are not facilitating this session."]
        places = list(SessionFacilitator.objects.filter(session=session).order_by("role"))
        assert [(p.user_id, p.role, p.withdrawal_reason) for p in places] == [
            (facilitator.pk, FacilitatorRole.LEAD, "Ill"),
            (facilitator2.pk, FacilitatorRole.SUPPORT, "Car broke down"),
        ]
        assert all(p.withdrawn_at is not None for p in places)

        # the session is at risk, and shows so to the organisation admin
        assert selectors.is_at_risk(annotated(session))
        assert session.pk in [s.pk for s in selectors.at_risk_sessions(user=User.objects.get(pk=org_admin.pk))]

        # a third attempt by the same person is refused plainly
        with pytest.raises(ValidationError) as exc:
            services.facilitator_withdraw(session=session, user=facilitator2, acting_user=facilitator2)
        assert exc.value.messages == ["You are not facilitating this session."]


# (b) --------------------------------------------------------------------------------------------------------


def test_publishing_while_the_only_support_withdraws(make_session, facilitator, facilitator2):
    seen = set()
    for _ in range(ROUNDS):
        draft = make_session(publish=False)

        publish, withdraw = run_together(
            lambda s=draft: services.session_publish(session=s, acting_user=facilitator),
            lambda s=draft: services.facilitator_withdraw(session=s, user=facilitator2, acting_user=facilitator2),
        )

        assert withdraw[0] == "ok", withdraw
        draft.refresh_from_db()
        support = SessionFacilitator.objects.get(session=draft, user=facilitator2)
        assert support.withdrawn_at is not None
        if draft.status == Session.Status.PUBLISHED:
            # published first, while the rule held; the withdrawal came after
            seen.add("published first")
            assert publish[0] == "ok", publish
            assert draft.published_at is not None
            assert support.withdrawn_at > draft.published_at
            assert selectors.is_at_risk(annotated(draft))
        else:
            # the withdrawal came first, so publishing was refused and nothing was published
            seen.add("withdrawn first")
            assert draft.status == Session.Status.DRAFT
            assert draft.published_at is None
            assert error_messages(publish) == [
                "Every session needs two facilitators: one to lead and one to support.",
                "There is no support facilitator.",
            ]
    # never a third state
    assert seen <= {"published first", "withdrawn first"}


# (c) --------------------------------------------------------------------------------------------------------


def test_two_people_taking_the_last_place_at_the_same_moment(make_session, add_members, parent, professional):
    [filler] = add_members(1, prefix="Early")
    for _ in range(ROUNDS):
        session = make_session(capacity=2)
        services.rsvp_answer(session=session, user=filler, answer=Answer.YES)

        outcomes = run_together(
            lambda s=session: services.rsvp_answer(session=s, user=parent, answer=Answer.YES),
            lambda s=session: services.rsvp_answer(session=s, user=professional, answer=Answer.YES),
        )

        assert [o[0] for o in outcomes] == ["ok", "ok"], outcomes
        results = [o[1] for o in outcomes]
        assert sorted(r.got_place for r in results) == [False, True]
        assert sorted(r.waitlisted for r in results) == [False, True]
        rsvps = Rsvp.objects.filter(session=session, user__in=[parent, professional])
        assert sorted(r.has_place for r in rsvps) == [False, True]
        assert sorted(r.is_waitlisted for r in rsvps) == [False, True]
        counts = annotated(session)
        assert (counts.places_taken, counts.waiting) == (2, 1)


# (d) --------------------------------------------------------------------------------------------------------


def test_ten_people_answering_yes_at_once_to_three_places(make_session, add_members):
    people = add_members(10)
    session = make_session(capacity=3)

    outcomes = run_together(
        *[lambda p=p: services.rsvp_answer(session=session, user=p, answer=Answer.YES) for p in people]
    )

    # exactly three places taken, seven waiting
    assert [o[0] for o in outcomes] == ["ok"] * 10, outcomes
    assert sum(o[1].got_place for o in outcomes) == 3
    assert sum(o[1].waitlisted for o in outcomes) == 7
    rsvps = list(Rsvp.objects.filter(session=session))
    holders = [r for r in rsvps if r.has_place]
    waiting = sorted((r for r in rsvps if r.is_waitlisted), key=lambda r: r.waitlisted_at)
    assert (len(holders), len(waiting)) == (3, 7)
    counts = annotated(session)
    assert (counts.places_taken, counts.waiting) == (3, 7)
    # the answers were taken one after another: the places went to the first three, and every waiting time is
    # distinct and later than every place-holder's answer
    assert len({r.waitlisted_at for r in waiting}) == 7
    assert max(r.answered_at for r in holders) < waiting[0].waitlisted_at

    # when places come free one by one, they go in waiting-list order
    for i, holder in enumerate(holders):
        services.rsvp_answer(session=session, user=holder.user, answer=Answer.NO)
        promoted = Rsvp.objects.get(pk=waiting[i].pk)
        assert promoted.has_place, f"place {i + 1} should have gone to the person waiting longest"
        assert all(Rsvp.objects.get(pk=w.pk).is_waitlisted for w in waiting[i + 1 :])
    assert annotated(session).places_taken == 3
