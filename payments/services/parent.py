"""What the person a claim pays does with it: check and confirm it (how to be paid, take less, the benefits
choice), decline it, give their travel costs, add receipts, answer a refused line, and set how they would
usually like to be paid.

Only the claimant acts on their claim (code "not_yours"). Each service locks the claim's row, so two tabs (or
a finance officer sending it back) cannot cross, and records what it did in the audit trail.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from core.audit import audit_record
from core.money import format_pence
from core.validators import text_check

from .. import receipts as receipt_checks
from ..models import (
    EXPENSE_KINDS,
    BankDetails,
    Claim,
    ClaimLine,
    ClaimState,
    LineKind,
    LineStatus,
    Method,
    PaymentPreference,
    Receipt,
    TravelBasis,
)
from .amounts import needs_benefits_choice

# Travel by receipt when no amount was approved beforehand: up to this much.
TRAVEL_MAXIMUM_WITHOUT_APPROVAL_PENCE = 20000
MILES_TENTHS_MIN = 1  # 0.1 miles
MILES_TENTHS_MAX = 5000  # 500 miles
REPLY_MAX = 1000
CONFIRMABLE_STATES = (ClaimState.MADE, ClaimState.ON_HOLD)
# What the claimant may still do in each state (the claim page shows the buttons by the same rules).
TRAVEL_STATES = (ClaimState.MADE,)
RECEIPT_STATES = (ClaimState.MADE, ClaimState.SUBMITTED)
REPLY_STATES = (ClaimState.MADE, ClaimState.SUBMITTED, ClaimState.ON_HOLD)


def _locked(claim_id: int) -> Claim:
    return Claim.objects.select_for_update(of=("self",)).select_related("policy", "session").get(pk=claim_id)


def _locked_claim_of(*, claim_id: int, acting_user) -> Claim:
    claim = _locked(claim_id)
    if acting_user is None or claim.claimant_id != acting_user.pk:
        raise ValidationError("Only the person this claim pays can do that.", code="not_yours")
    return claim


def _locked_line(*, line: ClaimLine, acting_user) -> tuple[Claim, ClaimLine]:
    claim = _locked_claim_of(claim_id=line.claim_id, acting_user=acting_user)
    return claim, ClaimLine.objects.select_for_update().get(pk=line.pk)


def bank_details_url() -> str:
    return reverse("payments:bank_details")


def _bank_details_needed() -> ValidationError:
    # Plain text: the page shows the link to the bank details page beside it (params["url"]).
    return ValidationError(
        "To be paid by bank transfer, we need your bank details first.",
        code="bank_details_needed",
        params={"url": bank_details_url()},
    )


def confirm_check(
    *,
    claim: Claim,
    method: str,
    participation_requested_pence: int | None = None,
    benefits_acknowledged: bool = False,
) -> Claim:
    """The rules of confirming, without saving: the claim (unsaved) with the choice set on it, or a
    ValidationError. The confirm page's first step asks this before showing "check your answers"."""
    if claim.state not in CONFIRMABLE_STATES:
        raise ValidationError("This claim has already been sent. You cannot change it now.", code="not_open")
    policy = claim.policy
    if method not in Method.values or not policy.offers(method):
        raise ValidationError("Choose one of the ways to be paid on the list.", code="method_not_offered")
    if method == Method.CHARITY and not policy.charity_name:
        raise ValidationError("Choose one of the ways to be paid on the list.", code="method_not_offered")
    lines = list(claim.lines.all())
    live = [line for line in lines if line.status != LineStatus.REJECTED]
    due = sum(line.amount_pence for line in live if line.kind == LineKind.PARTICIPATION)
    if method == Method.NONE:
        participation_requested_pence = None
    if participation_requested_pence is not None:
        if participation_requested_pence < 0 or participation_requested_pence > due:
            raise ValidationError(
                "The amount you take for your time cannot be more than you are due.", code="more_than_due"
            )
        if participation_requested_pence == due:
            participation_requested_pence = None
    if method == Method.BANK and not BankDetails.objects.filter(person_id=claim.claimant_id).exists():
        raise _bank_details_needed()
    for line in live:
        if line.kind == LineKind.TRAVEL and line.travel_basis == TravelBasis.MILEAGE and not line.miles_tenths:
            raise ValidationError("Tell us how many miles you drove.", code="miles_needed")
    claim.method = method
    claim.participation_requested_pence = participation_requested_pence
    claim.benefits_acknowledged = False
    crossing = needs_benefits_choice(claim=claim)
    if crossing and not benefits_acknowledged:
        raise ValidationError(
            "This payment might affect your benefits. Choose what you would like to do.",
            code="benefits_choice_needed",
        )
    claim.benefits_acknowledged = bool(crossing)
    return claim


