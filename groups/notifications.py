"""What groups sends through `notifications`: the invitation to join a group. Registered in GroupsConfig.ready().

The invitation link works without signing in (its token is the proof), so it is a personal link: the message
log keeps the email with "[personal link]" in its place, and the real link goes in only as the email is sent.
The kind is not sensitive: the rest of the email (who invites, to which group) is what staff may see.
"""

from notifications import registry
from notifications.registry import MessageKind

INVITATION_MESSAGE = "groups.invitation"
# A person given a staff role by an organisation admin: which roles, and how to sign in (no link that signs in).
STAFF_INVITATION_MESSAGE = "groups.staff_invitation"


def register_with_notifications() -> None:
    registry.register_kind(
        MessageKind(
            name=INVITATION_MESSAGE,
            label="Invitation to join a group",
            email_template="groups/email/invitation.txt",
            text_template="groups/email/invitation_text.txt",
        )
    )
    registry.register_personal_link(r"^/invitations/[^/]+/?$")
    registry.register_kind(
        MessageKind(
            name=STAFF_INVITATION_MESSAGE,
            label="Staff role given",
            email_template="groups/email/staff_invitation.txt",
            text_template="groups/email/staff_invitation_text.txt",
        )
    )
