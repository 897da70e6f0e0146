"""sessions_app's receivers of domain events from `groups` (connected in SessionsAppConfig.ready()).

`groups.events.member_left`: a person's membership of a group ended (they left, were removed from the
organisation, or were anonymised). What rested on it ends, each change through a service that records it:
their facilitator places at sessions not yet started are withdrawn, their "yes" answers to sessions to come end
(the waiting list moves up) with their pending support requests, and their open follow-ups pass to the group's
remaining facilitators, who are told.
"""

import logging

from django.utils import timezone

from groups import events as group_events
from notifications import registry
from notifications.registry import MessageKind

from .models import Rsvp, Session, SessionFacilitator, SupportRequest
from .services.leaving import FOLLOW_UP_REASSIGNED, follow_ups_reassign, leaver_answers_end
from .services.scheduling import facilitator_withdraw

logger = logging.getLogger(__name__)


def register_message_kinds() -> None:
    registry.register_kind(
        MessageKind(
            name=FOLLOW_UP_REASSIGNED,
            label="Follow-up passed on (to facilitators)",
            email_template=f"sessions_app/messages/{FOLLOW_UP_REASSIGNED}.txt",
            text_template=f"sessions_app/messages/{FOLLOW_UP_REASSIGNED}_text.txt",
        )
    )


def member_left_effects(*, membership, acting_user) -> None:
    """Ends what rested on the membership (see the module's docstring). Safe to run twice."""
    person, group = membership.user, membership.group
    now = timezone.now()
    for place in (
        SessionFacilitator.objects.filter(
            session__group=group, user=person, withdrawn_at__isnull=True, session__starts_at__gt=now
        )
        .select_related("session")
        .order_by("session__starts_at")
    ):
        facilitator_withdraw(
            session=place.session, user=person, acting_user=acting_user or person, reason="Left the group"
        )
    session_ids = set(
        Rsvp.objects.filter(session__group=group, user=person, answer="yes", session__starts_at__gt=now).values_list(
            "session_id", flat=True
        )
    ) | set(
        SupportRequest.objects.filter(
            session__group=group, user=person, status=SupportRequest.Status.PENDING, session__starts_at__gt=now
        ).values_list("session_id", flat=True)
    )
    for session in Session.objects.filter(pk__in=session_ids).order_by("starts_at"):
        leaver_answers_end(session=session, person=person, acting_user=acting_user)
    follow_ups_reassign(group=group, person=person, acting_user=acting_user)


def on_member_left(sender, *, membership, acting_user=None, **kwargs) -> None:
    try:
        member_left_effects(membership=membership, acting_user=acting_user)
    except Exception:  # a receiver must not fail the request that ended the membership (groups/events.py)
        logger.exception("Ending what rested on membership %s failed", membership.pk)


def connect() -> None:
    register_message_kinds()
    group_events.member_left.connect(on_member_left, dispatch_uid="sessions_app.member_left")
