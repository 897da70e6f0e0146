"""The safeguarding lead on duty for a session, named on the session's page so anyone worried knows whom to
tell. A facilitator who manages the session (or an organisation admin) names them; with nobody named, the
organisation's safeguarding lead is on duty when it has exactly one."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.audit import audit_record
from groups.models import StaffRole, User
from groups.permissions import R, has_perm, has_role
from sessions_app.models import Session

from ..models import SessionDuty


@transaction.atomic
def session_duty_set(*, session: Session, lead: User, acting_user: User) -> SessionDuty:
    """Names the safeguarding lead on duty for the session. Only someone who manages the session (code
    "not_allowed"); the lead must hold the safeguarding lead role in the session's organisation (code
    "not_a_lead"). Naming the same lead again changes nothing."""
    if not has_perm(acting_user, "session.manage", session):
        raise ValidationError("Only the session's facilitators can choose the lead on duty.", code="not_allowed")
    organisation_id = session.group.organisation_id
    if not (lead.is_active and has_role(lead, organisation_id, R.SAFEGUARDING_LEAD)):
        raise ValidationError("Choose one of the organisation's safeguarding leads.", code="not_a_lead")
    Session.objects.select_for_update().only("pk").get(pk=session.pk)  # one change at a time per session
    duty = SessionDuty.objects.filter(session_id=session.pk).first()
    previous_lead_id = duty.lead_id if duty else None
    if duty is not None and duty.lead_id == lead.pk:
        return duty
    if duty is None:
        duty = SessionDuty(session=session)
    duty.lead = lead
    duty.set_by = acting_user
    duty.set_at = timezone.now()
    duty.full_clean()
    duty.save()
    audit_record(
        action="session_duty.set",
        actor=acting_user,
        obj=session,
        organisation_id=organisation_id,
        data={"lead_id": lead.pk, "previous_lead_id": previous_lead_id},
    )
    return duty


# --- reading (what the session page and the duty page show) -----------------------------------------------


@dataclass
class OnDuty:
    lead: User | None
    named: bool  # named for this session, rather than the organisation's only lead


def session_on_duty(*, session: Session) -> OnDuty:
    """Who is on duty: the lead named for the session while they still hold the role, else the organisation's
    safeguarding lead if it has exactly one, else nobody. One query (the session page shows it to everyone)."""
    named = SessionDuty.objects.filter(session_id=session.pk, lead_id=OuterRef("user_id"))
    roles = list(
        StaffRole.objects.filter(
            organisation_id=session.group.organisation_id, role=R.SAFEGUARDING_LEAD, user__is_active=True
        )
        .annotate(on_duty=Exists(named))
        .select_related("user")
        .order_by("-on_duty", "user_id")[:2]
    )
    if roles and roles[0].on_duty:
        return OnDuty(lead=roles[0].user, named=True)
    if len(roles) == 1:
        return OnDuty(lead=roles[0].user, named=False)
    return OnDuty(lead=None, named=False)
