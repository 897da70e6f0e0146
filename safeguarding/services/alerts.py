"""Alerting the safeguarding leads at once: a concern raised with someone at immediate risk, or a concern opened
in an emergency ("break glass").

- The alert is worked out by a task after the concern (or the grant) is saved (`alert_leads_after_commit`): the
  request never waits for it, and a broker that is down never loses it: `alerts_sweep` (every minute) finds
  what should have been alerted in the last day and was not.
- Each lead gets one `ImmediateRiskAlert` (its unique key: a retried or repeated task finds its work done) and
  the message by email, and by text to a phone they have confirmed. The message log's unique key means a lead
  is never sent the same alert twice; its own retries deliver it until it is sent.
- Texts are not held back by the organisation's quiet hours: someone may be in danger now.
- The messages are sensitive: they say only that there is something to look at now, with the link.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from groups.models import StaffRole, User
from notifications.models import Channel, Message
from notifications.services import broker_publish, message_send

from .. import messaging
from ..models import AccessGrant, Concern, GrantKind, ImmediateRiskAlert

log = logging.getLogger(__name__)

RAISED = "raised"
BREAK_GLASS = "break_glass"
KIND_FOR = {RAISED: messaging.URGENT_CONCERN, BREAK_GLASS: messaging.BREAK_GLASS}
SUBJECT_FOR = {
    RAISED: "Urgent: a safeguarding concern to look at now",
    BREAK_GLASS: "Urgent: a safeguarding record was opened in an emergency",
}
# How far back the sweep looks for alerts that were never sent (the broker was down).
SWEEP_WINDOW = timedelta(days=1)


def leads_of(*, organisation_id: int) -> list[User]:
    """The organisation's safeguarding leads now (people who have left are not alerted)."""
    return list(
        User.objects.filter(
            is_active=True,
            staff_roles__organisation_id=organisation_id,
            staff_roles__role=StaffRole.Role.SAFEGUARDING_LEAD,
        )
        .distinct()
        .order_by("full_name", "pk")
    )


def is_current_lead(*, user, organisation_id: int) -> bool:
    return (
        user.is_active
        and StaffRole.objects.filter(
            organisation_id=organisation_id, user=user, role=StaffRole.Role.SAFEGUARDING_LEAD
        ).exists()
    )


def alert_key(*, reason: str, concern_id: int, lead_id: int, grant_id: int | None = None) -> str:
    """The message log's key for one alert to one lead (one per break-glass grant: each opening is told)."""
    if reason == RAISED:
        return f"urgent-concern:{concern_id}:{lead_id}"
    return f"break-glass:{concern_id}:{lead_id}:{grant_id}"


def alert_leads_after_commit(*, concern_id: int, reason: str) -> None:
    """Queues `safeguarding.tasks.alert_leads` once the caller's transaction commits. With MESSAGE_DELIVERY
    "inline" (tests, a laptop without a worker) the alert is worked out then, in the same process."""
    if reason not in KIND_FOR:
        raise ValueError(f"alerts: unknown reason {reason!r}")
    if settings.MESSAGE_DELIVERY == "inline":
        transaction.on_commit(lambda: _alert_inline(concern_id, reason))
    else:
        transaction.on_commit(lambda: _publish(concern_id, reason))


def _alert_inline(concern_id: int, reason: str) -> None:
    try:
        concern_alert_leads(concern_id=concern_id, reason=reason)
    except Exception:  # noqa: BLE001 - the concern is saved; the sweep sends what could not be sent now
        log.warning("Could not alert the leads about concern %s now; the sweep will.", concern_id, exc_info=True)


def _publish(concern_id: int, reason: str) -> None:
    from ..tasks import alert_leads

    try:
        broker_publish(alert_leads, concern_id=concern_id, reason=reason)
    except Exception:  # noqa: BLE001 - any broker failure; the concern is safe in the database
        log.warning("Could not queue the alert for concern %s now; the sweep will send it.", concern_id)


def _send(*, reason: str, key: str, lead: User, link: str, organisation_id: int) -> int:
    kind, subject = KIND_FOR[reason], SUBJECT_FOR[reason]
    made = message_send(
        kind=kind,
        key=key,
        person=lead,
        link=link,
        subject=subject,
        organisation_id=organisation_id,
        channels=[Channel.EMAIL],
    )
    if lead.phone and lead.phone_confirmed_at:
        # No organisation on the text: it would be held until the end of the quiet hours.
        made += message_send(kind=kind, key=key, person=lead, link=link, subject=subject, channels=[Channel.TEXT])
    return len(made)


