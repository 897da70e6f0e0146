"""The attendance page of a session's claims and the finance officer's claim pages: who may open them, what they
show and hide, the service's refusals in the error summary, and a fixed number of queries."""

import pytest
from django.conf import settings
from django.db import connection
from django.shortcuts import resolve_url
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import AuditEvent
from groups.models import StaffRole
from payments.models import (
    AmountChange,
    Claim,
    ClaimLine,
    ClaimState,
    LineKind,
    LineStatus,
    PaymentPreference,
    Receipt,
)
from payments.services.approvals import claims_attendance_confirm
from tests.payments.factories import claim_at, held_session, make_claim, policy_for

FINANCE = StaffRole.Role.FINANCE_OFFICER


@pytest.fixture
def session(group_with_members, facilitator, facilitator2, parent):
    return held_session(group_with_members, facilitator, facilitator2, attendees={parent: (5, 110)})


@pytest.fixture
def claim(session, parent):
    return claim_at(make_claim(session, parent, minutes=105, childcare_pence=1200), ClaimState.SUBMITTED)


@pytest.fixture
def confirmed(claim, facilitator2):
    claims_attendance_confirm(session=claim.session, acting_user=facilitator2, claim_ids=[claim.pk])
    return Claim.objects.get(pk=claim.pk)


def attendance_url(session):
    return reverse("payments:attendance_confirm", args=[session.pk])


def review_url(claim):
    return reverse("payments:claim_review", args=[claim.pk])


# --- the attendance page -------------------------------------------------------------------------------------


@pytest.mark.permissions
def test_attendance_page_permissions(client, session, claim, facilitator2, parent, finance_officer, outsider):
    url = attendance_url(session)
    response = client.get(url)  # signed out: the sign-in page
    assert response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL))
    client.force_login(outsider)
    assert client.get(url).status_code == 404
    for person in (parent, finance_officer):  # inside the organisation, not running the session
        client.force_login(person)
        assert client.get(url).status_code == 403
    client.force_login(facilitator2)
    assert client.get(url).status_code == 200


def test_the_co_facilitator_ticks_and_confirms(client, session, claim, facilitator2):
    client.force_login(facilitator2)
    page = client.get(attendance_url(session)).content.decode()
    assert "Pat Parent" in page and "1 hour 45 minutes" in page
    assert f'name="claims" value="{claim.pk}"' in page
    # when
    response = client.post(attendance_url(session), {"claims": [claim.pk]})
    # then
    assert response.status_code == 302
    assert Claim.objects.get(pk=claim.pk).attendance_confirmed_by == facilitator2
    page = client.get(attendance_url(session)).content.decode()
    assert "Confirmed by Femi Facilitator" in page and 'name="claims"' not in page


def test_the_preparer_sees_why_and_no_tick_box_and_the_service_refuses(client, session, claim, facilitator):
    client.force_login(facilitator)
    page = client.get(attendance_url(session)).content.decode()
    assert "Your co-facilitator confirms these: you closed the register." in page
    assert 'name="claims"' not in page
    # when: sent anyway
    response = client.post(attendance_url(session), {"claims": [claim.pk]})
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page and "error-summary" in page
    assert Claim.objects.get(pk=claim.pk).attendance_confirmed_by is None


def test_nothing_ticked_is_an_error_not_a_500(client, session, claim, facilitator2):
    client.force_login(facilitator2)
    response = client.post(attendance_url(session), {"claims": ["x"]})
    assert response.status_code == 200
    assert "Tick at least one claim to confirm." in response.content.decode()
    # digits that are not plain 0-9 ("²" is a digit to Python, not a number int() reads) and huge numbers
    response = client.post(attendance_url(session), {"claims": ["²", "٣", "9" * 40]})
    assert response.status_code == 200
    assert "Tick at least one claim to confirm." in response.content.decode()


def test_the_attendance_page_runs_the_same_queries_for_one_claim_or_many(
    client, session, claim, facilitator2, make_user
):
    client.force_login(facilitator2)
    client.get(attendance_url(session))  # warm the session and caches
    with CaptureQueriesContext(connection) as one:
        assert client.get(attendance_url(session)).status_code == 200
    for _ in range(5):
        make_claim(session, make_user())
    with CaptureQueriesContext(connection) as many:
        response = client.get(attendance_url(session))
    assert response.content.decode().count('name="claims"') == 6
    assert len(many) == len(one)


