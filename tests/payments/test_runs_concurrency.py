"""Two finance officers at the same moment, on real PostgreSQL connections (two threads, a barrier): a run is
paid once, with one payment per claim, and a claim ends in one run only."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.models import AuditEvent
from groups.models import StaffRole
from payments.models import Claim, ClaimState, Payment, PaymentRun
from payments.services.runs import run_create, run_mark_paid
from tests.payments.factories import held_session
from tests.payments.test_runs_services import approved

pytestmark = pytest.mark.django_db(transaction=True)

CLAIMS = 6


@pytest.fixture
def setting(organisation, group_with_members, facilitator, facilitator2, finance_officer, make_user, grant):
    session = held_session(group_with_members, facilitator, facilitator2)
    for n in range(CLAIMS):
        approved(session, make_user(full_name=f"Parent {n}"), approver=finance_officer, confirmer=facilitator2)
    second = grant(make_user(full_name="Frank Finance"), organisation, StaffRole.Role.FINANCE_OFFICER)
    return [finance_officer, second]


def _at_once(work, people) -> list:
    """Runs `work(person)` for each person in its own thread, all released together; returns each outcome:
    what it returned, or the code of the ValidationError it raised."""
    barrier = threading.Barrier(len(people))
    outcomes = [None] * len(people)

    def run(index, person):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = work(person)
        except ValidationError as error:
            outcomes[index] = error.code
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(people)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def test_two_officers_marking_one_run_paid_at_once_pay_each_claim_once(organisation, setting):
    run = run_create(organisation=organisation, acting_user=setting[0])

    outcomes = _at_once(
        lambda officer: run_mark_paid(run=run, acting_user=officer, reference=f"REF-{officer.pk}").state, setting
    )

    assert sorted(outcomes) == ["already_paid", PaymentRun.State.PAID]
    assert Payment.objects.count() == CLAIMS
    assert Payment.objects.values("claim").distinct().count() == CLAIMS
    assert set(Claim.objects.values_list("state", flat=True)) == {ClaimState.PAID}
    winner = setting[outcomes.index(PaymentRun.State.PAID)]
    assert PaymentRun.objects.get(pk=run.pk).reference == f"REF-{winner.pk}"
    assert set(Payment.objects.values_list("paid_by", flat=True)) == {winner.pk}


def test_two_officers_gathering_at_once_put_each_claim_in_one_run(organisation, setting):
    outcomes = _at_once(lambda officer: run_create(organisation=organisation, acting_user=officer).pk, setting)

    made = [o for o in outcomes if isinstance(o, int)]
    assert made and all(o == "nothing_to_pay" for o in outcomes if not isinstance(o, int))
    assert Claim.objects.filter(run__isnull=True).count() == 0
    assert sum(PaymentRun.objects.get(pk=pk).claims.count() for pk in made) == CLAIMS
    assert PaymentRun.objects.count() == len(made)  # a gathering that found nothing left no empty run
    assert all(PaymentRun.objects.get(pk=pk).claims.exists() for pk in made)  # no claim moved out of a run
    gathered = AuditEvent.objects.filter(action="payment_run.created")
    assert sum(e.data["claims"] for e in gathered) == CLAIMS  # each claim gathered once
