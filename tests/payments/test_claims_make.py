"""Making claims from a closed register (payments/services/claims.py), the receiver and the sweep."""

import threading
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.utils import timezone

from core.models import AuditEvent
from groups import services as group_services
from groups.models import Membership, StaffRole
from notifications.models import Message
from payments.models import Claim, ClaimLine, LineKind, PaymentPreference, TravelBasis
from payments.services.claims import claims_make_for_session, claims_sweep
from payments.services.policy import policy_update
from sessions_app.models import SupportRequest
from sessions_app.services import session_attendance_close
from tests.payments.factories import held_session, policy_for

pytestmark = pytest.mark.django_db

# Friday 27 November 2026, 10:00 to 12:00: two working days later is Tuesday 1 December.
FRIDAY = timezone.make_aware(datetime(2026, 11, 27, 10, 0))


@pytest.fixture
def second_parent(group_with_members, facilitator, make_user):
    person = make_user(email="parent2@example.test", full_name="Priya Parent")
    group_services.membership_add(
        group=group_with_members, user=person, role=Membership.Role.PARENT, acting_user=facilitator
    )
    return person


def approved(session, person, kind, pence, **fields):
    if kind == SupportRequest.Kind.CHILDCARE:
        fields.setdefault("children_count", 2)
    return SupportRequest.objects.create(
        session=session,
        user=person,
        kind=kind,
        status=SupportRequest.Status.APPROVED,
        approved_amount_pence=pence,
        decided_at=timezone.now(),
        **fields,
    )


def test_parents_who_came_get_a_claim_and_nobody_else(
    group_with_members, facilitator, facilitator2, parent, professional, second_parent
):
    # given a session where the parent, the professional and both facilitators came; the second parent did not
    session = held_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=FRIDAY,
        attendees={parent: (10, 100), professional: (0, 120), facilitator: (0, 120), facilitator2: (0, 120)},
        preparation_minutes=30,
        close=True,
    )
    # when
    made = claims_make_for_session(session_id=session.pk, acting_user_id=facilitator.pk)
    # then
    assert [c.claimant for c in made] == [parent]
    claim = Claim.objects.get()
    assert claim.claimant == parent and claim.organisation == group_with_members.organisation
    assert claim.prepared_by == facilitator  # who closed the register
    assert claim.due_on == datetime(2026, 12, 1).date()
    assert claim.method == "bank" and claim.state == "made"
    assert claim.policy.version == 1
    [line] = claim.lines.all()
    # 10 minutes late (within the grace) to 20 minutes early (after it): 10:00-11:40 = 100, plus 30 preparation
    assert (line.kind, line.minutes, line.amount_pence) == (LineKind.PARTICIPATION, 130, 5625)
    assert line.description == "Your time: 2 hours 10 minutes, including 30 minutes preparation"
    event = AuditEvent.objects.get(action="claim.made")
    assert event.actor == facilitator and event.object_id == str(claim.pk)
    [message] = Message.objects.filter(kind="payments.claim_ready")
    assert message.person == parent and message.key == f"claim-ready:{claim.pk}"
    assert message.subject == "Please check your payment claim"
    assert "Thank you for coming to Planning the summer fun day." in message.body
    assert "£" not in message.body and "56" not in message.body


def test_staff_who_are_parent_members_get_nothing(group_with_members, facilitator, facilitator2, parent, grant):
    grant(parent, group_with_members.organisation, StaffRole.Role.FINANCE_OFFICER)
    session = held_session(
        group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)}
    )
    assert claims_make_for_session(session_id=session.pk, acting_user_id=None) == []


def test_a_parent_who_left_after_the_session_is_paid_and_one_who_left_before_is_not(
    group_with_members, facilitator, facilitator2, parent, second_parent
):
    session = held_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=FRIDAY,
        attendees={parent: (0, 120), second_parent: (0, 120)},
    )
    Membership.objects.filter(user__in=[parent, second_parent]).update(joined_at=FRIDAY - timedelta(days=9))
    Membership.objects.filter(user=parent).update(left_at=FRIDAY + timedelta(hours=1))
    Membership.objects.filter(user=second_parent).update(left_at=FRIDAY - timedelta(hours=1))
    made = claims_make_for_session(session_id=session.pk, acting_user_id=None)
    assert [c.claimant for c in made] == [parent]