# --- the finance officer's claim page --------------------------------------------------------------------------


@pytest.mark.permissions
def test_claim_review_permissions(
    client, confirmed, facilitator, parent, finance_officer, outsider, other_organisation, make_user, grant
):
    url = review_url(confirmed)
    elsewhere = grant(make_user(email="money@hillside.test"), other_organisation, FINANCE)
    for person in (outsider, elsewhere):
        client.force_login(person)
        assert client.get(url).status_code == 404
    # Inside the organisation without the finance role: the claim's existence is not revealed here.
    for person in (facilitator, parent):
        client.force_login(person)
        assert client.get(url).status_code == 404
    client.force_login(finance_officer)
    assert client.get(url).status_code == 200
    assert client.get(reverse("payments:claim_approve", args=[confirmed.pk])).status_code == 405


FINANCE_PAGES = ["claim_review", "line_reject", "line_amount"]


def finance_url(name, claim):
    if name in ("claim_review", "claim_approve"):
        return reverse(f"payments:{name}", args=[claim.pk])
    return reverse(f"payments:{name}", args=[claim.pk, claim.lines.first().pk])


@pytest.mark.permissions
@pytest.mark.parametrize("name", [*FINANCE_PAGES, "claim_approve"])
def test_each_finance_page_answers_each_role(client, name, confirmed, facilitator, finance_officer, outsider):
    url = finance_url(name, confirmed)
    method = client.post if name == "claim_approve" else client.get
    response = method(url)
    assert response.status_code == 302 and response.url.startswith(resolve_url(settings.LOGIN_URL))
    for person in (outsider, facilitator):  # another organisation; inside it without the finance role
        client.force_login(person)
        assert method(url).status_code == 404
    assert Claim.objects.get(pk=confirmed.pk).state == ClaimState.SUBMITTED  # refused posts change nothing
    client.force_login(finance_officer)
    assert method(url).status_code == (302 if name == "claim_approve" else 200)


def test_the_review_shows_lines_receipts_replies_amounts_and_history(client, confirmed, parent, finance_officer):
    childcare = confirmed.lines.get(kind=LineKind.CHILDCARE)
    ClaimLine.objects.filter(pk=childcare.pk).update(claimant_reply="The nursery only gives paper bills.")
    Receipt.objects.create(
        line=childcare, file="receipts/x.pdf", content_type="application/pdf", size=10, uploaded_by=parent
    )
    client.force_login(finance_officer)
    page = client.get(review_url(confirmed)).content.decode()
    assert "The nursery only gives paper bills." in page
    assert "Receipt 1" in page
    assert "£50" in page and "£12" in page and "£62" in page
    assert "Confirmed by Femi Facilitator" in page
    assert "Version 1" in page
    assert "Attendance confirmed, by Femi Facilitator" in page
    assert reverse("payments:claim_approve", args=[confirmed.pk]) in page


def test_approving_from_the_page(client, confirmed, finance_officer):
    client.force_login(finance_officer)
    response = client.post(reverse("payments:claim_approve", args=[confirmed.pk]))
    assert response.status_code == 302
    assert Claim.objects.get(pk=confirmed.pk).state == ClaimState.APPROVED


def test_a_claimant_finance_officer_sees_no_buttons_and_is_refused_by_post(
    client, confirmed, parent, organisation, grant
):
    grant(parent, organisation, FINANCE)
    client.force_login(parent)
    page = client.get(review_url(confirmed)).content.decode()
    assert "Another finance officer deals with this claim: it pays you." in page
    assert reverse("payments:claim_approve", args=[confirmed.pk]) not in page
    line = confirmed.lines.first()
    assert reverse("payments:line_reject", args=[confirmed.pk, line.pk]) not in page
    # when
    response = client.post(reverse("payments:claim_approve", args=[confirmed.pk]))
    # then
    assert response.status_code == 200
    assert "<title>Error: " in response.content.decode()
    assert Claim.objects.get(pk=confirmed.pk).state == ClaimState.SUBMITTED
    response = client.post(reverse("payments:line_reject", args=[confirmed.pk, line.pk]), {"reason": "No."})
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert ClaimLine.objects.get(pk=line.pk).status == LineStatus.OPEN


