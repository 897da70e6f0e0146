"""What the person a claim pays reads: "My payments" (owed, on the way, paid, this tax year), one claim's lines,
and the yearly statement. Every read is of the signed-in person's own claims and payments, in a fixed number of
queries whatever their history (the paid list is paginated)."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Sum
from django.utils import timezone

from groups.selectors import page_of

from ..models import Claim, ClaimLine, ClaimState, LineKind, Payment, PaymentPolicy, PaymentPreference, Reversal
from ..services.amounts import (
    BenefitsCheck,
    participation_between,
    tax_year_bounds,
    tax_year_of,
    week_bounds,
)

LIST_MAX = 50
PAID_PER_PAGE = 20
CLAIM_RELATED = ("session", "organisation", "policy")


# --- words -----------------------------------------------------------------------------------------------------


def short_date(value) -> str:
    """ "Tue 3 March" (the session's local date)."""
    if isinstance(value, datetime):
        value = timezone.localtime(value)
    return f"{value:%a} {value.day} {value:%B}"


def duration_text(minutes: int | None) -> str:
    """120 -> "2 hours"; 90 -> "1 hour 30 minutes"; 45 -> "45 minutes"."""
    minutes = int(minutes or 0)
    hours, rest = divmod(minutes, 60)
    parts = []
    if hours:
        parts.append(f"{hours} hour{'s' if hours != 1 else ''}")
    if rest or not hours:
        parts.append(f"{rest} minute{'s' if rest != 1 else ''}")
    return " ".join(parts)


def miles_text(miles_tenths: int | None) -> str:
    tenths = int(miles_tenths or 0)
    whole, rest = divmod(tenths, 10)
    return f"{whole} miles" if rest == 0 else f"{whole}.{rest} miles"


def session_words(session) -> str:
    return f"'{session.title}', {short_date(session.starts_at)}"


def line_text(line: ClaimLine, session) -> str:
    """What a line was for, in plain words: "Your time at 'Planning the fun day', Tue 3 March: 2 hours"."""
    where = session_words(session)
    if line.kind == LineKind.PARTICIPATION:
        return f"Your time at {where}: {duration_text(line.minutes)}"
    if line.kind == LineKind.CHILDCARE:
        return f"Childcare while you were at {where}"
    if line.kind == LineKind.TRAVEL:
        text = f"Travel to {where}"
        if line.travel_basis == "mileage" and line.miles_tenths:
            text += f": {miles_text(line.miles_tenths)} driven"
        return text
    return f"{line.description or 'Other costs'} for {where}"


# --- my payments -----------------------------------------------------------------------------------------------


def _my_claims(user, states):
    return (
        Claim.objects.filter(claimant_id=user.pk, state__in=list(states))
        .select_related(*CLAIM_RELATED)
        .prefetch_related("lines")
    )


def claims_owed(*, user) -> list[Claim]:
    """Waiting for the person: to check and confirm, or to choose (benefits). Soonest due first."""
    return list(_my_claims(user, (ClaimState.MADE, ClaimState.ON_HOLD)).order_by("due_on", "pk")[:LIST_MAX])


def claims_on_the_way(*, user) -> list[Claim]:
    """Confirmed, waiting for approval or approved and waiting to be paid."""
    return list(_my_claims(user, (ClaimState.SUBMITTED, ClaimState.APPROVED)).order_by("due_on", "pk")[:LIST_MAX])


def paid_page(*, user, number):
    """The person's payments, newest first, a page at a time (one query)."""
    queryset = (
        Payment.objects.filter(claim__claimant_id=user.pk)
        .select_related("claim", "claim__session", "claim__organisation", "reversal")
        .order_by("-paid_at", "-pk")
    )
    return page_of(queryset, number=number, per_page=PAID_PER_PAGE)


def tax_year_span(start_year: int) -> tuple[datetime, datetime]:
    """From the start of 6 April to the start of the next 6 April, local time (for an indexed range on
    `paid_at`)."""
    first, last = tax_year_bounds(start_year)
    return (
        timezone.make_aware(datetime.combine(first, time.min)),
        timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min)),
    )


@dataclass(frozen=True)
class YearTotals:
    start_year: int
    time_pence: int
    expenses_pence: int
    reversed_time_pence: int
    reversed_expenses_pence: int

    @property
    def first(self) -> date:
        return tax_year_bounds(self.start_year)[0]

    @property
    def last(self) -> date:
        return tax_year_bounds(self.start_year)[1]

    @property
    def net_time_pence(self) -> int:
        return self.time_pence - self.reversed_time_pence

    @property
    def net_expenses_pence(self) -> int:
        return self.expenses_pence - self.reversed_expenses_pence


