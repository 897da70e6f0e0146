"""payments on the home page and in the menu, what erasing a person removes and keeps, and the demo data."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from groups import services as group_services
from payments.models import BankDetails, ClaimState, Payment, PaymentPreference, PaymentRun
from payments.services.bank import bank_details_set
from tests.payments.factories import claim_at, held_session, make_claim

GOOD = {"account_name": "Patricia Q Parent", "sort_code": "40-11-62", "account_number": "87654312"}


@pytest.fixture
def session(group_with_members, facilitator, facilitator2):
    return held_session(group_with_members, facilitator, facilitator2)


def home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def menu_labels(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    return [label for label, _ in response.context["nav"]["items"]]


# --- the home page -------------------------------------------------------------------------------------------


def test_a_parent_with_claims_to_check(client, session, parent, make_user):
    make_claim(session, parent)
    html = home(client, parent)
    assert "Payments: 1 to check" in html
    assert f'href="{reverse("payments:mine")}"' in html


def test_nothing_to_check_shows_nothing(client, session, parent, facilitator2, finance_officer):
    claim_at(make_claim(session, parent), ClaimState.SUBMITTED)
    assert "to check" not in home(client, parent)


def test_a_finance_officer_sees_claims_waiting(client, session, make_user, facilitator2, finance_officer, organisation):
    claim_at(make_claim(session, make_user()), ClaimState.SUBMITTED, attendance_by=facilitator2)
    claim_at(
        make_claim(session, make_user()), ClaimState.APPROVED, attendance_by=facilitator2, approved_by=finance_officer
    )
    make_claim(session, make_user())  # not theirs yet
    html = home(client, finance_officer)
    assert "2 claims waiting, oldest" in html and "working day" in html
    assert reverse("payments:finance", args=[organisation.pk]) in html


def test_home_sections_cost_a_fixed_number_of_queries(
    client, session, make_user, parent, facilitator, facilitator2, finance_officer, group_with_members
):
    def count(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("home"))
        return len(ctx.captured_queries)

    claim_at(make_claim(session, make_user()), ClaimState.SUBMITTED, attendance_by=facilitator2)
    make_claim(session, parent)
    finance_one, parent_one = count(finance_officer), count(parent)
    for n in range(5):
        claim_at(make_claim(session, make_user()), ClaimState.SUBMITTED, attendance_by=facilitator2)
        # and more claims of the parent's own to check, from other sessions
        make_claim(held_session(group_with_members, facilitator, facilitator2, title=f"Session {n}"), parent)
    assert count(finance_officer) == finance_one and count(parent) == parent_one


# --- the menu ------------------------------------------------------------------------------------------------


def test_menu(client, group_with_members, parent, professional, facilitator, finance_officer, org_admin, make_user):
    assert "My payments" in menu_labels(client, parent)  # a parent member of a group
    assert "My payments" not in menu_labels(client, professional)  # claims are for lived experience only
    assert "My payments" not in menu_labels(client, facilitator)
    labels = menu_labels(client, finance_officer)
    assert "Finance" in labels and "My payments" not in labels
    assert "My payments" not in menu_labels(client, org_admin) and "Finance" not in menu_labels(client, org_admin)
    former = make_user()
    bank_details_set(person=former, acting_user=former, **GOOD)
    assert "My payments" in menu_labels(client, former)  # no group, but bank details


# --- erasure -------------------------------------------------------------------------------------------------


def test_erasure_removes_bank_details_and_choices_and_keeps_the_money(
    session, parent, facilitator2, finance_officer, org_admin, organisation
):
    bank_details_set(person=parent, acting_user=parent, **GOOD)
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    claim = claim_at(
        make_claim(session, parent), ClaimState.PAID, attendance_by=facilitator2, approved_by=finance_officer
    )
    run = PaymentRun.objects.create(organisation=organisation, created_by=finance_officer)
    Payment.objects.create(
        claim=claim, run=run, method="bank", participation_pence=5000, expenses_pence=0, paid_by=finance_officer
    )

    reports = group_services.person_anonymise(person=parent, acting_user=org_admin)

    assert not BankDetails.objects.filter(person=parent).exists()
    assert not PaymentPreference.objects.filter(person=parent).exists()
    assert Payment.objects.filter(claim__claimant=parent).count() == 1
    assert claim.__class__.objects.filter(claimant=parent).count() == 1
    [report] = [r for r in reports if r.app == "payments"]
    assert report.erased[0] == "bank details (1)"
    assert any("6 years" in kept for kept in report.kept)


# --- demo data -----------------------------------------------------------------------------------------------


def test_seed_demo_twice_gives_every_state_once_over(settings, db):
    from django.core.management import call_command

    from groups.models import Organisation
    from payments.models import BankDetails, Claim, PaymentRun, Reversal

    settings.DEBUG = True
    call_command("seed_demo", stdout=io.StringIO())
    org = Organisation.objects.get(slug="better-start-bayside")
    first = {
        "claims": Claim.objects.filter(organisation=org).count(),
        "payments": Payment.objects.filter(run__organisation=org).count(),
        "runs": PaymentRun.objects.filter(organisation=org).count(),
        "bank": BankDetails.objects.count(),
    }
    states = set(Claim.objects.filter(organisation=org).values_list("state", flat=True))
    assert states == set(ClaimState.values)  # made, submitted, on hold, approved, paid, declined, reversed
    paid_run = PaymentRun.objects.get(organisation=org, state="paid")
    assert paid_run.reference and paid_run.payments.exists()
    assert Reversal.objects.filter(payment__run=paid_run).count() == 1
    none = Payment.objects.get(run=paid_run, method="none")
    assert none.participation_pence == 0 and none.expenses_pence > 0  # chose not to be paid; costs repaid
    assert Claim.objects.filter(organisation=org, state="submitted", attendance_confirmed_by__isnull=False).exists()
    assert Claim.objects.filter(organisation=org, state="submitted", attendance_confirmed_by__isnull=True).exists()
    assert first["bank"] >= 1

    call_command("seed_demo", stdout=io.StringIO())
    assert {
        "claims": Claim.objects.filter(organisation=org).count(),
        "payments": Payment.objects.filter(run__organisation=org).count(),
        "runs": PaymentRun.objects.filter(organisation=org).count(),
        "bank": BankDetails.objects.count(),
    } == first
