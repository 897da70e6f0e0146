"""Support requests: childcare, travel, an interpreter, access needs or a one-to-one, asked for by a person who
said yes and decided by the group's facilitators. Amounts are kept in pence."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.events import send_on_commit
from core.money import ABSOLUTE_MAXIMUM
from core.validators import MULTI_LINE_MAX, texts_check
from groups.models import User
from groups.permissions import has_perm

from .. import events, notify
from ..models import Answer, Rsvp, Session, SupportRequest
from ._common import audit, lock

MAX_PENCE = int(ABSOLUTE_MAXIMUM * 100)
DECISION_REASON_MAX = 2000


def _check_pence(name: str, pence) -> None:
    """An amount in whole pence, from 0 up to core.money's absolute maximum (codes as core.money.parse_pounds)."""
    if pence is None:
        return
    if not isinstance(pence, int) or isinstance(pence, bool):
        raise ValidationError({name: ValidationError("Enter the amount in pounds and pence.", code="money_format")})
    if pence < 0:
        raise ValidationError({name: ValidationError("The amount cannot be less than £0.", code="money_negative")})
    if pence > MAX_PENCE:
        raise ValidationError(
            {name: ValidationError(f"Enter an amount up to £{ABSOLUTE_MAXIMUM:,.0f}.", code="money_too_much")}
        )


def _check_request_texts(details: dict) -> None:
    specs = {
        "children_ages": ("their ages", 100, False),
        "language": ("the language", 60, False),
        "details": ("what you need", MULTI_LINE_MAX, True),
    }
    texts_check(**{name: (details[name], *spec) for name, spec in specs.items() if name in details})


LIVE = [SupportRequest.Status.PENDING, SupportRequest.Status.APPROVED]


def _check_can_ask(*, session: Session, user: User) -> None:
    """Call with the session row locked: only a person who said yes asks, and only before the session starts."""
    if not Rsvp.objects.filter(session=session, user=user, answer=Answer.YES).exists():
        raise ValidationError("Say yes to the session first, then ask for support.", code="needs_yes")
    if session.has_started:
        raise ValidationError(
            "This session has already started. Please speak to a facilitator.", code="session_started"
        )


@transaction.atomic
def support_request_create(*, session: Session, user: User, kind: str, **details) -> SupportRequest:
    """A person who said yes can ask for support: childcare, travel, an interpreter, access needs, or a
    one-to-one instead. One live request of each kind per person per session (database)."""
    session = lock(session)
    _check_can_ask(session=session, user=user)
    request = _support_request_save(session=session, user=user, kind=kind, details=details)
    notify.support_requested(request=request)
    audit(
        action="support_request.created",
        actor=user,
        session=session,
        obj=request,
        data={"session_id": session.pk, "kind": kind},
    )
    return request


def _support_request_save(*, session: Session, user: User, kind: str, details: dict) -> SupportRequest:
    """Checks and saves one request (no event, no message): the rules support_request_create keeps."""
    _check_pence("expected_cost_pence", details.get("expected_cost_pence"))
    _check_request_texts(details)
    request = SupportRequest(session=session, user=user, kind=kind, **details)
    # The check constraint lets a NULL children_count through (SQL NULL passes a CHECK), so say it here.
    if kind == SupportRequest.Kind.CHILDCARE and not request.creche_place and not (request.children_count or 0) >= 1:
        raise ValidationError(
            {
                "children_count": ValidationError(
                    "Tell us how many children, or ask for a crèche place.", code="children_count_required"
                )
            }
        )
    already = ValidationError(
        "You have already asked for this kind of support for this session. You can see it on the session page.",
        code="support_already_asked",
    )
    # Checked before full_clean, whose own unique-constraint check would give a technical message instead.
    if SupportRequest.objects.filter(
        session=session,
        user=user,
        kind=kind,
        status__in=[SupportRequest.Status.PENDING, SupportRequest.Status.APPROVED],
    ).exists():
        raise already
    request.full_clean()
    try:
        with transaction.atomic():
            request.save()
    except IntegrityError:
        raise already from None
    return request


