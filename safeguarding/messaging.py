"""What safeguarding sends through `notifications`: every kind is sensitive (nothing of it is stored; it says
only that there is something to look at, and links to it)."""

from notifications import registry
from notifications.registry import SOMETHING_TO_LOOK_AT_EMAIL, SOMETHING_TO_LOOK_AT_TEXT, MessageKind

URGENT_CONCERN = "safeguarding.urgent_concern"  # to every lead: someone may be at immediate risk
BREAK_GLASS = "safeguarding.break_glass"  # to every lead: a concern was opened in an emergency
FOLLOW_UP_OVERDUE = "safeguarding.follow_up_overdue"  # to every lead: a follow-up is past its two working days
ACCESS_GRANTED = "safeguarding.access_granted"  # to the person given access to a concern for a while

KINDS = {
    URGENT_CONCERN: ("An urgent safeguarding concern", "urgent_concern"),
    BREAK_GLASS: ("A concern was opened in an emergency", "break_glass"),
    FOLLOW_UP_OVERDUE: ("A follow-up is overdue", "follow_up_overdue"),
    ACCESS_GRANTED: ("You were given access to a safeguarding record", "access_granted"),
}


def register_with_notifications() -> None:
    for name, (label, template) in KINDS.items():
        registry.register_kind(
            MessageKind(
                name=name,
                label=label,
                email_template=f"safeguarding/messages/{template}.txt",
                text_template=f"safeguarding/messages/{template}_text.txt",
                sensitive=True,
            )
        )


__all__ = ["SOMETHING_TO_LOOK_AT_EMAIL", "SOMETHING_TO_LOOK_AT_TEXT"]