def has_expenses(claim: Claim) -> bool:
    return any(
        line.kind in EXPENSE_KINDS and line.status != LineStatus.REJECTED and line.amount_pence > 0
        for line in claim.lines.all()
    )


def claim_confirm(
    *,
    claim: Claim,
    acting_user,
    method: str,
    participation_requested_pence: int | None = None,
    benefits_acknowledged: bool = False,
) -> Claim:
    """The person checks their claim and says how they would like to be paid; it goes for approval (a claim on
    hold for the benefits choice goes back). The way must be one the policy offers; a bank transfer needs bank
    details on file; "take less" is between nothing and what they are due; a payment that would pass a benefits
    amount (for a person who said they receive benefits) needs their choice. "I'd rather not be paid" still
    repays costs; with no costs to repay, the claim is declined. The choice becomes their usual way to be paid
    by the organisation. A travel line without a receipt can still be confirmed: the finance officer sees
    "no receipt" and decides."""
    with transaction.atomic():
        claim = _locked_claim_of(claim_id=claim.pk, acting_user=acting_user)
        claim = confirm_check(
            claim=claim,
            method=method,
            participation_requested_pence=participation_requested_pence,
            benefits_acknowledged=benefits_acknowledged,
        )
        was = claim.state
        if claim.method == Method.NONE and not has_expenses(claim):
            claim.decline()
            action = "claim.declined"
        else:
            if claim.state == ClaimState.ON_HOLD:
                claim.resume()
            else:
                claim.submit()
            action = "claim.confirmed"
        claim.save()
        _preference_save(person=acting_user, organisation_id=claim.organisation_id, method=claim.method)
        audit_record(
            action=action,
            actor=acting_user,
            obj=claim,
            data={
                "from": was,
                "method": claim.method,
                "took_less": claim.participation_requested_pence is not None,
                "benefits_acknowledged": claim.benefits_acknowledged,
            },
        )
    return claim


def claim_decline(*, claim: Claim, acting_user) -> Claim:
    """ "I don't want to claim anything for this session": only while it waits for the person's check or choice."""
    with transaction.atomic():
        claim = _locked_claim_of(claim_id=claim.pk, acting_user=acting_user)
        if claim.state not in CONFIRMABLE_STATES:
            raise ValidationError("This claim has already been sent. You cannot change it now.", code="not_open")
        was = claim.state
        claim.decline()
        claim.save()
        audit_record(action="claim.declined", actor=acting_user, obj=claim, data={"from": was})
    return claim


def travel_maximum_pence(line: ClaimLine) -> int:
    request = line.support_request
    if request is not None and request.approved_amount_pence:
        return request.approved_amount_pence
    return TRAVEL_MAXIMUM_WITHOUT_APPROVAL_PENCE


def mileage_pence(*, miles_tenths: int, pence_per_mile: int) -> int:
    """Miles x the rate, to the nearest penny (half a penny up)."""
    exact = Decimal(miles_tenths) * Decimal(pence_per_mile) / Decimal(10)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def travel_line_update(
    *, line: ClaimLine, acting_user, basis: str, amount_pence: int | None = None, miles_tenths: int | None = None
) -> ClaimLine:
    """The person says what their travel cost, before they confirm: by ticket or receipt (an amount up to what
    was approved, or £200 when nothing was), or by miles driven (0.1 to 500, paid at the policy's rate)."""
    with transaction.atomic():
        claim, line = _locked_line(line=line, acting_user=acting_user)
        if line.kind != LineKind.TRAVEL:
            raise ValidationError("This is not a travel cost.", code="not_travel")
        if claim.state not in TRAVEL_STATES:
            raise ValidationError("This claim has already been sent. You cannot change it now.", code="not_open")
        line = ClaimLine.objects.select_related("support_request").get(pk=line.pk)
        old_pence = line.amount_pence
        if basis == TravelBasis.RECEIPT:
            if amount_pence is None:
                raise ValidationError("Enter what your travel cost.", code="amount_needed")
            maximum = travel_maximum_pence(line)
            if amount_pence < 0 or amount_pence > maximum:
                raise ValidationError(
                    f"Enter an amount up to {format_pence(maximum)}. If it cost more, tell a facilitator.",
                    code="more_than_approved",
                )
            line.travel_basis, line.miles_tenths, line.amount_pence = TravelBasis.RECEIPT, None, amount_pence
        elif basis == TravelBasis.MILEAGE:
            if miles_tenths is None or not MILES_TENTHS_MIN <= miles_tenths <= MILES_TENTHS_MAX:
                raise ValidationError("Enter the miles you drove, from 0.1 to 500.", code="miles_range")
            line.travel_basis, line.miles_tenths = TravelBasis.MILEAGE, miles_tenths
            line.amount_pence = mileage_pence(
                miles_tenths=miles_tenths, pence_per_mile=claim.policy.mileage_pence_per_mile
            )
        else:
            raise ValidationError("Choose a ticket or receipt, or miles driven.", code="basis_unknown")
        line.full_clean()
        line.save(update_fields=["travel_basis", "miles_tenths", "amount_pence"])
        audit_record(
            action="claim_line.travel_updated",
            actor=acting_user,
            obj=line,
            organisation_id=claim.organisation_id,
            data={
                "claim": claim.pk,
                "basis": line.travel_basis,
                "old_pence": old_pence,
                "new_pence": line.amount_pence,
            },
        )
    return line


