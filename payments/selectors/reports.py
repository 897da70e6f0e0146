"""Reports for funders: what an organisation paid to people with lived experience, per group and per month.

Built from the ledger: Payment rows (what was sent), counted in the month they were paid, leaving out any
payment that was reversed (a reversal puts the whole payment right). Costs repaid are split by kind from the
claim's lines that were not refused; hours of involvement are the minutes of the participation lines of the
paid claims (counted even for a person who chose not to be paid for their time: they still took part).
Everything is summed in the database (GROUP BY group and month), in three queries whatever the size."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from ..models import ClaimLine, LineKind, LineStatus, Payment
from ..services.amounts import tax_year_bounds, tax_year_of

MAX_DAYS = 3 * 366  # a report covers at most three years


def default_range(today: date | None = None) -> tuple[date, date]:
    """This tax year so far: 6 April to 5 April."""
    return tax_year_bounds(tax_year_of(today or timezone.localdate()))


@dataclass
class ReportRow:
    group_id: int | None
    group_name: str
    month: date | None
    participation_pence: int = 0
    childcare_pence: int = 0
    travel_pence: int = 0
    other_pence: int = 0
    people: int = 0
    minutes: int = 0

    @property
    def expenses_pence(self) -> int:
        return self.childcare_pence + self.travel_pence + self.other_pence

    @property
    def total_pence(self) -> int:
        return self.participation_pence + self.expenses_pence

    @property
    def hours(self) -> str:
        """Minutes as hours with one decimal place: 90 -> "1.5"."""
        return f"{self.minutes / 60:.1f}"


@dataclass
class Report:
    first: date
    last: date
    rows: list[ReportRow] = field(default_factory=list)
    totals: ReportRow | None = None


def _payments(*, organisation_id: int, first: date, last: date):
    return Payment.objects.filter(
        run__organisation_id=organisation_id,
        reversal__isnull=True,
        paid_at__date__gte=first,
        paid_at__date__lte=last,
    )


def funders_report(*, organisation_id: int, first: date, last: date) -> Report:
    """The report for payments made from `first` to `last` (both included). Three queries."""
    payments = _payments(organisation_id=organisation_id, first=first, last=last)
    by_group_month = (
        payments.annotate(month=TruncMonth("paid_at"))
        .values("month", group_id=F("claim__session__group_id"), group_name=F("claim__session__group__name"))
        .annotate(participation=Sum("participation_pence"), people=Count("claim__claimant_id", distinct=True))
        .order_by()
    )
    rows: dict[tuple, ReportRow] = {}
    for r in by_group_month:
        month = timezone.localtime(r["month"]).date() if r["month"] else None
        rows[(r["group_id"], month)] = ReportRow(
            group_id=r["group_id"],
            group_name=r["group_name"],
            month=month,
            participation_pence=r["participation"] or 0,
            people=r["people"],
        )

    live = ~Q(status=LineStatus.REJECTED)
    lines = (
        ClaimLine.objects.filter(claim__payment__in=payments.values("pk"))
        .annotate(month=TruncMonth("claim__payment__paid_at"))
        .values("month", group_id=F("claim__session__group_id"))
        .annotate(
            childcare=Sum("amount_pence", filter=live & Q(kind=LineKind.CHILDCARE)),
            travel=Sum("amount_pence", filter=live & Q(kind=LineKind.TRAVEL)),
            other=Sum("amount_pence", filter=live & Q(kind=LineKind.OTHER)),
            minutes=Sum("minutes", filter=Q(kind=LineKind.PARTICIPATION)),
        )
        .order_by()
    )
    for r in lines:
        month = timezone.localtime(r["month"]).date() if r["month"] else None
        row = rows.get((r["group_id"], month))
        if row is None:  # pragma: no cover - every line here belongs to a payment counted above
            continue
        row.childcare_pence = r["childcare"] or 0
        row.travel_pence = r["travel"] or 0
        row.other_pence = r["other"] or 0
        row.minutes = r["minutes"] or 0

    ordered = sorted(rows.values(), key=lambda row: (row.group_name.casefold(), row.group_id or 0, row.month))
    totals = ReportRow(group_id=None, group_name="Total", month=None)
    for row in ordered:
        totals.participation_pence += row.participation_pence
        totals.childcare_pence += row.childcare_pence
        totals.travel_pence += row.travel_pence
        totals.other_pence += row.other_pence
        totals.minutes += row.minutes
    # A person paid in two months or by two groups is one person in the total.
    totals.people = payments.aggregate(n=Count("claim__claimant_id", distinct=True))["n"] if ordered else 0
    return Report(first=first, last=last, rows=ordered, totals=totals)
