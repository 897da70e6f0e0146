"""Quorum at a meeting: counted from the check-ins of parents and carers."""

from django.db import transaction
from django.utils import timezone

from groups.models import Membership, User

from ..models import CheckIn, QuorumRecord, Session
from ._common import audit


def count_quorum(session: Session) -> QuorumRecord | None:
    """Counts the parents and carers checked in and keeps the meeting's quorum record current. For use inside
    another service (a check-in, a decision), which records its own audit event."""
    if not session.group.has_quorum_rule:
        return None
    Session.objects.select_for_update().get(pk=session.pk)
    parent_ids = Membership.objects.filter(group_id=session.group_id, role=Membership.Role.PARENT).values("user_id")
    present = CheckIn.objects.filter(session=session, user_id__in=parent_ids).count()
    required = session.group.parent_quorum
    record, _ = QuorumRecord.objects.update_or_create(
        session=session,
        defaults={
            "required": required,
            "parents_present": present,
            "quorate": present >= required,
            "recorded_at": timezone.now(),
        },
    )
    return record


@transaction.atomic
def quorum_record(
    *, session: Session, acting_user: User | None = None, actor_label: str = "job:record-quorums"
) -> QuorumRecord | None:
    """At the meeting, quorum is counted from the check-ins of parents and carers. Decisions recorded while the
    meeting is inquorate are marked as needing confirmation at a quorate meeting. Run by the record-quorums job
    (no person: `actor_label` names the job) and on demand."""
    record = count_quorum(session)
    if record is not None:
        audit(
            action="quorum.recorded",
            actor=acting_user,
            actor_label="" if acting_user else actor_label,
            session=session,
            obj=record,
            data={
                "session_id": session.pk,
                "required": record.required,
                "parents_present": record.parents_present,
                "quorate": record.quorate,
            },
        )
    return record