def year_totals(*, user, start_year: int) -> YearTotals:
    """What the ledger says the person was paid in the tax year: payments for their time and repaid costs apart,
    less the reversals made in the year (two queries)."""
    start, end = tax_year_span(start_year)
    paid = Payment.objects.filter(claim__claimant_id=user.pk, paid_at__gte=start, paid_at__lt=end).aggregate(
        time=Sum("participation_pence"), expenses=Sum("expenses_pence")
    )
    reversed_ = Reversal.objects.filter(
        payment__claim__claimant_id=user.pk, reversed_at__gte=start, reversed_at__lt=end
    ).aggregate(time=Sum("payment__participation_pence"), expenses=Sum("payment__expenses_pence"))
    return YearTotals(
        start_year=start_year,
        time_pence=paid["time"] or 0,
        expenses_pence=paid["expenses"] or 0,
        reversed_time_pence=reversed_["time"] or 0,
        reversed_expenses_pence=reversed_["expenses"] or 0,
    )


def benefits_near(*, user, today: date | None = None) -> list[str]:
    """Names of the organisations whose payments for the person's time this week or tax year are close to the
    policy's benefits amounts, for a person who told that organisation they receive benefits (expenses never
    count). A fixed number of queries per such organisation (most people have one)."""
    today = today or timezone.localdate()
    prefs = list(
        PaymentPreference.objects.filter(person_id=user.pk, receives_benefits=True).select_related("organisation")
    )
    if not prefs:
        return []
    policies = {
        p.organisation_id: p
        for p in PaymentPolicy.objects.filter(organisation_id__in=[p.organisation_id for p in prefs])
        .order_by("organisation_id", "-version")
        .distinct("organisation_id")
    }
    week_first, week_last = week_bounds(today)
    year_first, year_last = tax_year_bounds(tax_year_of(today))
    near = []
    for pref in prefs:
        policy = policies.get(pref.organisation_id)
        if policy is None:
            continue
        common = {"person": user, "organisation_id": pref.organisation_id}
        check = BenefitsCheck(
            week_pence=participation_between(first=week_first, last=week_last, **common),
            year_pence=participation_between(first=year_first, last=year_last, **common),
            weekly_limit_pence=policy.benefits_weekly_pence,
            yearly_limit_pence=policy.benefits_yearly_pence,
        )
        if check.near:
            near.append(pref.organisation.name)
    return near


def organisations_of(*, user) -> list:
    """The organisations the person has claims from (for links to "how you would like to be paid")."""
    from groups.models import Organisation

    return list(Organisation.objects.filter(claims__claimant_id=user.pk).distinct().order_by("name")[:LIST_MAX])


# --- one claim -------------------------------------------------------------------------------------------------


def claim_lines(*, claim: Claim) -> list[ClaimLine]:
    """The claim's lines with their receipts (two queries), each with `text` in plain words."""
    lines = list(claim.lines.prefetch_related("receipts"))
    for line in lines:
        line.text = line_text(line, claim.session)
    return lines


# --- the statement ---------------------------------------------------------------------------------------------


@dataclass
class StatementRow:
    on: date
    what: str
    method: str
    time_pence: int
    expenses_pence: int
    is_reversal: bool = False


@dataclass
class StatementSection:
    organisation: object
    rows: list[StatementRow] = field(default_factory=list)

    @property
    def time_pence(self) -> int:
        return sum(r.time_pence for r in self.rows)

    @property
    def expenses_pence(self) -> int:
        return sum(r.expenses_pence for r in self.rows)


def statement(*, user, start_year: int) -> list[StatementSection]:
    """The person's payments in the tax year from 6 April `start_year`, one section per organisation, each
    payment a row and each reversal made in the year a row taking it back (two queries)."""
    start, end = tax_year_span(start_year)
    payments = (
        Payment.objects.filter(claim__claimant_id=user.pk, paid_at__gte=start, paid_at__lt=end)
        .select_related("claim__session", "claim__organisation")
        .order_by("paid_at", "pk")
    )
    reversals = (
        Reversal.objects.filter(payment__claim__claimant_id=user.pk, reversed_at__gte=start, reversed_at__lt=end)
        .select_related("payment__claim__session", "payment__claim__organisation")
        .order_by("reversed_at", "pk")
    )
    sections: dict[int, StatementSection] = {}
    entries = []
    for p in payments:
        entries.append((p.paid_at, p.claim.organisation, StatementRow(
            on=timezone.localdate(p.paid_at),
            what=f"Payment for {session_words(p.claim.session)}",
            method=p.get_method_display(),
            time_pence=p.participation_pence,
            expenses_pence=p.expenses_pence,
        )))  # fmt: skip
    for r in reversals:
        p = r.payment
        entries.append((r.reversed_at, p.claim.organisation, StatementRow(
            on=timezone.localdate(r.reversed_at),
            what=f"Reversed: the payment for {session_words(p.claim.session)}",
            method=p.get_method_display(),
            time_pence=-p.participation_pence,
            expenses_pence=-p.expenses_pence,
            is_reversal=True,
        )))  # fmt: skip
    entries.sort(key=lambda e: e[0])
    for _, organisation, row in entries:
        sections.setdefault(organisation.pk, StatementSection(organisation=organisation)).rows.append(row)
    return sorted(sections.values(), key=lambda s: s.organisation.name)