def test_the_attendance_confirmer_with_the_finance_role_cannot_approve_by_post(
    client, confirmed, facilitator2, organisation, grant
):
    grant(facilitator2, organisation, FINANCE)
    client.force_login(facilitator2)
    assert (
        reverse("payments:claim_approve", args=[confirmed.pk]) not in client.get(review_url(confirmed)).content.decode()
    )
    client.post(reverse("payments:claim_approve", args=[confirmed.pk]))
    assert Claim.objects.get(pk=confirmed.pk).state == ClaimState.SUBMITTED


def test_refusing_a_line_from_its_page(client, confirmed, finance_officer):
    line = confirmed.lines.get(kind=LineKind.CHILDCARE)
    url = reverse("payments:line_reject", args=[confirmed.pk, line.pk])
    client.force_login(finance_officer)
    page = client.get(url).content.decode()
    assert "The parent will see this reason and can answer it" in page
    # An empty reason: the error summary, nothing saved.
    response = client.post(url, {"reason": ""})
    assert response.status_code == 200 and "<title>Error: " in response.content.decode()
    assert ClaimLine.objects.get(pk=line.pk).status == LineStatus.OPEN
    # when
    response = client.post(url, {"reason": "Please send the nursery bill."})
    # then
    assert response.status_code == 302
    line.refresh_from_db()
    assert (line.status, line.rejection_reason) == (LineStatus.REJECTED, "Please send the nursery bill.")
    assert Claim.objects.get(pk=confirmed.pk).state == ClaimState.MADE


@pytest.mark.permissions
def test_a_line_of_another_claim_is_not_found(client, session, confirmed, finance_officer, professional):
    other = make_claim(session, professional)
    client.force_login(finance_officer)
    for name in ("line_reject", "line_amount"):
        url = reverse(f"payments:{name}", args=[confirmed.pk, other.lines.first().pk])
        assert client.get(url).status_code == 404


def test_changing_an_amount_after_approval_from_its_page(
    client, confirmed, finance_officer, make_user, organisation, grant
):
    from payments.services.approvals import claim_approve

    claim_approve(claim=confirmed, acting_user=finance_officer)
    other_officer = grant(make_user(), organisation, FINANCE)
    line = confirmed.lines.get(kind=LineKind.CHILDCARE)
    url = reverse("payments:line_amount", args=[confirmed.pk, line.pk])
    client.force_login(other_officer)
    assert 'value="12.00"' in client.get(url).content.decode()
    # Hostile and missing input: the error summary, the input kept, nothing saved.
    for data in ({"amount": "1e26", "reason": "x"}, {"amount": "-3", "reason": "x"}, {"amount": "9.00", "reason": ""}):
        response = client.post(url, data)
        assert response.status_code == 200
        assert "<title>Error: " in response.content.decode()
        assert f'value="{data["amount"]}"' in response.content.decode()
    assert not AmountChange.objects.exists()
    # when
    response = client.post(url, {"amount": "9.00", "reason": "The bill says £9."})
    # then
    assert response.status_code == 302
    assert AmountChange.objects.get(line=line).new_pence == 900
    assert AuditEvent.objects.filter(action="claim_line.amount_changed").count() == 1


def test_the_review_page_runs_the_same_queries_for_few_or_many_lines_and_receipts(
    client, confirmed, parent, finance_officer
):
    client.force_login(finance_officer)
    client.get(review_url(confirmed))
    with CaptureQueriesContext(connection) as few:
        assert client.get(review_url(confirmed)).status_code == 200
    for n in range(4):
        line = ClaimLine.objects.create(claim=confirmed, kind=LineKind.OTHER, description=f"Cost {n}", amount_pence=100)
        for _ in range(2):
            Receipt.objects.create(
                line=line, file="receipts/x.pdf", content_type="application/pdf", size=10, uploaded_by=parent
            )
    with CaptureQueriesContext(connection) as many:
        response = client.get(review_url(confirmed))
    assert response.content.decode().count("Receipt 2") == 4
    assert len(many) == len(few)


def test_approving_a_payment_over_the_benefits_amount_holds_it_and_says_so(
    client, session, parent, facilitator2, finance_officer, organisation
):
    policy = policy_for(organisation, benefits_weekly_pence=1000)
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    claim = claim_at(make_claim(session, parent, policy=policy), ClaimState.SUBMITTED, attendance_by=facilitator2)
    client.force_login(finance_officer)
    response = client.post(reverse("payments:claim_approve", args=[claim.pk]), follow=True)
    assert "waits for their answer" in response.content.decode()
    assert "Waiting for the person&#x27;s choice (benefits)" in response.content.decode()
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.ON_HOLD
