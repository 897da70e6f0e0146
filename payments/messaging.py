"""What payments sends through the `notifications` app: its message kinds and their templates
(templates/payments/messages/). No text message carries an amount of money; the notice that a payment was sent
is a sensitive kind (nothing of it is stored; it is written as it goes out)."""

from notifications import registry
from notifications.registry import MessageKind

CLAIM_READY = "payments.claim_ready"  # a claim was made: please check it and say how you would like to be paid
CLAIM_RETURNED = "payments.claim_returned"  # a finance officer did not accept a line: please answer
CLAIM_ON_HOLD = "payments.claim_on_hold"  # a payment would pass the benefits amount: please choose
PAID = "payments.paid"  # the money was sent (sensitive: how, but no amount in a text)
BANK_DETAILS_CHANGED = "payments.bank_details_changed"  # sent to every channel: "if this was not you..."

KINDS = {
    CLAIM_READY: ("A payment claim is ready to check", "claim_ready", False),
    CLAIM_RETURNED: ("A payment claim needs your answer", "claim_returned", False),
    CLAIM_ON_HOLD: ("A payment waits for your choice", "claim_on_hold", False),
    PAID: ("A payment was sent", "paid", True),
    BANK_DETAILS_CHANGED: ("Your bank details were changed", "bank_details_changed", False),
}


def _paid_context(*, person, key):
    from .services.runs import paid_notice_context

    return paid_notice_context(person=person, key=key)


def register_with_notifications() -> None:
    for name, (label, template, sensitive) in KINDS.items():
        registry.register_kind(
            MessageKind(
                name=name,
                label=label,
                email_template=f"payments/messages/{template}.txt",
                text_template=f"payments/messages/{template}_text.txt",
                sensitive=sensitive,
                delivery_context=_paid_context if name == PAID else None,
            )
        )
