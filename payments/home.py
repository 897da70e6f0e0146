"""payments' sections of the home page and its menu items (core.extensions.home_sections, nav_items).

- A person with claims to check (made, or waiting for their choice) sees "Payments: N to check" (one query).
- A finance officer sees, for each organisation they pay for, how many claims wait and how long the oldest has
  waited (one query for all their organisations).
- The menu: "My payments" for a member of any group (they are the people who are paid: no query, from the
  standing already loaded) and for a former member who has a claim or bank details (one query, only for
  people with no membership and no staff role); "Finance" for finance officers (no query).
"""

from django.contrib.auth import get_user_model
from django.db.models import Count, Exists, Min, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from core import extensions
from groups.models import Membership
from groups.permissions import R, orgs_with_role, standing

from .models import BankDetails, Claim, ClaimState
from .selectors.finance import working_days_waited

TO_CHECK_STATES = (ClaimState.MADE, ClaimState.ON_HOLD)


def claims_to_check(user) -> int:
    return Claim.objects.filter(claimant_id=user.pk, state__in=TO_CHECK_STATES).count()


def finance_waiting(user, *, today=None) -> list[dict]:
    """For each organisation the person is a finance officer of, with claims waiting: its name, how many wait
    (submitted, or approved and not in a run) and the working days the oldest has waited. One query."""
    org_ids = sorted(orgs_with_role(user, R.FINANCE_OFFICER))
    if not org_ids:
        return []
    today = today or timezone.localdate()
    rows = (
        Claim.objects.filter(
            Q(state=ClaimState.SUBMITTED) | Q(state=ClaimState.APPROVED, run__isnull=True),
            organisation_id__in=org_ids,
        )
        .values("organisation_id", "organisation__name")
        .annotate(n=Count("pk"), oldest=Min("session__starts_at"))
        .order_by("organisation__name", "organisation_id")
    )
    return [
        {
            "organisation_id": r["organisation_id"],
            "organisation_name": r["organisation__name"],
            "count": r["n"],
            "oldest_days": working_days_waited(timezone.localdate(r["oldest"]), today),
            "url": reverse("payments:finance", args=[r["organisation_id"]]),
        }
        for r in rows
    ]


@extensions.home_sections.register
def payments_to_check(*, request):
    """ "Payments: 2 to check", linking to "My payments". Claims are made only for lived-experience (parent)
    members, so nobody else's home page asks (no query for staff and professionals)."""
    held = standing(request.user)
    is_parent = any(m.role == Membership.Role.PARENT for m in held.memberships.values())
    if not is_parent and (held.memberships or held.roles):
        return None
    n = claims_to_check(request.user)
    if not n:
        return None
    return {"template": "payments/home/to_check.html", "count": n, "url": reverse("payments:mine")}


@extensions.home_sections.register
def finance_claims_waiting(*, request):
    """Finance officers: "5 claims waiting, oldest 3 working days", linking to the finance home."""
    if not orgs_with_role(request.user, R.FINANCE_OFFICER):
        return None
    return {"template": "payments/home/finance.html", "waiting": finance_waiting(request.user)}


def has_payments(user) -> bool:
    """Whether "My payments" is worth showing. A parent (lived-experience) member of a group: yes; professionals,
    facilitators and staff: no (claims are for lived experience, and staff of an organisation are never paid by
    its claims): both from the standing every page loads anyway, so no query. Anyone else (a former member):
    whether they have a claim or bank details, in one query."""
    held = standing(user)
    if any(m.role == Membership.Role.PARENT for m in held.memberships.values()):
        return True
    if held.memberships or held.roles:
        return False
    cached = getattr(user, "_payments_has_any", None)
    if cached is None:
        User = get_user_model()
        cached = (
            User.objects.filter(pk=user.pk)
            .filter(
                Exists(Claim.objects.filter(claimant_id=OuterRef("pk")))
                | Exists(BankDetails.objects.filter(person_id=OuterRef("pk")))
            )
            .exists()
        )
        user._payments_has_any = cached
    return cached


@extensions.nav_items.register
def menu(*, request):
    user = request.user
    items = []
    if has_payments(user):
        items.append(("My payments", reverse("payments:mine")))
    finance = sorted(orgs_with_role(user, R.FINANCE_OFFICER))
    if finance:
        items.append(("Finance", reverse("payments:finance", args=[finance[0]])))
    return items
