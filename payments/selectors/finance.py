"""The finance officer's home: what waits for them in one organisation, oldest first, in a fixed number of
queries however many claims there are (each list is bounded; the counts come from one aggregate)."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Prefetch, Q
from django.utils import timezone

from core.working_days import working_days_between

from ..models import Claim, ClaimLine, ClaimState, PaymentRun, RunState
from ..services.amounts import claim_amounts

SHOWN = 50  # each list shows the oldest 50; the rest is counted ("and 12 more")


def working_days_waited(first: date, last: date) -> int:
    """Working days after `first` up to `last` (weekdays that are not bank holidays)."""
    return working_days_between(first, last)


@dataclass
class WaitingClaim:
    claim: Claim
    session_day: date
    waited: int  # working days since the session
    target: int  # the policy's target, in working days
    total_pence: int

    @property
    def overdue(self) -> bool:
        return self.waited > self.target


@dataclass
class WaitingList:
    key: str
    title: str
    hint: str
    rows: list[WaitingClaim] = field(default_factory=list)
    total: int = 0

    @property
    def more(self) -> int:
        return max(0, self.total - len(self.rows))


# The three lists, in the order the page shows them: (key, title, hint, filter).
LISTS = (
    (
        "ready",
        "Ready to approve",
        "The person has checked their claim and a facilitator has confirmed they were there.",
        Q(state=ClaimState.SUBMITTED, attendance_confirmed_by__isnull=False),
    ),
    (
        "to_pay",
        "Approved, not yet in a payment run",
        "Add these to a payment run to pay them.",
        Q(state=ClaimState.APPROVED, run__isnull=True),
    ),
    (
        "attendance",
        "Waiting for a facilitator",
        "The person has checked their claim; a facilitator of the session still has to confirm they were there.",
        Q(state=ClaimState.SUBMITTED, attendance_confirmed_by__isnull=True),
    ),
)


def waiting_counts(*, organisation_id: int) -> dict[str, int]:
    """How many claims are in each list (one query)."""
    aggregates = {key: Count("pk", filter=condition) for key, _, _, condition in LISTS}
    return Claim.objects.filter(organisation_id=organisation_id).aggregate(**aggregates)


def waiting_lists(*, organisation_id: int, today: date | None = None, limit: int = SHOWN) -> list[WaitingList]:
    """Claims waiting for the organisation's finance officers, each list oldest session first, with how long
    it has waited in working days against the policy's target. 1 query for the counts, and 2 per list (the
    claims, their lines)."""
    today = today or timezone.localdate()
    counts = waiting_counts(organisation_id=organisation_id)
    lists = []
    for key, title, hint, condition in LISTS:
        claims = (
            Claim.objects.filter(condition, organisation_id=organisation_id)
            .select_related("claimant", "session", "session__group", "policy")
            .prefetch_related(Prefetch("lines", queryset=ClaimLine.objects.order_by("pk")))
            .order_by("session__starts_at", "pk")[:limit]
            if counts[key]
            else []
        )
        rows = []
        for claim in claims:
            day = timezone.localdate(claim.session.starts_at)
            rows.append(
                WaitingClaim(
                    claim=claim,
                    session_day=day,
                    waited=working_days_waited(day, today),
                    target=claim.policy.target_working_days,
                    total_pence=claim_amounts(claim, lines=claim.lines.all()).total_pence,
                )
            )
        lists.append(WaitingList(key=key, title=title, hint=hint, rows=rows, total=counts[key]))
    return lists


def open_runs(*, organisation_id: int, limit: int = 20):
    """Runs being prepared (not yet paid), newest first, each with how many claims and how much (one query)."""
    return list(
        PaymentRun.objects.filter(organisation_id=organisation_id, state=RunState.OPEN)
        .select_related("created_by")
        .annotate(claim_count=Count("claims", distinct=True))
        .order_by("-created_at", "-pk")[:limit]
    )
