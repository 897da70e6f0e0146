"""What the message log erases when a person is removed (`core.extensions.person_erasure`).

The log keeps that a message of a kind went to the person on a channel, and when: that is the evidence that
reminders and notices were sent. What it said, where it went and any link are erased; anything not yet sent is
not sent."""

from django.db.models import CharField, Q, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone

from core import extensions

from .models import Message, Status

NOT_SENT = "Not sent: the person was removed from coprod."


def erase_person_messages(*, person, acting_user) -> extensions.ErasureReport:
    theirs = Message.objects.filter(Q(person=person) | Q(person__isnull=True, address__iexact=person.email))
    unsent = theirs.filter(status__in=[Status.PENDING, Status.HELD]).update(
        status=Status.FAILED, error=NOT_SENT, claimed_at=timezone.now()
    )
    blanked = theirs.filter(person__isnull=False).update(subject="", body="", link="", address="")
    # A message to an address with no account keeps a placeholder address: the log needs a person or an address.
    blanked += theirs.filter(person__isnull=True).update(
        subject="", body="", link="", address=Concat(Value("removed-"), Cast("pk", CharField()))
    )
    return extensions.ErasureReport(
        app="notifications",
        erased=[f"the subject, text, address and links of {blanked} messages", f"{unsent} messages not yet sent"],
        kept=["the kind, channel, status and times of each message sent to them"],
    )