def receipt_attach(*, line: ClaimLine, acting_user, upload) -> Receipt:
    """A photo or PDF of a ticket or receipt for a cost (checked by its content, up to 5 MB, at most 5 a line),
    while the claim waits for the person or for approval. Kept under a random name."""
    content_type = receipt_checks.check_upload(upload)
    with transaction.atomic():
        claim, line = _locked_line(line=line, acting_user=acting_user)
        if line.kind not in EXPENSE_KINDS:
            raise ValidationError("Receipts are for costs like travel and childcare.", code="not_a_cost")
        if claim.state not in RECEIPT_STATES:
            raise ValidationError("You cannot add receipts to this claim now.", code="not_open")
        if line.receipts.count() >= receipt_checks.MAX_PER_LINE:
            raise ValidationError(
                f"You can add up to {receipt_checks.MAX_PER_LINE} receipts for each cost.", code="too_many"
            )
        upload.seek(0)
        data = upload.read(receipt_checks.MAX_BYTES + 1)
        if len(data) > receipt_checks.MAX_BYTES:
            raise ValidationError("The file is bigger than 5 MB.", code="too_big")
        receipt = Receipt(
            line=line,
            content_type=content_type,
            size=len(data),
            original_name=receipt_checks.clean_original_name(getattr(upload, "name", "")),
            uploaded_by=acting_user,
            uploaded_at=timezone.now(),
        )
        receipt.file.save(receipt_checks.stored_name(content_type), ContentFile(data), save=False)
        # If the row cannot be saved, the file written above goes too.
        name, storage = receipt.file.name, receipt.file.storage
        try:
            receipt.full_clean()
            receipt.save()
            audit_record(
                action="receipt.added",
                actor=acting_user,
                obj=receipt,
                organisation_id=claim.organisation_id,
                data={"claim": claim.pk, "line": line.pk, "content_type": content_type, "size": len(data)},
            )
        except Exception:
            storage.delete(name)
            raise
    return receipt


def line_reply(*, line: ClaimLine, acting_user, text: str) -> ClaimLine:
    """The person answers a line a finance officer did not accept (up to 1,000 characters)."""
    text = (text or "").strip()
    if not text:
        raise ValidationError("Write your answer.", code="reply_needed")
    text_check(text, noun="your answer", limit=REPLY_MAX, multi_line=True)
    with transaction.atomic():
        claim, line = _locked_line(line=line, acting_user=acting_user)
        if line.status != LineStatus.REJECTED:
            raise ValidationError("This cost was not refused, so there is nothing to answer.", code="not_rejected")
        if claim.state not in REPLY_STATES:
            raise ValidationError("You cannot answer on this claim now.", code="not_open")
        line.claimant_reply = text
        line.save(update_fields=["claimant_reply"])
        audit_record(
            action="claim_line.replied",
            actor=acting_user,
            obj=line,
            organisation_id=claim.organisation_id,
            data={"claim": claim.pk},
        )
    return line


def _preference_save(*, person, organisation_id: int, method: str, receives_benefits: bool | None = None):
    pref, _ = PaymentPreference.objects.select_for_update().get_or_create(
        person=person, organisation_id=organisation_id, defaults={"method": method}
    )
    pref.method = method
    if receives_benefits is not None:
        pref.receives_benefits = receives_benefits
    pref.updated_at = timezone.now()
    pref.full_clean()
    pref.save()
    return pref


def preference_set(*, person, organisation, method: str, receives_benefits: bool) -> PaymentPreference:
    """How the person would usually like to be paid by the organisation, and whether they receive benefits (which
    only turns on the gentle warning; the audit trail does not keep that answer)."""
    if method not in Method.values:
        raise ValidationError("Choose one of the ways to be paid on the list.", code="method_unknown")
    with transaction.atomic():
        pref = _preference_save(
            person=person, organisation_id=organisation.pk, method=method, receives_benefits=bool(receives_benefits)
        )
        audit_record(
            action="payment_preference.set",
            actor=person,
            obj=pref,
            organisation_id=organisation.pk,
            data={"method": method},
        )
    return pref