def support_requests_open(*, session: Session, user: User) -> list[SupportRequest]:
    """A person's live requests (waiting or approved) for a session, oldest first. (A read, kept beside the
    services that change these rows.)"""
    return list(SupportRequest.objects.filter(session=session, user=user, status__in=LIVE).order_by("created_at"))


def support_requests_cancelled_for_no(*, session: Session, user: User) -> list[SupportRequest]:
    """Requests cancelled because the person said no, which they could ask for again: not those whose kind
    has been asked for again since. (A read.)"""
    rows = list(
        SupportRequest.objects.filter(
            session=session, user=user, status=SupportRequest.Status.WITHDRAWN, cancelled_reason__gt=""
        ).order_by("created_at")
    )
    if not rows:
        return []
    live = set(
        SupportRequest.objects.filter(session=session, user=user, status__in=LIVE).values_list("kind", flat=True)
    )
    seen, offer = set(), []
    for row in reversed(rows):  # the latest cancelled request of each kind
        if row.kind not in live and row.kind not in seen:
            seen.add(row.kind)
            offer.append(row)
    return sorted(offer, key=lambda r: r.created_at)


def support_requests_cancel_for_no(*, session: Session, user: User) -> list[SupportRequest]:
    """Saying "no, I can't come", once the person has confirmed it, cancels their live requests (waiting or
    approved) for that session and records why, so they can be asked for again if the person says yes again.
    Call from inside a transaction with the session row locked (rsvp_answer does). Idempotent: nothing left to
    cancel changes nothing and records nothing."""
    rows = list(
        SupportRequest.objects.select_for_update(of=("self",))
        .filter(session=session, user=user, status__in=LIVE)
        .order_by("created_at")
    )
    if not rows:
        return []
    now = timezone.now()
    for row in rows:
        row.status = SupportRequest.Status.WITHDRAWN
        row.cancelled_reason = SupportRequest.CancelReason.SAID_NO
        row.cancelled_at = now
        row.full_clean()
        row.save(update_fields=["status", "cancelled_reason", "cancelled_at"])
    audit(
        action="support_requests.cancelled_for_no",
        actor=user,
        session=session,
        data={"session_id": session.pk, "request_ids": [r.pk for r in rows], "kinds": [r.kind for r in rows]},
    )
    return rows


@transaction.atomic
def support_requests_restore(*, session: Session, user: User) -> list[SupportRequest]:
    """A person who said no, then yes again, can have the requests cancelled by their "no" back: each goes back
    to waiting for a fresh decision (an earlier approval is not kept: the facilitators decide again). Only
    after a yes and before the session starts; a kind asked for again since stays as it is. Idempotent:
    nothing left to restore changes nothing and records nothing."""
    session = lock(session)
    _check_can_ask(session=session, user=user)
    offer = support_requests_cancelled_for_no(session=session, user=user)
    rows = list(
        SupportRequest.objects.select_for_update(of=("self",)).filter(pk__in=[r.pk for r in offer]).order_by("pk")
    )
    for row in rows:
        row.status = SupportRequest.Status.PENDING
        row.cancelled_reason = ""
        row.cancelled_at = None
        row.decision_reason = ""
        row.approved_amount_pence = None
        row.decided_by = None
        row.decided_at = None
        row.full_clean()
        row.save()
        notify.support_requested(request=row)
    if rows:
        audit(
            action="support_requests.restored",
            actor=user,
            session=session,
            data={"session_id": session.pk, "request_ids": [r.pk for r in rows], "kinds": [r.kind for r in rows]},
        )
    return rows


