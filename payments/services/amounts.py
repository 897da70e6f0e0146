"""What a claim pays, and the benefits amounts: the sums every part of payments agrees on.

- A claim's **participation** is its participation line (unless refused), or less when the person asked for less,
  and nothing when they chose not to be paid. A gift to the charity is paid (to the charity), but not to them.
- Its **expenses** are its childcare, travel and other lines that were not refused. Expenses are repaid even to
  a person who chose not to be paid, and never count towards the benefits amounts.
- A **shopping voucher** is a payment in kind, which is one of the ways a person near the benefits amounts may
  choose (with taking less or not being paid): it does not count towards them, and choosing it needs no
  benefits question.
- The **tax year** runs from 6 April to 5 April (what benefits and tax advisers ask about); a week runs Monday
  to Sunday.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils import timezone

from ..models import EXPENSE_KINDS, Claim, ClaimState, LineKind, LineStatus, Method


@dataclass(frozen=True)
class ClaimAmounts:
    participation_pence: int  # what the person (or their charity) is paid for their time
    expenses_pence: int  # costs repaid

    @property
    def total_pence(self) -> int:
        return self.participation_pence + self.expenses_pence


def claim_amounts(claim: Claim, lines=None) -> ClaimAmounts:
    """The claim's amounts from its lines (pass `lines` already loaded to avoid a query)."""
    lines = list(claim.lines.all()) if lines is None else list(lines)
    live = [line for line in lines if line.status != LineStatus.REJECTED]
    participation = sum(line.amount_pence for line in live if line.kind == LineKind.PARTICIPATION)
    expenses = sum(line.amount_pence for line in live if line.kind in EXPENSE_KINDS)
    if claim.method == Method.NONE:
        participation = 0
    elif claim.participation_requested_pence is not None:
        participation = min(participation, claim.participation_requested_pence)
    return ClaimAmounts(participation_pence=participation, expenses_pence=expenses)


def tax_year_of(day: date) -> int:
    """The year the tax year holding `day` starts in: 5 April 2027 -> 2026, 6 April 2027 -> 2027."""
    return day.year if (day.month, day.day) >= (4, 6) else day.year - 1


def tax_year_bounds(start_year: int) -> tuple[date, date]:
    """6 April of `start_year` to 5 April of the next year, both included."""
    return date(start_year, 4, 6), date(start_year + 1, 4, 5)


def week_bounds(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=6)


# Choices whose participation is not the person's income for the benefits amounts.
NOT_INCOME = (Method.NONE, Method.CHARITY, Method.VOUCHER)

# Claims whose participation counts towards the benefits amounts: approved or paid (money on its way or sent),
# and waiting for approval (the money the person expects).
COUNTING_STATES = (ClaimState.SUBMITTED, ClaimState.APPROVED, ClaimState.PAID)


def participation_between(*, person, organisation_id: int, first: date, last: date, exclude_claim_id=None) -> int:
    """The person's participation pence (not expenses) from the organisation, for sessions from `first` to
    `last`, in claims submitted, approved or paid, leaving out charity gifts, vouchers and "no payment".
    Computed from the lines in one query: each claim's participation line, less what they asked to take."""
    claims = (
        Claim.objects.filter(
            claimant=person,
            organisation_id=organisation_id,
            state__in=COUNTING_STATES,
            session__starts_at__date__gte=first,
            session__starts_at__date__lte=last,
        )
        .exclude(method__in=NOT_INCOME)
        .annotate(
            line_pence=Sum(
                "lines__amount_pence",
                filter=Q(lines__kind=LineKind.PARTICIPATION) & ~Q(lines__status=LineStatus.REJECTED),
            )
        )
    )
    if exclude_claim_id is not None:
        claims = claims.exclude(pk=exclude_claim_id)
    total = 0
    for line_pence, requested in claims.values_list("line_pence", "participation_requested_pence"):
        line_pence = line_pence or 0
        total += min(line_pence, requested) if requested is not None else line_pence
    return total


@dataclass(frozen=True)
class BenefitsCheck:
    week_pence: int  # participation in the week of the session, with this claim
    year_pence: int  # and in its tax year
    weekly_limit_pence: int
    yearly_limit_pence: int

    @property
    def crosses(self) -> str:
        """ "weekly", "yearly" or "" (within both)."""
        if self.week_pence > self.weekly_limit_pence:
            return "weekly"
        if self.year_pence > self.yearly_limit_pence:
            return "yearly"
        return ""

    @property
    def near(self) -> bool:
        """Within 80% of either amount: "My payments" says so gently before it happens."""
        return self.week_pence * 5 >= self.weekly_limit_pence * 4 or self.year_pence * 5 >= self.yearly_limit_pence * 4


def benefits_check(*, claim: Claim, participation_pence: int | None = None) -> BenefitsCheck:
    """Where the claim would take the person against the policy's benefits amounts (its week and tax year).
    `participation_pence` is what this claim would pay for their time (by default, what it pays now)."""
    day = timezone.localdate(claim.session.starts_at)
    if participation_pence is None:
        participation_pence = 0 if claim.method in NOT_INCOME else claim_amounts(claim).participation_pence
    week_first, week_last = week_bounds(day)
    year_first, year_last = tax_year_bounds(tax_year_of(day))
    common = {"person": claim.claimant, "organisation_id": claim.organisation_id, "exclude_claim_id": claim.pk}
    week = participation_between(first=week_first, last=week_last, **common)
    year = participation_between(first=year_first, last=year_last, **common)
    return BenefitsCheck(
        week_pence=week + participation_pence,
        year_pence=year + participation_pence,
        weekly_limit_pence=claim.policy.benefits_weekly_pence,
        yearly_limit_pence=claim.policy.benefits_yearly_pence,
    )


def receives_benefits(*, person, organisation_id: int) -> bool:
    from ..models import PaymentPreference

    return PaymentPreference.objects.filter(
        person=person, organisation_id=organisation_id, receives_benefits=True
    ).exists()


def needs_benefits_choice(*, claim: Claim) -> str:
    """ "weekly"/"yearly" when the claim would pass a benefits amount for a person who said they receive
    benefits and has not yet made their choice for this claim (the payment waits for it); "" otherwise."""
    if claim.benefits_acknowledged or claim.method in NOT_INCOME:
        return ""
    if not receives_benefits(person=claim.claimant, organisation_id=claim.organisation_id):
        return ""
    return benefits_check(claim=claim).crosses
