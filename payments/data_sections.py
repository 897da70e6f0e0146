"""What payments holds about a person, for their own download (`core.extensions.person_data`): their claims,
the lines of each, payments and reversals, how they like to be paid, and their bank account masked (never its
numbers). Six queries, whatever the person's history. Imported by payments' AppConfig.ready()."""

from core import extensions
from core.extensions import DataSection
from core.money import format_pence

from .models import BankDetails, Claim, ClaimLine, Payment, PaymentPreference, Reversal


@extensions.person_data.register
def payments_data(*, person) -> list[DataSection]:
    claims = (
        Claim.objects.filter(claimant=person).select_related("session", "organisation").order_by("created_at", "pk")
    )
    claims_section = DataSection(
        title="Your claims for payment",
        rows=[
            {
                "Claim number": c.pk,
                "Organisation": c.organisation.name,
                "Session": c.session.title,
                "Session date": c.session.starts_at,
                "Where it is": c.get_state_display(),
                "How you are paid": c.get_method_display(),
                "You asked for less, for your time": format_pence(c.participation_requested_pence),
                "Made": c.created_at,
                "You confirmed it": c.submitted_at,
                "Approved": c.approved_at,
                "To be paid by": c.due_on,
            }
            for c in claims
        ],
    )
    lines = ClaimLine.objects.filter(claim__claimant=person).order_by("claim_id", "pk")
    lines_section = DataSection(
        title="What each claim is for",
        rows=[
            {
                "Claim number": line.claim_id,
                "For": line.get_kind_display(),
                "Description": line.description,
                "Minutes counted": line.minutes,
                "Miles": line.miles_tenths / 10 if line.miles_tenths is not None else None,
                "Amount": format_pence(line.amount_pence),
                "Checked": line.get_status_display(),
                "Why it was not accepted": line.rejection_reason,
                "Your reply": line.claimant_reply,
            }
            for line in lines
        ],
    )
    payments = Payment.objects.filter(claim__claimant=person).order_by("paid_at", "pk")
    payments_section = DataSection(
        title="Payments made to you",
        rows=[
            {
                "Claim number": p.claim_id,
                "How": p.get_method_display(),
                "For your time": format_pence(p.participation_pence),
                "Costs repaid": format_pence(p.expenses_pence),
                "Total": format_pence(p.total_pence),
                "Paid": p.paid_at,
            }
            for p in payments
        ],
    )
    reversals = Reversal.objects.filter(payment__claim__claimant=person).select_related("payment")
    reversals_section = DataSection(
        title="Payments put right",
        rows=[
            {"Claim number": r.payment.claim_id, "Why": r.reason, "When": r.reversed_at}
            for r in reversals.order_by("reversed_at", "pk")
        ],
    )
    preferences = PaymentPreference.objects.filter(person=person).select_related("organisation").order_by("pk")
    preferences_section = DataSection(
        title="How you like to be paid",
        rows=[
            {
                "Organisation": p.organisation.name,
                "How": p.get_method_display(),
                "You told us you receive benefits": p.receives_benefits,
                "Last changed": p.updated_at,
            }
            for p in preferences
        ],
    )
    bank = BankDetails.objects.filter(person=person).only("account_number_last2", "updated_at").first()
    bank_section = DataSection(
        title="Your bank account",
        rows=[{"Account": bank.masked, "Last changed": bank.updated_at}] if bank else [],
    )
    return [claims_section, lines_section, payments_section, reversals_section, preferences_section, bank_section]
