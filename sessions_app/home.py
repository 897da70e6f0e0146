"""Sections that sessions_app adds to the home page and to group pages (see core.extensions)."""

from datetime import timedelta

from django.urls import reverse

from core import extensions
from groups.permissions import R, has_perm, orgs_with_role, standing

from . import governance_selectors, selectors

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
            today=selectors.sessions_today_run_by(user=user, limit=SHOWN),
            overdue_follow_ups=selectors.overdue_follow_ups(user=user, limit=SHOWN),
            drafts=selectors.drafts_managed(user=user, limit=SHOWN),
            to_decide=selectors.support_to_decide(user=user, limit=SHOWN),
            at_risk=at_risk[:SHOWN],
            more_at_risk=len(at_risk) > SHOWN,
            overdue_debriefs=list(selectors.overdue_debriefs(user=user)[:SHOWN]),
            pending_support=selectors.support_queue(user=user).count(),
            open_follow_ups=selectors.follow_up_queue(user=user).count(),
            manages=True,
        )
    return context


# --- a section for each staff role, built around its job (a person with several roles sees several) -------


@extensions.home_sections.register
def governance_home(*, request):
    """Governance leads: meetings in the next 14 days at risk of missing their parent quorum, each with one
    button to remind the parents who have not answered."""
    if not orgs_with_role(request.user, R.GOVERNANCE_LEAD):
        return None
    return {
        "template": "sessions_app/home/governance.html",
        "meetings": governance_selectors.meetings_at_risk(user=request.user, limit=SHOWN),
    }


@extensions.home_sections.register
def safeguarding_home(*, request):
    """Safeguarding leads: overdue follow-ups across the organisation, escalated ones first, and who left a
    session feeling low in the last two weeks."""
    if not orgs_with_role(request.user, R.SAFEGUARDING_LEAD):
        return None
    return {
        "template": "sessions_app/home/safeguarding.html",
        "follow_ups": selectors.escalated_follow_ups(user=request.user, limit=SHOWN),
        "low_checkouts": selectors.low_checkouts(user=request.user, limit=SHOWN),
        "escalate_after_days": selectors.ESCALATE_AFTER.days,
    }


@extensions.home_sections.register
def finance_home(*, request):
    """Finance officers: approved support to pay, the most recently approved first."""
    if not orgs_with_role(request.user, R.FINANCE_OFFICER):
        return None
    return {
        "template": "sessions_app/home/finance.html",
        "to_pay": selectors.support_to_pay(user=request.user, limit=SHOWN),
        # the queue's approved tab is for those who decide; finance officers have the list here
        "can_open_queue": bool(selectors.managed_group_ids(request.user)),
    }


@extensions.home_sections.register
def admin_home(*, request):
    """Organisation admins: staff without two-step sign-in, invitations, groups short of facilitators."""
    work = selectors.admin_work(user=request.user, limit=SHOWN)
    if work is None:
        return None
    return {"template": "sessions_app/home/admin.html", "work": work}


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
