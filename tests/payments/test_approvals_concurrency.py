"""Two finance officers approving the same claim at the same moment, on real PostgreSQL with two threads: exactly
one approval, and the other is told the claim was already decided."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from core.models import AuditEvent
from groups.models import StaffRole
from payments.models import Claim, ClaimState
from payments.services.approvals import claim_approve
from tests.payments.factories import claim_at, held_session, make_claim


@pytest.mark.django_db(transaction=True)
def test_two_finance_officers_approving_at_once_make_one_approval(
    group_with_members, facilitator, facilitator2, parent, finance_officer, make_user, organisation, grant
):
    # given: committed data (each thread has its own connection)
    second_officer = grant(make_user(email="money2@example.test"), organisation, StaffRole.Role.FINANCE_OFFICER)
    session = held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 120)}, close=False)
    claim = claim_at(
        make_claim(session, parent, prepared_by=facilitator), ClaimState.SUBMITTED, attendance_by=facilitator2
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def approve(officer):
        try:
            barrier.wait(timeout=10)
            claim_approve(claim=claim, acting_user=officer)
            outcomes.append("approved")
        except ValidationError as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    # when
    threads = [threading.Thread(target=approve, args=(officer,)) for officer in (finance_officer, second_officer)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    # then
    assert sorted(outcomes) == ["already_decided", "approved"]
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.APPROVED
    assert AuditEvent.objects.filter(action="claim.approved", object_id=str(claim.pk)).count() == 1
