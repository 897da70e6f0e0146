"""What ends when a person leaves a group (or the organisation): their future places and answers, and the
follow-ups in their hands. Called by the `groups.events.member_left` receiver (sessions_app/receivers.py), one
service per change, each recording its own audit event."""

from django.db import transaction
from django.utils import timezone

from core.audit import audit_record
from groups.models import Group, Membership, User
from groups.selectors import group_facilitators
from notifications.services import message_send

from ..models import Answer, FollowUp, Rsvp, Session, SupportRequest
from ._common import audit, lock
from .answers import promote_from_waiting_list

FOLLOW_UP_REASSIGNED = "follow_up_reassigned"


@transaction.atomic
def leaver_answers_end(*, session: Session, person: User, acting_user: User | None) -> dict:
    """Someone who has left the group keeps no place at its sessions still to come: a yes (with a place or
    waiting) becomes a no, their pending support requests end, and a place given up goes to the first person
    waiting (who is told). A session already started keeps its record. Nothing to end changes nothing."""
    session = lock(session)
    if session.has_started:
        return {"answer_ended": False, "support_requests_withdrawn": 0, "promoted": []}
    rsvp = Rsvp.objects.select_for_update().filter(session=session, user=person, answer=Answer.YES).first()
    had_place = bool(rsvp and rsvp.has_place)
    if rsvp is not None:
        rsvp.answer = Answer.NO
        rsvp.waitlisted_at = None
        rsvp.updated_at = timezone.now()
        rsvp.full_clean()
        rsvp.save()
    withdrawn = SupportRequest.objects.filter(
        session=session, user=person, status=SupportRequest.Status.PENDING
    ).update(status=SupportRequest.Status.WITHDRAWN)
    promoted = promote_from_waiting_list(session) if had_place else []
    result = {
        "answer_ended": rsvp is not None,
        "support_requests_withdrawn": withdrawn,
        "promoted": [r.user_id for r in promoted],
    }
    if rsvp is not None or withdrawn:
        audit(
            action="rsvp.ended_on_leaving",
            actor=acting_user,
            session=session,
            obj=rsvp or session,
            data={"session_id": session.pk, "person_id": person.pk, **result},
        )
    return result


@transaction.atomic
def follow_ups_reassign(*, group: Group, person: User, acting_user: User | None) -> list[FollowUp]:
    """Open follow-ups of the group assigned to someone who no longer facilitates it pass to the group's
    remaining facilitators (`groups.selectors.group_facilitators`), shared out in turn, and each new holder is
    told. With no facilitator left they stay where they are, visible to the organisation's admins, and the trail
    says so. One audit event records the moves."""
    follow_ups = list(
        FollowUp.objects.select_for_update(of=("self",))
        .filter(session__group=group, assigned_to=person, closed_at__isnull=True)
        .select_related("session", "session__group")
        .order_by("due_on", "pk")
    )
    if not follow_ups:
        return []
    remaining = [u for u in group_facilitators(group_id=group.pk) if u.pk != person.pk]
    if Membership.objects.active().filter(group=group, user=person, role=Membership.Role.FACILITATOR).exists():
        return []  # still facilitates the group: nothing to move
    moved = []
    for i, follow_up in enumerate(follow_ups if remaining else []):
        new_holder = remaining[i % len(remaining)]
        follow_up.assigned_to = new_holder
        follow_up.save(update_fields=["assigned_to"])
        moved.append(follow_up)
        message_send(
            person=new_holder,
            kind=FOLLOW_UP_REASSIGNED,
            key=f"{FOLLOW_UP_REASSIGNED}:{follow_up.pk}:{new_holder.pk}",
            context={"follow_up": follow_up},
            subject="A follow-up has been passed to you",
            link="/sessions/follow-ups/",
            organisation_id=group.organisation_id,
        )
    audit_record(
        action="follow_ups.reassigned",
        actor=acting_user,
        obj=group,
        data={
            "from_user_id": person.pk,
            "follow_up_ids": [f.pk for f in follow_ups],
            "to_user_ids": [f.assigned_to_id for f in moved],
            "no_facilitator_left": not remaining,
        },
    )
    return moved
