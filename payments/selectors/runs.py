"""Reads for payment runs: a claim's amounts worked out by the database, a run's totals, the claims waiting to be
gathered, and the lists on the finance officer's run pages. Every list is bounded or paginated, and no page runs
a query per row.

`with_amounts` is `services.amounts.claim_amounts` in SQL (the tests hold the two to the same answers): the
participation line unless refused, capped by what the person asked to take, nothing when they chose not to be
paid; and the childcare, travel and other lines not refused.
"""

from django.db.models import Case, Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, Least

from groups.permissions import visible
from groups.selectors import page_of

from ..models import EXPENSE_KINDS, Claim, ClaimLine, ClaimState, LineKind, LineStatus, Method, Payment, PaymentRun

# Methods in the order the pages and the exports list them. "none" is there because a person who chose not to
# be paid for their time is still repaid their costs.
METHOD_ORDER = [Method.BANK, Method.VOUCHER, Method.CASH, Method.CHARITY, Method.NONE]
RUN_CLAIMS_PAGE_SIZE = 100
RUNS_PAGE_SIZE = 20
OPEN_RUNS_SHOWN = 50


def with_amounts(claims: QuerySet) -> QuerySet:
    """The claims, each annotated with `participation_amount` and `expenses_amount` (whole pence)."""
    live = ClaimLine.objects.exclude(status=LineStatus.REJECTED)
    participation_line = Subquery(
        live.filter(claim=OuterRef("pk"), kind=LineKind.PARTICIPATION).order_by().values("amount_pence")[:1],
        output_field=IntegerField(),
    )
    expenses = Subquery(
        live.filter(claim=OuterRef("pk"), kind__in=EXPENSE_KINDS)
        .order_by()
        .values("claim")
        .annotate(total=Sum("amount_pence"))
        .values("total"),
        output_field=IntegerField(),
    )
    return claims.annotate(
        _participation_line=Coalesce(participation_line, Value(0)),
        expenses_amount=Coalesce(expenses, Value(0)),
    ).annotate(
        participation_amount=Case(
            When(method=Method.NONE, then=Value(0)),
            When(
                participation_requested_pence__isnull=False,
                then=Least(F("_participation_line"), F("participation_requested_pence")),
            ),
            default=F("_participation_line"),
            output_field=IntegerField(),
        )
    )


def _empty_line() -> dict:
    return {"count": 0, "participation_pence": 0, "expenses_pence": 0, "total_pence": 0}


def _totals_from(rows) -> dict:
    """{"by_method": {method: line}, "grand": line, "methods": [line with method and label, in order]}, from
    (method, count, participation, expenses) rows."""
    by_method = {m.value: _empty_line() for m in METHOD_ORDER}
    grand = _empty_line()
    for method, count, participation, expenses in rows:
        line = by_method.setdefault(method, _empty_line())
        participation, expenses = participation or 0, expenses or 0
        for target in (line, grand):
            target["count"] += count
            target["participation_pence"] += participation
            target["expenses_pence"] += expenses
            target["total_pence"] += participation + expenses
    methods = [
        {"method": m.value, "label": m.label, **by_method[m.value]}
        for m in METHOD_ORDER
        if by_method[m.value]["count"] or m != Method.NONE
    ]
    return {"by_method": by_method, "grand": grand, "methods": methods}


def run_claims(run: PaymentRun) -> QuerySet:
    """The claims a run pays: an open run's approved claims (what marking it paid will pay)."""
    return Claim.objects.filter(run=run, state=ClaimState.APPROVED)


def run_totals(run: PaymentRun) -> dict:
    """Count, participation, expenses and total per method, and for the whole run, in one query whatever the
    run's size: a paid run's from its payments (what was sent), an open run's from its approved claims (what
    marking it paid will send)."""
    if run.state == PaymentRun.State.PAID:
        rows = (
            Payment.objects.filter(run=run)
            .order_by()
            .values("method")
            .annotate(n=Count("pk"), p=Sum("participation_pence"), e=Sum("expenses_pence"))
            .values_list("method", "n", "p", "e")
        )
    else:
        rows = (
            with_amounts(run_claims(run))
            .order_by()
            .values("method")
            .annotate(n=Count("pk"), p=Sum("participation_amount"), e=Sum("expenses_amount"))
            .values_list("method", "n", "p", "e")
        )
    return _totals_from(rows)


def claims_waiting(*, organisation, acting_user=None) -> QuerySet:
    """The organisation's approved claims not yet in a run. A finance officer's own claims are left for
    another finance officer to gather (they could not mark a run holding them as paid)."""
    claims = Claim.objects.filter(organisation=organisation, state=ClaimState.APPROVED, run__isnull=True)
    if acting_user is not None:
        claims = claims.exclude(claimant_id=acting_user.pk)
    return claims


def claims_waiting_totals(*, organisation, acting_user=None) -> dict:
    """What gathering would put in a new run, per method and in all (one query)."""
    rows = (
        with_amounts(claims_waiting(organisation=organisation, acting_user=acting_user))
        .order_by()
        .values("method")
        .annotate(n=Count("pk"), p=Sum("participation_amount"), e=Sum("expenses_amount"))
        .values_list("method", "n", "p", "e")
    )
    return _totals_from(rows)


def own_claims_waiting_count(*, organisation, acting_user) -> int:
    return Claim.objects.filter(
        organisation=organisation, state=ClaimState.APPROVED, run__isnull=True, claimant_id=acting_user.pk
    ).count()


def _runs(user, organisation) -> QuerySet:
    return (
        visible(user, "payments.run", PaymentRun.objects.filter(organisation=organisation))
        .select_related("created_by", "paid_by")
        .annotate(claim_count=Count("claims"))
        .order_by("-created_at", "-pk")
    )


def open_runs(*, user, organisation) -> list[PaymentRun]:
    """The organisation's open runs, newest first (a few at most: bounded)."""
    return list(_runs(user, organisation).filter(state=PaymentRun.State.OPEN)[:OPEN_RUNS_SHOWN])


def paid_runs_page(*, user, organisation, page):
    """One page of the organisation's paid runs, newest first."""
    return page_of(_runs(user, organisation).filter(state=PaymentRun.State.PAID), number=page, per_page=RUNS_PAGE_SIZE)


def run_claims_page(*, run: PaymentRun, page):
    """One page of the claims in a run (all of them, whatever their state, with their payment and reversal
    when paid), each with its amounts."""
    claims = with_amounts(Claim.objects.filter(run=run)).select_related("claimant", "session", "payment").order_by("pk")
    return page_of(claims, number=page, per_page=RUN_CLAIMS_PAGE_SIZE)


def run_people_in_it(*, run: PaymentRun, user) -> dict:
    """Whether the person holds a claim in the run, or prepared one (they may not mark it paid)."""
    claims = Claim.objects.filter(run=run, state=ClaimState.APPROVED)
    found = claims.aggregate(
        own=Count("pk", filter=Q(claimant_id=user.pk)), prepared=Count("pk", filter=Q(prepared_by_id=user.pk))
    )
    return {"own": found["own"], "prepared": found["prepared"]}


def bank_claims_without_details(run: PaymentRun) -> int:
    """How many bank-transfer claims in the (open) run belong to someone with no bank details on file."""
    return run_claims(run).filter(method=Method.BANK, claimant__bank_details__isnull=True).count()


def payment_for_reversal(*, payment_id: int):
    return Payment.objects.select_related("run", "claim", "claim__claimant", "claim__session", "reversal").get(
        pk=payment_id
    )
