"""The escalated follow-ups a safeguarding lead should see on their organisation's concerns list."""

from ..models import FollowUpEscalation
from ..services.escalation import OPEN_LIST_LIMIT


def escalations_open(organisation_id: int) -> list[FollowUpEscalation]:
    """The organisation's escalated follow-ups still open, oldest first (for the leads' concerns list; bounded).
    The caller checks that the person is one of the organisation's leads."""
    return list(
        FollowUpEscalation.objects.filter(
            follow_up__session__group__organisation_id=organisation_id, follow_up__closed_at__isnull=True
        )
        .select_related("follow_up__session__group", "follow_up__person", "follow_up__assigned_to")
        .order_by("raised_at", "pk")[:OPEN_LIST_LIMIT]
    )
