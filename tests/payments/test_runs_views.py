"""The payment run pages (payments/views/runs.py): who may open each, gathering, the confirm step before a run
is marked paid, reversing a payment, errors shown on the page, and query counts that do not grow with a run."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.models import Claim, ClaimState, Payment, PaymentRun, Reversal
from payments.services.runs import run_create, run_mark_paid
from tests.payments.factories import held_session
from tests.payments.test_runs_services import approved, bank_details_for


@pytest.fixture
def session(group_with_members, facilitator, facilitator2):
    return held_session(group_with_members, facilitator, facilitator2)


def add_claims(session, make_user, *, approver, confirmer, count, method="bank"):
    made = []
    for _ in range(count):
        person = make_user()
        if method == "bank":
            bank_details_for(person)
        made.append(approved(session, person, approver=approver, confirmer=confirmer, method=method))
    return made


@pytest.fixture
def claims(session, make_user, finance_officer, facilitator2):
    return add_claims(session, make_user, approver=finance_officer, confirmer=facilitator2, count=3)


@pytest.fixture
def run(organisation, claims, finance_officer):
    return run_create(organisation=organisation, acting_user=finance_officer)


@pytest.fixture
def paid_run(run, finance_officer):
    return run_mark_paid(run=run, acting_user=finance_officer, reference="BACS-1")


def _urls(organisation, run, payment) -> dict:
    return {
        "runs": reverse("payments:runs", args=[organisation.pk]),
        "run_create": reverse("payments:run_create", args=[organisation.pk]),
        "run": reverse("payments:run", args=[run.pk]),
        "run_csv": reverse("payments:run_csv", args=[run.pk]),
        "run_xlsx": reverse("payments:run_xlsx", args=[run.pk]),
        "payment_reverse": reverse("payments:payment_reverse", args=[payment.pk]),
    }


# --- who may open each page ------------------------------------------------------------------------------------


@pytest.mark.permissions
def test_each_run_page_answers_each_role(
    client, organisation, paid_run, finance_officer, facilitator, parent, outsider
):
    urls = _urls(organisation, paid_run, Payment.objects.first())
    organisation_pages = {"runs", "run_create"}
    for name, url in urls.items():
        client.logout()
        assert client.get(url).status_code == 302, name  # signed out: the sign-in page
        client.force_login(outsider)
        assert client.get(url).status_code == 404, name
        for member in (facilitator, parent):  # in the organisation, not finance officers
            client.force_login(member)
            assert client.get(url).status_code == (403 if name in organisation_pages else 404), name
        client.force_login(finance_officer)
        assert client.get(url).status_code == 200, name
    assert client.get(reverse("payments:run_paid", args=[paid_run.pk])).status_code == 405
    assert client.get(reverse("payments:run", args=[999999])).status_code == 404
    assert client.get(reverse("payments:payment_reverse", args=[999999])).status_code == 404


@pytest.mark.permissions
def test_refused_posts_change_nothing(client, organisation, run, claims, facilitator, outsider):
    posts = [
        (reverse("payments:run_create", args=[organisation.pk]), {}),
        (reverse("payments:run_paid", args=[run.pk]), {"reference": "X", "confirmed": "on"}),
    ]
    for person, status in ((facilitator, (403, 404)), (outsider, (404, 404))):
        client.force_login(person)
        for (url, data), expected in zip(posts, status, strict=True):
            assert client.post(url, data).status_code == expected
    assert PaymentRun.objects.get().state == PaymentRun.State.OPEN
    assert not Payment.objects.exists()


@pytest.mark.permissions
def test_reversing_is_refused_to_everyone_but_finance_officers(client, paid_run, facilitator, outsider, parent):
    payment = Payment.objects.first()
    url = reverse("payments:payment_reverse", args=[payment.pk])
    for person in (facilitator, outsider, parent):
        client.force_login(person)
        assert client.post(url, {"reason": "Because"}).status_code == 404
    assert not Reversal.objects.exists()


# --- gathering ---------------------------------------------------------------------------------------------------


def test_gathering_from_the_list_page(client, organisation, claims, finance_officer):
    client.force_login(finance_officer)
    page = client.get(reverse("payments:runs", args=[organisation.pk])).content.decode()
    assert "3 approved claims, £150 in total, are not in a run yet." in page
    confirm = client.get(reverse("payments:run_create", args=[organisation.pk])).content.decode()
    assert "This puts 3 approved claims, £150 in total, into a new payment run." in confirm
    response = client.post(reverse("payments:run_create", args=[organisation.pk]))
    run = PaymentRun.objects.get()
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert run.claims.count() == 3
    # nothing left: the page says so, with the error summary
    again = client.post(reverse("payments:run_create", args=[organisation.pk]))
    assert again.status_code == 200
    text = again.content.decode()
    assert "<title>Error:" in text and "There are no approved claims waiting to be paid." in text
    assert PaymentRun.objects.count() == 1


# --- marking paid, with the confirm step ------------------------------------------------------------------------


def test_marking_paid_asks_for_the_reference_then_confirms_the_count_and_total(client, run, claims, finance_officer):
    client.force_login(finance_officer)
    url = reverse("payments:run_paid", args=[run.pk])
    # no reference: the run page again, with the error
    response = client.post(url, {"reference": "  "})
    text = response.content.decode()
    assert response.status_code == 200 and "<title>Error:" in text and "Enter the payment reference" in text
    # the confirm step says how many and how much, and pays nothing yet
    response = client.post(url, {"reference": "BACS 30 Nov"})
    text = response.content.decode()
    assert "You are marking 3 payments, £150 in total, as paid." in text
    assert 'name="confirmed" value="on"' in text and 'value="BACS 30 Nov"' in text
    assert not Payment.objects.exists()
    # confirmed
    response = client.post(url, {"reference": "BACS 30 Nov", "confirmed": "on"})
    assert response.status_code == 302 and response["Location"] == run.get_absolute_url()
    assert PaymentRun.objects.get(pk=run.pk).reference == "BACS 30 Nov"
    assert Payment.objects.count() == 3
    # sent again (a second tab): the error on the page, nothing paid twice
    response = client.post(url, {"reference": "BACS 30 Nov", "confirmed": "on"})
    assert response.status_code == 200 and "already marked as paid" in response.content.decode()
    assert Payment.objects.count() == 3


def test_a_run_holding_the_officers_own_claim_is_refused_on_the_page(
    client, organisation, session, facilitator2, finance_officer, make_user, grant
):
    from groups.models import StaffRole

    other = grant(make_user(full_name="Frank Finance"), organisation, StaffRole.Role.FINANCE_OFFICER)
    approved(session, other, approver=finance_officer, confirmer=facilitator2)
    run = run_create(organisation=organisation, acting_user=finance_officer)
    client.force_login(other)
    page = client.get(run.get_absolute_url()).content.decode()
    assert "This run holds a claim that pays you." in page
    response = client.post(reverse("payments:run_paid", args=[run.pk]), {"reference": "R", "confirmed": "on"})
    assert response.status_code == 200 and "Ask another finance officer" in response.content.decode()
    assert not Payment.objects.exists()


# --- reversing ---------------------------------------------------------------------------------------------------


def test_reversing_a_payment_needs_a_reason(client, paid_run, claims, finance_officer):
    client.force_login(finance_officer)
    payment = Payment.objects.get(claim=claims[0])
    url = reverse("payments:payment_reverse", args=[payment.pk])
    assert "Why are you reversing this payment?" in client.get(url).content.decode()
    response = client.post(url, {"reason": ""})
    text = response.content.decode()
    assert response.status_code == 200 and "<title>Error:" in text and "Say why this payment is being reversed." in text
    assert not Reversal.objects.exists()
    response = client.post(url, {"reason": "The bank sent it back."})
    assert response.status_code == 302 and response["Location"] == paid_run.get_absolute_url()
    assert Reversal.objects.get().reason == "The bank sent it back."
    assert Claim.objects.get(pk=claims[0].pk).state == ClaimState.REVERSED
    assert "was reversed on" in client.get(url).content.decode()


# --- queries do not grow with the run -----------------------------------------------------------------------------


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_pages_run_the_same_queries_for_one_claim_or_many(
    client, organisation, session, make_user, finance_officer, facilitator2
):
    client.force_login(finance_officer)
    add_claims(session, make_user, approver=finance_officer, confirmer=facilitator2, count=1)
    small = run_create(organisation=organisation, acting_user=finance_officer)
    runs_url = reverse("payments:runs", args=[organisation.pk])
    _queries(client, runs_url)  # warm
    list_with_one = _queries(client, runs_url)
    add_claims(session, make_user, approver=finance_officer, confirmer=facilitator2, count=6, method="voucher")
    add_claims(session, make_user, approver=finance_officer, confirmer=facilitator2, count=2)
    big = run_create(organisation=organisation, acting_user=finance_officer)
    _queries(client, small.get_absolute_url())  # warm the person's standing and the session
    assert _queries(client, small.get_absolute_url()) == _queries(client, big.get_absolute_url())
    run_mark_paid(run=small, acting_user=finance_officer, reference="A")
    run_mark_paid(run=big, acting_user=finance_officer, reference="B")
    assert _queries(client, small.get_absolute_url()) == _queries(client, big.get_absolute_url())
    csv_small = _queries(client, reverse("payments:run_csv", args=[small.pk]))
    assert csv_small == _queries(client, reverse("payments:run_csv", args=[big.pk]))
    add_claims(session, make_user, approver=finance_officer, confirmer=facilitator2, count=2)
    run_create(organisation=organisation, acting_user=finance_officer)
    assert _queries(client, runs_url) == list_with_one  # two paid runs and an open one: the same queries


# --- hostile input: never a 500, never a partial save --------------------------------------------------------------


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reference=st.text(max_size=80), confirmed=st.sampled_from(["", "on", "no", "\x00"]))
def test_the_mark_paid_form_never_fails_on_hostile_input(client, run, finance_officer, reference, confirmed):
    client.force_login(finance_officer)
    data = {"reference": reference, "confirmed": confirmed}
    response = client.post(reverse("payments:run_paid", args=[run.pk]), data)
    assert response.status_code in (200, 302)
    paid = PaymentRun.objects.get(pk=run.pk).state == PaymentRun.State.PAID
    # all or nothing: a paid run has every payment, an open one none
    assert Payment.objects.filter(run=run).count() == (3 if paid else 0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(reason=st.text(max_size=60))
def test_the_reverse_form_never_fails_on_hostile_input(client, paid_run, claims, finance_officer, reason):
    client.force_login(finance_officer)
    payment = Payment.objects.get(claim=claims[0])
    before = Reversal.objects.count()
    response = client.post(reverse("payments:payment_reverse", args=[payment.pk]), {"reason": reason})
    assert response.status_code in (200, 302)
    after = Reversal.objects.count()
    assert after <= 1
    if response.status_code == 302:
        assert after == before + 1
    assert Claim.objects.get(pk=claims[0].pk).state == (ClaimState.REVERSED if after else ClaimState.PAID)
