"""Demo data for payments (registered with core.extensions.demo_seeders): the organisation's policy, bank
details for four parents, and claims from the mothers' group's past sessions in every state: made (waiting for
the parent to check), submitted (one ready to approve, one waiting for a facilitator), on hold (waiting for a
parent's benefits choice), approved and waiting for a run, paid in a run with its bank reference, one payment
reversed, one claim declined, and a parent who chose not to be paid for her time but had her childcare repaid.

Everything goes through the payments services (closing the register, confirming, approving, gathering a run,
marking it paid, reversing), so the demo obeys the same rules as the app. Safe to run twice: an organisation
that already has claims is left alone."""

from django.utils import timezone

from core import extensions
from groups.models import StaffRole
from sessions_app.models import CheckIn, Session

from .models import Claim, ClaimLine, LineKind, Method, PaymentPreference
from .services import approvals, parent, runs
from .services.bank import bank_details_set
from .services.claims import claims_make_for_session
from .services.policy import policy_current

BANK = [  # made-up accounts (sort codes 40-xx-xx are not checked against any bank)
    ("Amira Hassan", "40-11-62", "31926819"),
    ("Jodie Clarke", "40-22-73", "12873465"),
    ("Siobhan O'Neill", "40-33-84", "55501234"),
    ("Grace Mensah", "40-44-95", "90817263"),
]
REFERENCE = "BACS DEMO 0001"


def _close_register(session: Session, lead) -> Session:
    from sessions_app.services import session_attendance_close

    if session.attendance_closed_at is None:
        session = session_attendance_close(session=session, acting_user=lead)
    return session


def _claims_of(session: Session) -> list[Claim]:
    return list(Claim.objects.filter(session=session).select_related("claimant").order_by("claimant_id"))


def _fresh(claim: Claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


@extensions.demo_seeders.register
def seed_payments(*, context):
    org = context["organisation"]
    if Claim.objects.filter(organisation=org).exists():
        return
    mothers = context["groups"][0]
    parents, facs = context["parents"], context["facilitators"]
    finance = context["staff"][StaffRole.Role.FINANCE_OFFICER]
    policy_current(organisation=org)

    for person, (name, sort_code, number) in zip(parents, BANK, strict=False):
        if not hasattr(person, "bank_details"):
            bank_details_set(person=person, acting_user=person, account_name=name, sort_code=sort_code,
                             account_number=number)  # fmt: skip

    now = timezone.now()
    past = list(
        Session.objects.filter(group=mothers, ends_at__lt=now, status=Session.Status.PUBLISHED)
        .filter(pk__in=CheckIn.objects.values("session_id"))
        .order_by("starts_at")
    )
    if len(past) < 3:
        return  # the sessions demo did not run: nothing to claim for
    lead, support = facs[0], facs[1]  # the series is led by the first facilitator, supported by the second
    for session in past:
        session = _close_register(session, lead)
        claims_make_for_session(session_id=session.pk, acting_user_id=lead.pk)

    oldest, middle = past[0], past[1]

    # The oldest session: everyone confirmed, approved and paid in one run; one payment reversed.
    paid = _claims_of(oldest)
    for i, claim in enumerate(paid):
        if i == 1:
            # She would rather not be paid for her time, but her childcare is repaid.
            ClaimLine.objects.create(
                claim=claim, kind=LineKind.CHILDCARE, description="Childcare: Little Stars nursery", amount_pence=1800
            )
            parent.claim_confirm(claim=claim, acting_user=claim.claimant, method=Method.NONE)
        else:
            method = Method.BANK if hasattr(claim.claimant, "bank_details") else Method.CASH
            parent.claim_confirm(claim=claim, acting_user=claim.claimant, method=method)
    approvals.claims_attendance_confirm(session=oldest, acting_user=support, claim_ids=[c.pk for c in paid])
    for claim in paid:
        approvals.claim_approve(claim=_fresh(claim), acting_user=finance)
    run = runs.run_create(organisation=org, acting_user=finance)
    run = runs.run_mark_paid(run=run, acting_user=finance, reference=REFERENCE)
    reversed_claim = paid[-1]
    runs.payment_reverse(
        payment=_fresh(reversed_claim).payment,
        acting_user=finance,
        reason="Sent to an old account by mistake; paid again in cash at the next session.",
    )

    # The middle session: approved and waiting for a run; one ready to approve; one waiting for a facilitator;
    # one declined by the parent.
    waiting = _claims_of(middle)
    for claim in waiting[:-1]:
        method = Method.BANK if hasattr(claim.claimant, "bank_details") else Method.VOUCHER
        parent.claim_confirm(claim=claim, acting_user=claim.claimant, method=method)
    approvals.claims_attendance_confirm(session=middle, acting_user=support, claim_ids=[c.pk for c in waiting[:2]])
    approvals.claim_approve(claim=_fresh(waiting[0]), acting_user=finance)
    parent.claim_decline(claim=_fresh(waiting[-1]), acting_user=waiting[-1].claimant)

    # Sessions after it: one on hold for a benefits choice; the rest wait for the parents to check them.
    later = [c for s in past[2:] for c in _claims_of(s)]
    if later:
        held = later[0]
        PaymentPreference.objects.update_or_create(
            organisation=org, person=held.claimant, defaults={"receives_benefits": True}
        )
        claim = Claim.objects.select_for_update().get(pk=held.pk)
        claim.submit()
        claim.hold()  # the parent receives benefits: the payment waits for her choice
        claim.save()
