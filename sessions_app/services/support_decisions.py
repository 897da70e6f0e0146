"""Deciding a person's support requests for one session together: when someone asks for childcare and travel
in one answer, a facilitator approves or declines them all with one form. Each request is decided by
support_request_decide (its rules, message to the person and audit event), all inside one transaction."""

from django.core.exceptions import ValidationError
from django.db import transaction

from groups.models import User

from ..models import Session, SupportRequest
from .support import _check_pence, support_request_decide

DECISIONS = ("approve", "decline")
# The kinds whose decision carries an amount of money (the person told us an expected cost).
MONEY_KINDS = (SupportRequest.Kind.CHILDCARE, SupportRequest.Kind.TRAVEL)


def support_requests_pending_for(*, session: Session, user: User) -> list[SupportRequest]:
    """A person's requests waiting for a decision for one session, oldest first, with what the page and the
    permission check need. (A read, kept beside the service that decides them.)"""
    return list(
        SupportRequest.objects.select_related("session", "session__group", "user")
        .filter(session=session, user=user, status=SupportRequest.Status.PENDING)
        .order_by("created_at", "pk")
    )


def amount_name(kind: str) -> str:
    """The error key for one kind's amount ("amount_childcare"), which the together form uses as a field name."""
    return f"amount_{kind}"


@transaction.atomic
def support_requests_decide_together(
    *,
    requests: list[SupportRequest],
    acting_user: User,
    decision: str,
    reason: str = "",
    amounts: dict[str, int | None] | None = None,
) -> list[SupportRequest]:
    """Approve or decline two or more of one person's requests for one session at once: one reason for all,
    and on approval an amount per money kind (`amounts`, pence by kind; a missing or None amount pays the
    expected cost). All are decided or none is: a request already decided (a second submit, another
    facilitator) refuses the lot with the code ``support_already_decided``. Each request is decided, told and
    audited by support_request_decide."""
    if decision not in DECISIONS:
        raise ValidationError({"decision": ValidationError("Choose approve or decline.", code="decision_invalid")})
    requests = list(requests)
    if not requests:
        raise ValidationError("There are no requests to decide.", code="support_none_to_decide")
    if len({(r.session_id, r.user_id) for r in requests}) != 1 or len({r.pk for r in requests}) != len(requests):
        raise ValidationError(
            "You can decide together only one person's requests for one session.", code="support_together_mixed"
        )
    approve = decision == "approve"
    amounts = dict(amounts or {})
    if approve:
        for kind, pence in amounts.items():
            _check_pence(amount_name(kind), pence)
    # Locked in a fixed order (by id) so that two facilitators deciding at once cannot deadlock.
    rows = list(SupportRequest.objects.select_for_update(of=("self",)).filter(pk__in=[r.pk for r in requests]))
    if len(rows) != len(requests):
        raise ValidationError("One of these requests no longer exists.", code="support_not_found")
    decided = []
    for row in sorted(rows, key=lambda r: r.pk):
        try:
            decided.append(
                support_request_decide(
                    request=row,
                    approve=approve,
                    acting_user=acting_user,
                    reason=reason,
                    amount_pence=amounts.get(row.kind) if approve else None,
                )
            )
        except ValidationError as error:
            if hasattr(error, "error_dict") and "amount_pence" in error.error_dict:
                raise ValidationError({amount_name(row.kind): error.error_dict["amount_pence"]}) from None
            raise
    return sorted(decided, key=lambda r: (r.created_at, r.pk))
