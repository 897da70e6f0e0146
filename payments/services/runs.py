"""Payment runs: a finance officer gathers the approved claims into a run, downloads it for the bank or the
voucher supplier, and marks the whole run paid with the payment reference; a payment sent by mistake is put
right by a reversal. Money is never lost, paid twice or silently changed:

- a claim ends in one run only: it is put in a run under its row lock, and only while it is in none;
- a run is paid once: it is locked while it is paid, a second officer finds it paid ("already_paid"), and the
  database holds one payment per claim (`Payment.claim` is one-to-one) behind that;
- paid rows are never changed: the database refuses to update or delete a payment, a reversal or a paid run
  (migration 0002's triggers), so a mistake is a new Reversal row;
- nobody pays or reverses a claim that pays them or that they prepared.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django_fsm import can_proceed

from core.audit import audit_record

from ..messaging import PAID
from ..models import Claim, ClaimState, Method, Payment, PaymentRun, Reversal
from ..permissions import is_finance_officer
from ..selectors import runs as run_selectors
from .amounts import claim_amounts

REFERENCE_MAX = 60
REASON_MAX = 2000


def _require_finance_officer(user, organisation_id: int) -> None:
    if not is_finance_officer(user, organisation_id):
        raise ValidationError("Only a finance officer of this organisation can do this.", code="not_finance_officer")


def run_create(*, organisation, acting_user) -> PaymentRun:
    """Gathers every approved claim of the organisation that is in no run into a new open run.

    The claims are locked (`skip_locked`: a claim another officer is gathering at this moment is theirs), and
    each is put in the run only while it is still in none, so two officers gathering at once never share a
    claim. The officer's own claims stay out, for another finance officer. Nothing to gather: "nothing_to_pay"."""
    _require_finance_officer(acting_user, organisation.pk)
    with transaction.atomic():
        ids = list(
            run_selectors.claims_waiting(organisation=organisation, acting_user=acting_user)
            .select_for_update(skip_locked=True)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        if not ids:
            raise ValidationError("There are no approved claims waiting to be paid.", code="nothing_to_pay")
        run = PaymentRun(organisation=organisation, created_by=acting_user)
        run.full_clean(exclude=["state"])  # protected: changed only by its transitions
        run.save()
        gathered = Claim.objects.filter(
            pk__in=ids, state=ClaimState.APPROVED, run__isnull=True, organisation=organisation
        ).update(run=run)
        if not gathered:
            raise ValidationError("There are no approved claims waiting to be paid.", code="nothing_to_pay")
        totals = run_selectors.run_totals(run)
        audit_record(
            action="payment_run.created",
            actor=acting_user,
            obj=run,
            data={"claims": gathered, "total_pence": totals["grand"]["total_pence"]},
        )
    return run


def run_remove_claim(*, run: PaymentRun, claim: Claim, acting_user) -> PaymentRun:
    """Takes a claim out of an open run (it waits to be gathered again). A paid run is never changed."""
    _require_finance_officer(acting_user, run.organisation_id)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.state != PaymentRun.State.OPEN:
            raise ValidationError("This run is paid: it cannot be changed.", code="already_paid")
        removed = Claim.objects.filter(pk=claim.pk, run=run, state=ClaimState.APPROVED).update(run=None)
        if not removed:
            raise ValidationError("That claim is not waiting in this run.", code="not_in_run")
        audit_record(action="payment_run.claim_removed", actor=acting_user, obj=run, data={"claim": claim.pk})
    return run


def _reference_checked(reference: str) -> str:
    reference = (reference or "").strip()
    if not reference or len(reference) > REFERENCE_MAX or any(ord(c) < 32 for c in reference):
        raise ValidationError(
            f"Enter the payment reference from your bank or supplier, up to {REFERENCE_MAX} characters.",
            code="reference_needed",
        )
    return reference


def _refuse_own_claims(claims, user) -> None:
    if any(c.claimant_id == user.pk for c in claims):
        raise ValidationError(
            "This run holds a claim that pays you. Ask another finance officer to mark it as paid.",
            code="own_claim",
        )
    if any(c.prepared_by_id == user.pk for c in claims):
        raise ValidationError(
            "This run holds a claim you prepared (you closed the register of its session). "
            "Ask another finance officer to mark it as paid.",
            code="prepared_claim",
        )


def run_mark_paid(*, run: PaymentRun, acting_user, reference: str) -> PaymentRun:
    """Marks the whole run paid with the payment reference: one Payment per approved claim (its amounts as they
    are now, by `claim_amounts`), each claim moved to "paid", the run marked paid; all in one transaction with
    the run locked, so two officers at once pay it once (the second: "already_paid").

    The claims move by the bulk form of `Claim.mark_paid`: each is checked with `can_proceed`, then one UPDATE
    moves exactly those rows from "approved" to "paid" (any other count rolls everything back). `mark_paid`
    sets nothing but the state, so the bulk form does what a loop of transitions would, for 10,000 claims in
    a second rather than a minute. After it commits, each person paid is told how and for which session (never
    the amount in the message: "My payments" shows it)."""
    reference = _reference_checked(reference)
    _require_finance_officer(acting_user, run.organisation_id)
    with transaction.atomic():
        run = PaymentRun.objects.select_for_update().get(pk=run.pk)
        if run.state != PaymentRun.State.OPEN:
            raise ValidationError("This run was already marked as paid.", code="already_paid")
        claims = list(
            run_selectors.run_claims(run)
            .select_for_update(of=("self",))
            .select_related("claimant", "session")
            .prefetch_related("lines")
            .order_by("pk")
        )
        if not claims:
            raise ValidationError("There are no approved claims in this run to pay.", code="nothing_to_pay")
        _refuse_own_claims(claims, acting_user)
        if not all(can_proceed(claim.mark_paid) for claim in claims):  # pragma: no cover - selected as approved
            raise ValidationError("A claim in this run cannot be paid now.", code="not_payable")
        now = timezone.now()
        payments = []
        for claim in claims:
            amounts = claim_amounts(claim, lines=claim.lines.all())
            payments.append(
                Payment(
                    claim=claim,
                    run=run,
                    method=claim.method,
                    participation_pence=amounts.participation_pence,
                    expenses_pence=amounts.expenses_pence,
                    paid_at=now,
                    paid_by=acting_user,
                )
            )
        try:
            with transaction.atomic():
                payments = Payment.objects.bulk_create(payments, batch_size=2000)
        except IntegrityError:  # a claim already has a payment: the database's last guard against paying twice
            raise ValidationError("A claim in this run was already paid.", code="already_paid") from None
        ids = [claim.pk for claim in claims]
        moved = Claim.objects.filter(pk__in=ids, state=ClaimState.APPROVED).update(state=ClaimState.PAID)
        if moved != len(ids):
            raise ValidationError("The claims in this run changed while it was being paid.", code="changed")
        run.mark_paid(by=acting_user, reference=reference)
        run.full_clean(exclude=["state"])  # protected: changed only by its transitions
        run.save()
        totals = run_selectors.run_totals(run)
        audit_record(
            action="payment_run.paid",
            actor=acting_user,
            obj=run,
            data={
                "reference": reference,
                "payments": totals["grand"]["count"],
                "total_pence": totals["grand"]["total_pence"],
                "participation_pence": totals["grand"]["participation_pence"],
                "expenses_pence": totals["grand"]["expenses_pence"],
                **{f"{m}_pence": line["total_pence"] for m, line in totals["by_method"].items() if line["count"]},
            },
        )
        _tell_people_paid(run=run, payments=payments, claims={c.pk: c for c in claims})
    return run


def _tell_people_paid(*, run: PaymentRun, payments, claims: dict) -> None:
    """One "payments.paid" message per payment that sent money (a claim worth nothing sends no message). The
    messages are logged in this transaction and go out after it commits; the kind is sensitive, so nothing of
    them is stored and they are written as they go out (`paid_notice_context`)."""
    from notifications.services import Outgoing, messages_send_many

    link = reverse("payments:mine")
    outgoing = (
        Outgoing(key=f"paid:{payment.pk}", person=claims[payment.claim_id].claimant, link=link)
        for payment in payments
        if payment.total_pence > 0
    )
    messages_send_many(kind=PAID, outgoing=outgoing, organisation_id=run.organisation_id)


def paid_notice_context(*, person, key):
    """What the "payment sent" templates say, worked out as each message goes out: how it was sent and for
    which session. Never the amount (a message can be read over a shoulder; "My payments" shows it)."""
    prefix, _, payment_id = (key or "").partition(":")
    if prefix != "paid" or not payment_id.isdigit() or person is None:
        raise ValueError(f"Not a payment notice: {key!r}")
    payment = Payment.objects.select_related("claim__session").get(pk=int(payment_id), claim__claimant=person)
    session = payment.claim.session
    method = Method(payment.method)
    return {
        "method": method.value,
        "method_label": method.label,
        "how": _how_words(method),
        "session_title": session.title,
        "session_date": timezone.localtime(session.starts_at).strftime("%A %-d %B %Y"),
    }


def _how_words(method: Method) -> str:
    return {
        Method.BANK: "by bank transfer to your account",
        Method.VOUCHER: "as a shopping voucher",
        Method.CASH: "in cash",
        Method.CHARITY: "as a gift to the charity you chose",
        Method.NONE: "to repay your costs",
    }[method]


def payment_reverse(*, payment: Payment, acting_user, reason: str) -> Reversal:
    """Puts right a payment sent by mistake: a new Reversal with the reason, and the claim moved to "reversed".
    The payment itself is never changed. One reversal per payment; a finance officer of the run's organisation;
    nobody reverses a payment to themselves."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError("Say why this payment is being reversed.", code="reason_needed")
    if len(reason) > REASON_MAX or "\x00" in reason:
        raise ValidationError(f"Keep the reason under {REASON_MAX} characters.", code="reason_too_long")
    with transaction.atomic():
        payment = Payment.objects.select_related("run").get(pk=payment.pk)
        _require_finance_officer(acting_user, payment.run.organisation_id)
        claim = Claim.objects.select_for_update().get(pk=payment.claim_id)
        if claim.claimant_id == acting_user.pk:
            raise ValidationError(
                "This payment was to you. Ask another finance officer to reverse it.", code="own_claim"
            )
        if Reversal.objects.filter(payment=payment).exists() or not can_proceed(claim.reverse):
            raise ValidationError("This payment was already reversed.", code="already_reversed")
        claim.reverse()
        claim.save()
        reversal = Reversal(payment=payment, reason=reason, reversed_by=acting_user)
        reversal.full_clean()
        reversal.save()
        audit_record(
            action="payment.reversed",
            actor=acting_user,
            obj=payment.run,
            data={"payment": payment.pk, "claim": claim.pk, "total_pence": payment.total_pence},
        )
    return reversal
