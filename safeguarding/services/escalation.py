"""Follow-ups that do not slip. A follow-up (someone asked to talk, or left feeling low) should be closed within
two working days of being made. One still open after that is raised to the organisation's safeguarding leads,
once: a `FollowUpEscalation` row (unique per follow-up) and a "safeguarding.follow_up_overdue" message to each
lead, linking to the leads' concerns list, where `selectors.escalations.escalations_open` lists them.

Working days are Monday to Friday less the bank holidays of England and Wales (`holidays`, "GB" subdivision
"ENG"). The check runs every hour (`escalation_tasks.escalate_overdue_follow_ups`, CELERY_BEAT_SCHEDULE);
running it again finds its work done and sends nothing new."""

from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.working_days import add_working_days
from notifications.services import message_send
from sessions_app.models import FollowUp

from ..messaging import FOLLOW_UP_OVERDUE
from ..models import FollowUpEscalation
from .alerts import leads_of

WORKING_DAYS_TO_CLOSE = 2
JOB_LABEL = "job:escalate-follow-ups"
BATCH_LIMIT = 500  # per run; the next hourly run takes the rest
OPEN_LIST_LIMIT = 200


def escalation_due_at(created_at: datetime) -> datetime:
    """When a follow-up made at `created_at` becomes overdue: the same time of day (London), two working days
    after the day it was made. Made on Friday afternoon before a bank holiday Monday: due Wednesday afternoon."""
    local = timezone.localtime(created_at)
    day = add_working_days(local.date(), WORKING_DAYS_TO_CLOSE)
    return timezone.make_aware(datetime.combine(day, local.time().replace(tzinfo=None)))


def concerns_link(organisation_id: int) -> str:
    return reverse("safeguarding:concerns", args=[organisation_id])


def follow_up_escalate(*, follow_up_id: int, now: datetime | None = None) -> FollowUpEscalation | None:
    """Raises one follow-up to its organisation's safeguarding leads if it is still open and past its two
    working days, and was not raised before. Returns the new escalation, or None when there was nothing to do."""
    now = now or timezone.now()
    with transaction.atomic():
        follow_up = (
            FollowUp.objects.select_for_update(of=("self",))
            .select_related("session__group")
            .filter(pk=follow_up_id, closed_at__isnull=True)
            .first()
        )
        if follow_up is None or escalation_due_at(follow_up.created_at) > now:
            return None
        if FollowUpEscalation.objects.filter(follow_up_id=follow_up.pk).exists():
            return None
        organisation_id = follow_up.session.group.organisation_id
        escalation = FollowUpEscalation(follow_up=follow_up, raised_at=now)
        escalation.full_clean()
        escalation.save()
        leads = leads_of(organisation_id=organisation_id)
        link = concerns_link(organisation_id)
        for lead in leads:
            # Sensitive: the message says only that there is something to look at, with the link.
            message_send(
                kind=FOLLOW_UP_OVERDUE,
                key=f"{FOLLOW_UP_OVERDUE}:{follow_up.pk}",
                person=lead,
                link=link,
                organisation_id=organisation_id,
                now=now,
            )
        audit_record(
            action="follow_up.escalated",
            actor_label=JOB_LABEL,
            obj=escalation,
            organisation_id=organisation_id,
            data={"follow_up_id": follow_up.pk, "leads_told": len(leads)},
        )
        return escalation


def follow_ups_escalate(*, now: datetime | None = None) -> list[FollowUpEscalation]:
    """The hourly check: every open follow-up past its two working days and not yet raised is raised, each in
    its own transaction (one failure does not undo the others' messages). Idempotent."""
    now = now or timezone.now()
    # Two working days are at least two calendar days: an index-friendly bound before the exact rule.
    candidates = list(
        FollowUp.objects.filter(
            closed_at__isnull=True,
            created_at__lte=now - timedelta(days=WORKING_DAYS_TO_CLOSE),
            escalation__isnull=True,
        )
        .order_by("created_at")
        .values_list("pk", "created_at")[:BATCH_LIMIT]
    )
    raised = []
    for pk, created_at in candidates:
        if escalation_due_at(created_at) > now:
            continue
        escalation = follow_up_escalate(follow_up_id=pk, now=now)
        if escalation is not None:
            raised.append(escalation)
    return raised