def test_an_open_register_makes_nothing(group_with_members, facilitator, facilitator2, parent):
    session = held_session(
        group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)}, close=False
    )
    assert claims_make_for_session(session_id=session.pk, acting_user_id=None) == []


def test_approved_childcare_and_travel_become_lines(
    group_with_members, facilitator, facilitator2, parent, second_parent
):
    session = held_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=FRIDAY,
        attendees={parent: (0, 120), second_parent: (0, 120)},
    )
    childcare = approved(session, parent, SupportRequest.Kind.CHILDCARE, 1800)
    car = approved(session, parent, SupportRequest.Kind.TRAVEL, 450, travel_mode=SupportRequest.TravelMode.CAR)
    bus = approved(session, second_parent, SupportRequest.Kind.TRAVEL, None, travel_mode="public")
    # not lines: a pending request, an approved interpreter
    SupportRequest.objects.create(session=session, user=second_parent, kind="childcare", children_count=1)
    approved(session, second_parent, SupportRequest.Kind.INTERPRETER, None, language="Polish")

    claims_make_for_session(session_id=session.pk, acting_user_id=facilitator.pk)

    lines = {(line.claim.claimant_id, line.kind): line for line in ClaimLine.objects.select_related("claim")}
    assert set(lines) == {
        (parent.pk, "participation"),
        (parent.pk, "childcare"),
        (parent.pk, "travel"),
        (second_parent.pk, "participation"),
        (second_parent.pk, "travel"),
    }
    assert (lines[parent.pk, "childcare"].support_request, lines[parent.pk, "childcare"].amount_pence) == (
        childcare,
        1800,
    )
    assert (lines[parent.pk, "travel"].support_request, lines[parent.pk, "travel"].travel_basis) == (car, "mileage")
    assert lines[parent.pk, "travel"].amount_pence == 450
    travel = lines[second_parent.pk, "travel"]
    assert (travel.support_request, travel.travel_basis, travel.amount_pence) == (bus, TravelBasis.RECEIPT, 0)


def test_zero_rates_make_claims_only_for_costs(group_with_members, facilitator, facilitator2, parent, second_parent):
    policy_for(group_with_members.organisation, hourly_rate_pence=0, half_day_pence=0, full_day_pence=0)
    session = held_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=FRIDAY,
        attendees={parent: (0, 120), second_parent: (0, 120)},
    )
    approved(session, parent, SupportRequest.Kind.CHILDCARE, 1800)
    made = claims_make_for_session(session_id=session.pk, acting_user_id=None)
    assert [c.claimant for c in made] == [parent]
    assert [line.kind for line in made[0].lines.all()] == ["childcare"]
    assert AuditEvent.objects.get(action="claim.made").actor_label == "job:make-claims"


def test_the_chosen_way_to_be_paid_if_still_offered(
    group_with_members, facilitator, facilitator2, parent, second_parent
):
    organisation = group_with_members.organisation
    policy_for(organisation, methods=["voucher", "bank"])
    PaymentPreference.objects.create(organisation=organisation, person=parent, method="bank")
    PaymentPreference.objects.create(organisation=organisation, person=second_parent, method="cash")
    session = held_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=FRIDAY,
        attendees={parent: (0, 120), second_parent: (0, 120)},
    )
    claims_make_for_session(session_id=session.pk, acting_user_id=None)
    assert dict(Claim.objects.values_list("claimant_id", "method")) == {parent.pk: "bank", second_parent.pk: "voucher"}


def test_making_twice_makes_nothing_new(group_with_members, facilitator, facilitator2, parent):
    session = held_session(
        group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)}
    )
    assert len(claims_make_for_session(session_id=session.pk, acting_user_id=None)) == 1
    messages = Message.objects.filter(kind="payments.claim_ready").count()
    assert messages >= 1
    assert claims_make_for_session(session_id=session.pk, acting_user_id=None) == []
    assert Claim.objects.count() == 1 and ClaimLine.objects.count() == 1
    assert AuditEvent.objects.filter(action="claim.made").count() == 1
    assert Message.objects.filter(kind="payments.claim_ready").count() == messages


