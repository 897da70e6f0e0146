"""What a claim pays and where it takes a person against the benefits amounts (payments/services/amounts.py)."""

from datetime import date

import pytest

from payments.models import ClaimLine, ClaimState, LineKind, LineStatus, Method, PaymentPreference
from payments.services.amounts import (
    benefits_check,
    claim_amounts,
    needs_benefits_choice,
    tax_year_bounds,
    tax_year_of,
    week_bounds,
)
from tests.payments.factories import claim_at, held_session, make_claim, policy_for


def test_the_tax_year_starts_on_6_april():
    assert tax_year_of(date(2027, 4, 5)) == 2026
    assert tax_year_of(date(2027, 4, 6)) == 2027
    assert tax_year_bounds(2026) == (date(2026, 4, 6), date(2027, 4, 5))
    assert week_bounds(date(2026, 12, 2)) == (date(2026, 11, 30), date(2026, 12, 6))


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, parent):
    return held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 120)})


def test_participation_and_expenses_apart_and_a_refused_line_pays_nothing(session, parent):
    claim = make_claim(session, parent, participation_pence=5000, childcare_pence=1200, travel_pence=430)
    assert (claim_amounts(claim).participation_pence, claim_amounts(claim).expenses_pence) == (5000, 1630)
    claim.lines.filter(kind=LineKind.TRAVEL).update(status=LineStatus.REJECTED, rejection_reason="No ticket.")
    assert claim_amounts(claim).total_pence == 6200


def test_taking_less_and_choosing_not_to_be_paid_keep_the_expenses(session, parent):
    claim = make_claim(session, parent, participation_pence=5000, childcare_pence=1200)
    claim.participation_requested_pence = 2000
    assert claim_amounts(claim).total_pence == 3200
    claim.method = Method.NONE
    assert claim_amounts(claim).participation_pence == 0
    assert claim_amounts(claim).expenses_pence == 1200


def test_benefits_counts_time_not_expenses_in_the_week_and_tax_year(
    session, group_with_members, facilitator, facilitator2, parent, finance_officer, organisation
):
    policy = policy_for(organisation, benefits_weekly_pence=6000, benefits_yearly_pence=100000)
    earlier = make_claim(session, parent, policy=policy, participation_pence=4000, childcare_pence=9000)
    claim_at(earlier, ClaimState.APPROVED, attendance_by=facilitator2, approved_by=finance_officer)
    later = held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 60)}, title="Second")
    claim = make_claim(later, parent, policy=policy, participation_pence=2500)
    same_week = week_bounds(session.starts_at.date()) == week_bounds(later.starts_at.date())
    check = benefits_check(claim=claim)
    assert check.year_pence == 6500  # the 9,000 of childcare never counts
    assert check.week_pence == (6500 if same_week else 2500)
    assert check.crosses == ("weekly" if same_week else "")
    # Only for a person who said they receive benefits, and only until they have chosen.
    assert needs_benefits_choice(claim=claim) == ""
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    assert needs_benefits_choice(claim=claim) == ("weekly" if same_week else "")
    claim.benefits_acknowledged = True
    assert needs_benefits_choice(claim=claim) == ""


def test_a_charity_gift_does_not_count_towards_benefits(session, parent, organisation, facilitator2, finance_officer):
    policy = policy_for(organisation, benefits_weekly_pence=1000, charity_name="Home-Start")
    gift = make_claim(session, parent, policy=policy, participation_pence=5000, method=Method.CHARITY)
    claim_at(gift, ClaimState.APPROVED, attendance_by=facilitator2, approved_by=finance_officer)
    ClaimLine.objects.filter(claim=gift).update(amount_pence=5000)
    assert benefits_check(claim=gift).year_pence == 0
