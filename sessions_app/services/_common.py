"""Helpers the sessions services share: the session row lock, the group's facilitators and the audit call."""

from core.audit import audit_record
from groups.models import Group
from groups.selectors import group_facilitators

from ..models import Session


def lock(session: Session) -> Session:
    """The session row, locked until the transaction ends, with its group loaded (the group row is not locked)."""
    return Session.objects.select_for_update(of=("self",)).select_related("group").get(pk=session.pk)


def group_facilitator_ids(group: Group | int) -> set[int]:
    group_id = group if isinstance(group, int) else group.pk
    return set(group_facilitators(group_id=group_id).values_list("pk", flat=True))


def audit(*, action: str, session: Session, obj=None, actor=None, actor_label: str = "", data: dict | None = None):
    """One audit event about `obj` (the session itself when not given), in the session's organisation."""
    return audit_record(
        action=action,
        actor=actor,
        actor_label=actor_label,
        obj=session if obj is None else obj,
        organisation_id=session.group.organisation_id,
        data=data,
    )