def test_a_claim_keeps_its_policy_version_after_the_policy_changes(
    group_with_members, facilitator, facilitator2, parent, org_admin
):
    organisation = group_with_members.organisation
    first = held_session(group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)})
    [old] = claims_make_for_session(session_id=first.pk, acting_user_id=None)
    policy_update(organisation=organisation, acting_user=org_admin, hourly_rate_pence=3000)
    later = held_session(
        group_with_members,
        facilitator,
        facilitator2,
        starts_at=FRIDAY + timedelta(hours=3),
        attendees={parent: (0, 120)},
        title="Looking back on the fun day",
    )
    [new] = claims_make_for_session(session_id=later.pk, acting_user_id=None)
    old = Claim.objects.select_related("policy").get(pk=old.pk)
    assert (old.policy.version, old.lines.get().amount_pence) == (1, 5000)
    assert (new.policy.version, new.lines.get().amount_pence) == (2, 6000)


# --- when: the receiver, the task and the sweep -------------------------------------------------------------


@pytest.fixture
def eager_celery():
    """The task runs in the test, at once (the test settings queue to a real Redis with no worker)."""
    from coprod.celery import app

    was = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = was


def test_closing_the_register_makes_the_claims(
    group_with_members, facilitator, facilitator2, parent, eager_celery, django_capture_on_commit_callbacks
):
    session = held_session(
        group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)}, close=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        session_attendance_close(session=session, acting_user=facilitator)
    claim = Claim.objects.get()
    assert (claim.claimant, claim.prepared_by) == (parent, facilitator)
    assert AuditEvent.objects.get(action="claim.made").actor == facilitator


def test_a_broker_that_is_down_fails_nothing_and_the_sweep_makes_the_claims(
    group_with_members, facilitator, facilitator2, parent, monkeypatch, django_capture_on_commit_callbacks
):
    def broker_down(task, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("notifications.services.broker_publish", broker_down)
    session = held_session(
        group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)}, close=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        session_attendance_close(session=session, acting_user=facilitator)
    assert not Claim.objects.exists()

    assert claims_sweep() == 1
    assert Claim.objects.get().claimant == parent
    assert claims_sweep() == 0  # exactly once


def test_the_sweep_leaves_registers_closed_long_ago(group_with_members, facilitator, facilitator2, parent):
    session = held_session(
        group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)}
    )
    assert claims_sweep(now=session.attendance_closed_at + timedelta(days=15)) == 0
    assert claims_sweep(now=session.attendance_closed_at + timedelta(days=13)) == 1


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_make_one_claim_each(group_with_members, facilitator, facilitator2, parent, monkeypatch):
    # closing commits here, so the receiver would queue the task: the broker is not this test's subject
    monkeypatch.setattr("notifications.services.broker_publish", lambda task, **kwargs: None)
    session = held_session(
        group_with_members, facilitator, facilitator2, starts_at=FRIDAY, attendees={parent: (0, 120)}
    )
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            barrier.wait()
            results.append(len(claims_make_for_session(session_id=session.pk, acting_user_id=None)))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert sorted(results) == [0, 1]
    assert Claim.objects.count() == 1 and ClaimLine.objects.count() == 1


# --- the preparation time a session asks for (the session builder) -----------------------------------------


def test_the_session_builder_takes_preparation_minutes_from_0_to_600(group_with_members, facilitator, facilitator2):
    from django.core.exceptions import ValidationError

    from sessions_app.forms.scheduling import SessionForm
    from sessions_app.services import session_update

    for typed, error in (("", False), ("0", False), ("600", False), ("601", True), ("-1", True), ("half", True)):
        form = SessionForm({"preparation_minutes": typed}, group=group_with_members)
        form.is_valid()
        assert ("preparation_minutes" in form.errors) is error, typed
    assert "Preparation time you are asking people to spend, in minutes" in SessionForm(group=group_with_members).as_p()

    session = held_session(group_with_members, facilitator, facilitator2, starts_at=FRIDAY, preparation_minutes=45)
    assert session.preparation_minutes == 45
    session = session_update(session=session, acting_user=facilitator, preparation_minutes=None)
    assert session.preparation_minutes == 0
    with pytest.raises(ValidationError) as caught:
        session_update(session=session, acting_user=facilitator, preparation_minutes=601)
    assert caught.value.error_dict["preparation_minutes"][0].code == "preparation_minutes_range"
