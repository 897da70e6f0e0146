"""What payments does when a person is erased (core.extensions.person_erasure).

Their bank details and their payment choices go: nothing needs them once they are gone. Their claims, the lines
and receipts behind them, the payments sent and any reversals stay, pointing at the anonymised person: they
are financial records the law asks an organisation to keep for six years (HMRC), and a funder's report and an
audit must still add up. Nothing in them names the person once the profile is blank."""

from core import extensions
from core.extensions import ErasureReport

from .models import BankDetails, Claim, Payment, PaymentPreference, Reversal


@extensions.person_erasure.register
def erase_person(*, person, acting_user) -> ErasureReport:
    bank, _ = BankDetails.objects.filter(person=person).delete()
    preferences, _ = PaymentPreference.objects.filter(person=person).delete()
    claims = Claim.objects.filter(claimant=person).count()
    payments = Payment.objects.filter(claim__claimant=person).count()
    reversals = Reversal.objects.filter(payment__claim__claimant=person).count()
    return ErasureReport(
        app="payments",
        erased=[
            f"bank details ({bank})",
            f"how they chose to be paid and whether they said they receive benefits ({preferences})",
        ],
        kept=[
            f"claims, with their amounts, receipts and who approved them ({claims}): financial records kept for "
            "6 years by law",
            f"payments sent ({payments}) and reversals ({reversals}): financial records kept for 6 years by law",
        ],
    )
