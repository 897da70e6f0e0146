"""Every payments URL against every kind of person (issue 12), in the style of tests/test_permissions_table.py,
whose row check counts the rows here too.

Money pages are hidden: a claim, a receipt, a run or a payment is a 404 to anyone who may not see it, inside the
organisation or not. The organisation's finance pages and policy are a 403 to people inside without the role.
A person's full bank details need a finance officer with a two-step code given in the last 15 minutes: without
it, allauth's "enter your code again" page ("step up"); each look and each refusal is in the access trail.

Outcomes and the table machinery: tests/permission_tables.py. Signed-in GET requests; refused posts are tested
beside each area's views.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from core.models import AccessEvent
from groups import services
from groups.models import Group, Membership, Organisation, StaffRole
from payments.models import (
    BankDetails,
    ClaimLine,
    ClaimState,
    LineKind,
    Method,
    Payment,
    PaymentRun,
    Receipt,
    RunState,
)
from payments.services.amounts import tax_year_of
from tests.conftest import PASSWORD, give_two_step
from tests.payments.factories import claim_at, held_session, make_claim, policy_for
from tests.permission_tables import client_for as shared_client_for
from tests.permission_tables import last_access_event_pk, routes_without_rows, url_of, wrong_answers
from tests.permission_tables import row as shared_row

R = StaffRole.Role

ROLES = [
    "anonymous",
    "parent",  # the claimant
    "other_parent",  # another parent of the same group, with a claim of their own
    "professional",
    "facilitator",  # led the session and closed its register
    "facilitator2",  # supported it
    "other_facilitator",  # facilitates another group of the organisation
    "governance_lead",
    "safeguarding_lead",
    "finance_officer",  # two-step sign-in set up, no code given recently
    "finance_officer_stepped",  # the same role, with a code given just now
    "org_admin",
    "other_org_finance",  # a finance officer of another organisation (with a recent code)
    "other_org_admin",
]


def _person(email, name):
    return services.user_create(email=email, full_name=name, password=PASSWORD, verified=True)


def _build():
    bayside = Organisation.objects.create(name="Bayside Partnership", slug="bayside")
    hillside = Organisation.objects.create(name="Hillside Partnership", slug="hillside")
    p = {role: _person(f"{role}@example.test", role.replace("_", " ").title()) for role in ROLES[1:]}
    for role, staff_role in [
        ("facilitator", R.FACILITATOR),
        ("facilitator2", R.FACILITATOR),
        ("other_facilitator", R.FACILITATOR),
        ("governance_lead", R.GOVERNANCE_LEAD),
        ("safeguarding_lead", R.SAFEGUARDING_LEAD),
        ("finance_officer", R.FINANCE_OFFICER),
        ("finance_officer_stepped", R.FINANCE_OFFICER),
        ("org_admin", R.ADMIN),
    ]:
        services.staff_role_grant(organisation=bayside, user=p[role], role=staff_role)
    services.staff_role_grant(organisation=hillside, user=p["other_org_admin"], role=R.ADMIN)
    services.staff_role_grant(organisation=hillside, user=p["other_org_finance"], role=R.FINANCE_OFFICER)
    for role in ("safeguarding_lead", "finance_officer", "finance_officer_stepped", "org_admin"):
        give_two_step(p[role])
    for role in ("other_org_admin", "other_org_finance"):
        give_two_step(p[role])
    mothers = services.group_create(
        organisation=bayside, name="Mothers' group", kind=Group.Kind.COPRODUCTION, purpose="Mothers.",
        acting_user=p["facilitator"],
    )  # fmt: skip
    fathers = services.group_create(
        organisation=bayside, name="Fathers' group", kind=Group.Kind.COPRODUCTION, purpose="Dads.",
        acting_user=p["other_facilitator"],
    )  # fmt: skip
    add = services.membership_add
    add(group=mothers, user=p["facilitator2"], role=Membership.Role.FACILITATOR, acting_user=p["facilitator"])
    add(group=mothers, user=p["parent"], role=Membership.Role.PARENT, acting_user=p["facilitator"])
    add(group=mothers, user=p["other_parent"], role=Membership.Role.PARENT, acting_user=p["facilitator"])
    add(group=mothers, user=p["professional"], role=Membership.Role.PROFESSIONAL, acting_user=p["facilitator"])
    add(
        group=fathers, user=p["other_facilitator"], role=Membership.Role.FACILITATOR, acting_user=p["other_facilitator"]
    )

    policy = policy_for(bayside, charity_name="Home-Start", methods=[m.value for m in Method])
    held = held_session(
        mothers, p["facilitator"], p["facilitator2"], attendees={p["parent"]: (0, 120), p["other_parent"]: (0, 120)}
    )
    claim = make_claim(held, p["parent"], policy=policy, travel_pence=430)
    travel = claim.lines.get(kind=LineKind.TRAVEL)
    receipt = Receipt.objects.create(
        line=travel,
        file=SimpleUploadedFile("ticket.pdf", b"%PDF-1.4 ticket", content_type="application/pdf"),
        content_type="application/pdf",
        size=15,
        uploaded_by=p["parent"],
    )
    other = make_claim(held, p["other_parent"], policy=policy)
    other = claim_at(other, ClaimState.APPROVED, attendance_by=p["facilitator2"], approved_by=p["finance_officer"])
    BankDetails.objects.create(
        person=p["parent"], account_name="P Parent", sort_code="123456", account_number="12345678",
        account_number_last2="78",
    )  # fmt: skip
    # A run holding the other parent's approved claim, paid (for the reversal page).
    run = PaymentRun.objects.create(organisation=bayside, created_by=p["finance_officer"])
    other_line = ClaimLine.objects.get(claim=other, kind=LineKind.PARTICIPATION)
    payment = Payment.objects.create(
        claim=other, run=run, method=Method.BANK, participation_pence=other_line.amount_pence, expenses_pence=0,
        paid_by=p["finance_officer"],
    )  # fmt: skip
    PaymentRun.objects.filter(pk=run.pk).update(
        state=RunState.PAID, paid_by=p["finance_officer"], paid_at=timezone.now(), reference="BACS-1"
    )
    return bayside, held, claim, travel, receipt, run, payment, p


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            bayside, held, claim, travel, receipt, run, payment, people = _build()
            args = {
                "organisation_id": bayside.pk,
                "session_id": held.pk,
                "claim_id": claim.pk,
                "line_id": travel.pk,
                "receipt_id": receipt.pk,
                "run_id": run.pk,
                "payment_id": payment.pk,
                "person_id": people["parent"].pk,
                "year": tax_year_of(timezone.localdate()),
            }
            yield {"people": {k: v.pk for k, v in people.items()}, "args": args}
            transaction.set_rollback(True)


# --- the table ------------------------------------------------------------------------------------------------

FINANCE = {"finance_officer", "finance_officer_stepped"}
SESSION_RUNNERS = {"facilitator", "facilitator2", "org_admin"}  # the session's facilitators and the group's managers
INSIDE = set(ROLES) - {"anonymous", "other_org_finance", "other_org_admin"}
SIGNED_IN = set(ROLES) - {"anonymous"}


def row(ok, *, inside=INSIDE, hidden=False, step_up=frozenset()):
    return shared_row(ok, inside=inside, hidden=hidden, step_up=step_up)


OWN = {"ok": SIGNED_IN, "inside": SIGNED_IN, "step_up": set()}  # a person's own money pages

TABLE = {
    "payments/": OWN,
    "payments/statement/<int:year>/": OWN,
    "payments/statement/<int:year>.csv": OWN,
    "payments/bank-details/": OWN,
    "payments/how-to-be-paid/<int:organisation_id>/": row(INSIDE),
    "payments/claims/<int:claim_id>/": row({"parent"} | FINANCE | SESSION_RUNNERS, hidden=True),
    "payments/claims/<int:claim_id>/confirm/": row({"parent"}, hidden=True),
    "payments/claims/<int:claim_id>/decline/": row({"parent"}, hidden=True),
    "payments/claims/<int:claim_id>/lines/<int:line_id>/travel/": row({"parent"}, hidden=True),
    "payments/claims/<int:claim_id>/lines/<int:line_id>/receipt/": row({"parent"}, hidden=True),
    "payments/claims/<int:claim_id>/lines/<int:line_id>/reply/": row({"parent"}, hidden=True),
    "payments/receipts/<int:receipt_id>/": row({"parent"} | FINANCE, hidden=True),
    "payments/sessions/<int:session_id>/attendance/": row(SESSION_RUNNERS),
    "payments/finance/<int:organisation_id>/": row(FINANCE),
    "payments/finance/claims/<int:claim_id>/": row(FINANCE, hidden=True),
    "payments/finance/claims/<int:claim_id>/approve/": row(FINANCE, hidden=True),
    "payments/finance/claims/<int:claim_id>/lines/<int:line_id>/reject/": row(FINANCE, hidden=True),
    "payments/finance/claims/<int:claim_id>/lines/<int:line_id>/amount/": row(FINANCE, hidden=True),
    "payments/finance/<int:organisation_id>/runs/": row(FINANCE),
    "payments/finance/<int:organisation_id>/runs/new/": row(FINANCE),
    "payments/runs/<int:run_id>/": row(FINANCE, hidden=True),
    "payments/runs/<int:run_id>/export.csv": row(FINANCE, hidden=True),
    "payments/runs/<int:run_id>/export.xlsx": row(FINANCE, hidden=True),
    "payments/runs/<int:run_id>/paid/": row(FINANCE, hidden=True),
    "payments/finance/payments/<int:payment_id>/reverse/": row(FINANCE, hidden=True),
    "payments/finance/<int:organisation_id>/people/<int:person_id>/bank-details/": row(
        {"finance_officer_stepped"}, step_up={"finance_officer"}
    ),
    "payments/policy/<int:organisation_id>/": row({"org_admin"}),
    "payments/reports/<int:organisation_id>/": row(FINANCE | {"org_admin"}),
    "payments/reports/<int:organisation_id>/report.csv": row(FINANCE | {"org_admin"}),
}


def client_for(role: str, world):
    return shared_client_for(role, world, stepped_up=("finance_officer_stepped", "other_org_finance"))


def test_every_payments_route_has_a_row():
    missing, gone = routes_without_rows(TABLE, "payments/")
    assert missing == [], "add a row to TABLE for each"
    assert gone == [], "remove the row of each URL pattern that is gone"


@pytest.mark.parametrize("role", ROLES)
def test_every_payments_url_answers_each_role(world, role, db):
    wrong = wrong_answers(TABLE, client_for(role, world), role, world)
    assert wrong == [], f"{role}:\n" + "\n".join(wrong)


def test_bank_details_looks_and_refusals_are_in_the_access_trail(world, db):
    route = "payments/finance/<int:organisation_id>/people/<int:person_id>/bank-details/"
    mark = last_access_event_pk()
    response = client_for("finance_officer_stepped", world).get(url_of(route, world))
    assert response.status_code == 200 and b"12345678" in response.content
    seen = AccessEvent.objects.filter(pk__gt=mark)
    assert {(e.kind, e.actor_id) for e in seen} == {("view", world["people"]["finance_officer_stepped"])}

    mark = last_access_event_pk()
    assert client_for("facilitator", world).get(url_of(route, world)).status_code == 403
    assert [e.kind for e in AccessEvent.objects.filter(pk__gt=mark)] == ["refused"]

    # Without a recent code the details are not shown, and nothing is recorded as seen.
    mark = last_access_event_pk()
    response = client_for("finance_officer", world).get(url_of(route, world))
    assert response.status_code == 302 and b"12345678" not in response.content
    assert not AccessEvent.objects.filter(pk__gt=mark, kind="view").exists()


def test_run_downloads_are_in_the_access_trail(world, db):
    client = client_for("finance_officer", world)
    for route in ("payments/runs/<int:run_id>/export.csv", "payments/runs/<int:run_id>/export.xlsx"):
        mark = last_access_event_pk()
        response = client.get(url_of(route, world))
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body, route
        assert AccessEvent.objects.filter(pk__gt=mark, actor_id=world["people"]["finance_officer"]).count() == 1, route