@transaction.atomic
def support_requests_create(*, session: Session, user: User, requests: list[dict]) -> list[SupportRequest]:
    """One answer to "Do you need any help to come?" may ask for several kinds of help: one request per kind,
    all saved or none, by a person who said yes, before the session starts. Each kind follows the rules of
    support_request_create. Idempotent: a kind already asked for (waiting or approved) is not asked twice; the
    existing request is returned in its place."""
    session = lock(session)
    _check_can_ask(session=session, user=user)
    kinds = [r["kind"] for r in requests]
    if not kinds or len(set(kinds)) != len(kinds) or not set(kinds) <= set(SupportRequest.Kind.values):
        raise ValidationError("Choose the help you need.", code="support_kinds_invalid")
    existing = {
        r.kind: r for r in SupportRequest.objects.filter(session=session, user=user, kind__in=kinds, status__in=LIVE)
    }
    result, created = [], []
    for item in requests:
        kind = item["kind"]
        if kind in existing:
            result.append(existing[kind])
            continue
        details = {k: v for k, v in item.items() if k != "kind"}
        row = _support_request_save(session=session, user=user, kind=kind, details=details)
        created.append(row)
        result.append(row)
    for row in created:
        notify.support_requested(request=row)
    if created:
        audit(
            action="support_requests.created",
            actor=user,
            session=session,
            data={"session_id": session.pk, "request_ids": [r.pk for r in created], "kinds": [r.kind for r in created]},
        )
    return result


@transaction.atomic
def support_request_decide(
    *, request: SupportRequest, approve: bool, acting_user: User, reason: str = "", amount_pence: int | None = None
) -> SupportRequest:
    """A facilitator approves or declines a pending request; declining needs a reason (database). The person
    is told the outcome. Approved amounts are kept in pence for payments."""
    request = (
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("session", "session__group")
        .get(pk=request.pk)
    )
    if not has_perm(acting_user, "session.manage", request.session):
        raise ValidationError("Only the group's facilitators can decide on support.", code="not_allowed")
    if request.status != SupportRequest.Status.PENDING:
        raise ValidationError(
            f"This request has already been decided: {request.get_status_display().lower()}.",
            code="support_already_decided",
        )
    reason = reason.strip()
    if not approve and not reason:
        raise ValidationError(
            {
                "reason": ValidationError(
                    "Give a reason when you decline a request; the parent will see it.", code="reason_required"
                )
            }
        )
    if amount_pence is not None and amount_pence < 0:
        raise ValidationError(
            {"amount_pence": ValidationError("The amount cannot be negative.", code="amount_negative")}
        )
    _check_pence("amount_pence", amount_pence)
    texts_check(decision_reason=(reason, "the reason", DECISION_REASON_MAX, True))
    request.status = SupportRequest.Status.APPROVED if approve else SupportRequest.Status.DECLINED
    request.decision_reason = reason
    request.approved_amount_pence = (
        (amount_pence if amount_pence is not None else request.expected_cost_pence) if approve else None
    )
    request.decided_by = acting_user
    request.decided_at = timezone.now()
    request.full_clean()
    request.save()
    notify.support_decided(request=request)
    audit(
        action="support_request.decided",
        actor=acting_user,
        session=request.session,
        obj=request,
        data={
            "session_id": request.session_id,
            "status": request.status,
            "amount_pence": request.approved_amount_pence,
        },
    )
    send_on_commit(
        events.support_request_decided,
        sender=SupportRequest,
        request=request,
        session_id=request.session_id,
        person_id=request.user_id,
        approved=approve,
        amount_pence=request.approved_amount_pence,
        acting_user_id=acting_user.pk,
    )
    return request


@transaction.atomic
def support_request_withdraw(*, request: SupportRequest, acting_user: User) -> SupportRequest:
    """Only the person who asked withdraws a request, and only while it waits for a decision (a decided request
    is returned unchanged)."""
    request = (
        SupportRequest.objects.select_for_update(of=("self",))
        .select_related("session", "session__group")
        .get(pk=request.pk)
    )
    if request.user_id != acting_user.pk:
        raise ValidationError("Only the person who asked can withdraw a request.", code="not_your_request")
    if request.status == SupportRequest.Status.PENDING:
        request.status = SupportRequest.Status.WITHDRAWN
        request.save(update_fields=["status"])
        audit(
            action="support_request.withdrawn",
            actor=acting_user,
            session=request.session,
            obj=request,
            data={"session_id": request.session_id},
        )
    return request