def _break_glass_grant_ids(concern_id: int, *, since: datetime) -> list[int]:
    return list(
        AccessGrant.objects.filter(concern_id=concern_id, kind=GrantKind.BREAK_GLASS, granted_at__gte=since)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def concern_alert_leads(*, concern_id: int, reason: str, now: datetime | None = None) -> int:
    """Alerts every current safeguarding lead of the concern's organisation: one ImmediateRiskAlert each and the
    message (email, and text to a confirmed phone). Safe to run again: what was done is found done. Returns how
    many messages were made now."""
    if reason not in KIND_FOR:
        raise ValueError(f"alerts: unknown reason {reason!r}")
    now = now or timezone.now()
    concern = Concern.objects.filter(pk=concern_id).first()
    if concern is None or (reason == RAISED and not concern.immediate_risk):
        return 0
    grant_ids: list[int | None] = [None]
    if reason == BREAK_GLASS:
        grant_ids = _break_glass_grant_ids(concern.pk, since=now - SWEEP_WINDOW)
        if not grant_ids:
            return 0
    link = concern.get_absolute_url()
    made = 0
    for lead in leads_of(organisation_id=concern.organisation_id):
        with transaction.atomic():
            ImmediateRiskAlert.objects.get_or_create(concern=concern, lead=lead, reason=reason)
            for grant_id in grant_ids:
                key = alert_key(reason=reason, concern_id=concern.pk, lead_id=lead.pk, grant_id=grant_id)
                made += _send(reason=reason, key=key, lead=lead, link=link, organisation_id=concern.organisation_id)
    return made


def alerts_sweep(*, now: datetime | None = None, alert=None) -> int:
    """Finds alerts of the last day that were never made (the broker was down when the concern was raised or
    opened in an emergency): immediate-risk concerns with a current lead lacking an alert, and break-glass
    grants with a lead never messaged. Hands each concern to `alert(concern_id, reason)` (the service itself
    unless given). Returns how many concerns it handed on."""
    now = now or timezone.now()
    since = now - SWEEP_WINDOW
    alert = alert or (lambda concern_id, reason: concern_alert_leads(concern_id=concern_id, reason=reason, now=now))
    raised = dict(
        Concern.objects.filter(immediate_risk=True, raised_at__gte=since).values_list("pk", "organisation_id")[:1000]
    )
    opened = list(
        AccessGrant.objects.filter(kind=GrantKind.BREAK_GLASS, granted_at__gte=since)
        .values_list("pk", "concern_id", "concern__organisation_id")
        .order_by("pk")[:1000]
    )
    orgs = set(raised.values()) | {org for _, _, org in opened}
    leads: dict[int, set[int]] = {}
    for org_id, user_id in StaffRole.objects.filter(
        organisation_id__in=orgs, role=StaffRole.Role.SAFEGUARDING_LEAD, user__is_active=True
    ).values_list("organisation_id", "user_id"):
        leads.setdefault(org_id, set()).add(user_id)
    todo: list[tuple[int, str]] = []
    alerted = set(
        ImmediateRiskAlert.objects.filter(concern_id__in=list(raised), reason=RAISED).values_list(
            "concern_id", "lead_id"
        )
    )
    for concern_id, org_id in raised.items():
        if any((concern_id, lead_id) not in alerted for lead_id in leads.get(org_id, ())):
            todo.append((concern_id, RAISED))
    wanted = {
        alert_key(reason=BREAK_GLASS, concern_id=concern_id, lead_id=lead_id, grant_id=grant_id): concern_id
        for grant_id, concern_id, org_id in opened
        for lead_id in leads.get(org_id, ())
    }
    sent = set(Message.objects.filter(key__in=list(wanted), channel=Channel.EMAIL).values_list("key", flat=True))
    for concern_id in sorted({concern_id for key, concern_id in wanted.items() if key not in sent}):
        todo.append((concern_id, BREAK_GLASS))
    for concern_id, reason in todo:
        alert(concern_id, reason)
    return len(todo)
