"""Sections that sessions_app adds to the home page and to group pages (see core.extensions)."""

from datetime import timedelta

from django.urls import reverse

from core import extensions
from groups.permissions import R, has_perm, standing

from . import selectors

AT_RISK_WITHIN = timedelta(days=14)
SHOWN = 10  # each list on the home page is short; the pages behind its links have the rest


@extensions.home_sections.register
def my_sessions(*, request):
    """The person's next sessions; for those who manage groups, what needs them soon: sessions in the next
    14 days without two facilitators, overdue debriefs, and how many support requests and follow-ups wait.
    Every list is bounded, so the page costs the same however long the organisation's history."""
    user = request.user
    upcoming = selectors.upcoming_for_member(user=user, limit=SHOWN)
    managed = selectors.managed_group_ids(user)
    context = {"template": "sessions_app/home_section.html", "upcoming": upcoming}
    if managed:
        at_risk = selectors.at_risk_sessions(user=user, within=AT_RISK_WITHIN, limit=SHOWN + 1)
        context.update(
            at_risk=at_risk[:SHOWN],
            more_at_risk=len(at_risk) > SHOWN,
            overdue_debriefs=list(selectors.overdue_debriefs(user=user)[:SHOWN]),
            pending_support=selectors.support_queue(user=user).count(),
            open_follow_ups=selectors.follow_up_queue(user=user).count(),
            manages=True,
        )
    return context


@extensions.group_sections.register
def group_sessions(*, request, group):
    return {
        "template": "sessions_app/group_section.html",
        "can_schedule": has_perm(request.user, "group.manage", group),
    }


@extensions.nav_items.register
def menu(*, request):
    user = request.user
    items = [("Calendar", reverse("sessions_app:calendar"))]
    if selectors.managed_group_ids(user):
        items += [
            ("Support requests", reverse("sessions_app:support_queue")),
            ("Follow-ups", reverse("sessions_app:follow_ups")),
        ]
    roles = {r for roles in standing(user).roles.values() for r in roles}
    if roles & {R.GOVERNANCE_LEAD, R.ADMIN}:
        items.append(("Governance", reverse("sessions_app:governance")))
    return items
