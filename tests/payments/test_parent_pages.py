"""The pages of the person a claim pays: My payments (owed, on the way, paid, this tax year), one claim, the
confirm journey (how to be paid, check your answers), declining, travel, answers, the statement (page and CSV)
and their usual way to be paid. Other people's claims do not exist for them (404)."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from payments.models import Claim, ClaimLine, ClaimState, LineKind, LineStatus, PaymentPreference
from payments.selectors.parent import short_date
from payments.services.amounts import tax_year_of
from tests.payments.factories import claim_at, held_session, make_claim, policy_for
from tests.payments.test_parent_services import ALL_METHODS, give_bank_details, pay, reverse_payment


@pytest.fixture
def policy(organisation):
    return policy_for(organisation, methods=ALL_METHODS, charity_name="Home-Start Bayside")


@pytest.fixture
def sessions(group_with_members, facilitator, facilitator2, parent):
    """Sessions on the last six days, the parent at each for two hours."""
    today = timezone.localdate()
    made = []
    for days in range(1, 7):
        day = today - timedelta(days=days)
        starts = timezone.make_aware(timezone.datetime(day.year, day.month, day.day, 10, 0))
        made.append(
            held_session(
                group_with_members,
                facilitator,
                facilitator2,
                starts_at=starts,
                attendees={parent: (0, 120)},
                title=f"Session {days}",
            )
        )
    return made


@pytest.fixture
def claim(sessions, parent, policy):
    return make_claim(sessions[0], parent, policy=policy, childcare_pence=1200, travel_pence=430)


def signed_in(client, user):
    client.force_login(user)
    return client


# --- My payments ---------------------------------------------------------------------------------------------


def test_my_payments_shows_time_and_expenses_apart_less_a_reversal(
    client, sessions, parent, policy, facilitator2, finance_officer
):
    # given: two payments this tax year, the second reversed; one claim waiting, one on the way
    first = make_claim(sessions[0], parent, policy=policy, participation_pence=5000, childcare_pence=1200)
    pay(first, by=finance_officer, attendance_by=facilitator2)
    second = make_claim(sessions[1], parent, policy=policy, participation_pence=2500, travel_pence=430)
    reverse_payment(pay(second, by=finance_officer, attendance_by=facilitator2), by=finance_officer)
    owed = make_claim(sessions[2], parent, policy=policy, minutes=120, participation_pence=5000)
    on_the_way = claim_at(make_claim(sessions[3], parent, policy=policy), ClaimState.SUBMITTED)
    # when
    response = signed_in(client, parent).get(reverse("payments:mine"))
    # then
    assert response.status_code == 200
    totals = response.context["totals"]
    assert (totals.net_time_pence, totals.net_expenses_pence) == (5000, 1200)
    page = response.content.decode()
    assert 'data-total="time">£50</dd>' in page and 'data-total="expenses">£12</dd>' in page
    assert f"Your time at &#x27;Session 3&#x27;, {short_date(owed.session.starts_at)}: 2 hours" in page
    assert reverse("payments:claim_confirm", args=[owed.pk]) in page
    assert [c.pk for c in response.context["on_the_way"]] == [on_the_way.pk]
    assert "Reversed on" in page
    assert reverse("payments:statement", args=[tax_year_of(timezone.localdate())]) in page


def _count_queries(client):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("payments:mine")).status_code == 200
    return len(queries)


def test_my_payments_runs_the_same_queries_for_1_or_5_paid_claims(
    client, sessions, parent, policy, organisation, facilitator2, finance_officer
):
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    make_claim(sessions[5], parent, policy=policy, childcare_pence=100)  # one owed
    pay(make_claim(sessions[0], parent, policy=policy), by=finance_officer, attendance_by=facilitator2)
    signed_in(client, parent)
    _count_queries(client)  # warm (the session, the site's caches)
    one = _count_queries(client)
    for session in sessions[1:5]:
        pay(
            make_claim(session, parent, policy=policy, travel_pence=300), by=finance_officer, attendance_by=facilitator2
        )
    assert _count_queries(client) == one


def test_the_benefits_note_shows_only_when_near_for_a_person_receiving_benefits(
    client, sessions, parent, organisation, facilitator2, finance_officer
):
    policy = policy_for(organisation, benefits_weekly_pence=100000, benefits_yearly_pence=10000)
    claim_at(make_claim(sessions[0], parent, policy=policy, participation_pence=8500), ClaimState.SUBMITTED)
    signed_in(client, parent)
    assert "might affect your benefits" not in client.get(reverse("payments:mine")).content.decode()
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    assert "close to the amount where payments might affect your benefits" in (
        client.get(reverse("payments:mine")).content.decode()
    )


def test_expenses_do_not_bring_the_benefits_note(client, sessions, parent, organisation):
    policy = policy_for(organisation, benefits_weekly_pence=100000, benefits_yearly_pence=10000)
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    claim_at(
        make_claim(sessions[0], parent, policy=policy, participation_pence=1000, childcare_pence=50000),
        ClaimState.SUBMITTED,
    )
    assert "might affect your benefits" not in signed_in(client, parent).get(reverse("payments:mine")).content.decode()


# --- one claim and who sees it -------------------------------------------------------------------------------


def test_other_people_get_404_on_the_claim_and_its_pages(client, claim, dad, outsider, finance_officer, facilitator):
    line = claim.lines.get(kind=LineKind.TRAVEL)
    own_urls = [
        reverse("payments:claim_confirm", args=[claim.pk]),
        reverse("payments:claim_decline", args=[claim.pk]),
        reverse("payments:line_travel", args=[claim.pk, line.pk]),
        reverse("payments:receipt_upload", args=[claim.pk, line.pk]),
        reverse("payments:line_reply", args=[claim.pk, line.pk]),
    ]
    for person in (dad, outsider):
        signed_in(client, person)
        assert client.get(reverse("payments:claim", args=[claim.pk])).status_code == 404
        for url in own_urls:
            assert client.get(url).status_code == 404
            assert client.post(url, {"method": "cash"}).status_code == 404
    # the finance officer and the session's facilitator read the claim, but do not act for the parent
    for person in (finance_officer, facilitator):
        signed_in(client, person)
        page = client.get(reverse("payments:claim", args=[claim.pk]))
        assert page.status_code == 200
        assert "Check and confirm" not in page.content.decode()
        assert client.get(own_urls[0]).status_code == 404
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.MADE
    client.logout()
    assert client.get(reverse("payments:mine")).status_code == 302


def test_the_claim_page_shows_a_refused_line_with_its_reason(client, claim, parent):
    ClaimLine.objects.filter(claim=claim, kind=LineKind.TRAVEL).update(
        status=LineStatus.REJECTED, rejection_reason="The ticket is for another day."
    )
    page = signed_in(client, parent).get(reverse("payments:claim", args=[claim.pk])).content.decode()
    assert "The ticket is for another day." in page
    assert "No receipt" in page
    assert "Check and confirm" in page


# --- the confirm journey -------------------------------------------------------------------------------------


def test_confirming_through_the_pages(client, claim, parent):
    signed_in(client, parent)
    url = reverse("payments:claim_confirm", args=[claim.pk])
    page = client.get(url).content.decode()
    assert "How would you like to be paid?" in page
    assert "Give it to Home-Start Bayside" in page and "I&#x27;d rather not be paid" in page
    assert "You can still have your travel and childcare costs paid back" in page
    assert "might affect your benefits" not in page
    # take less, by voucher
    response = client.post(url, {"method": "voucher", "take_less": "20"})
    assert response.status_code == 302 and response["Location"].endswith("?check=1")
    check = client.get(response["Location"]).content.decode()
    assert "Check your answers" in check and "£20" in check and "Shopping voucher" in check
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.MADE  # nothing sent yet
    response = client.post(response["Location"], follow=True)
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.SUBMITTED
    assert (claim.method, claim.participation_requested_pence) == ("voucher", 2000)
    assert "Thank you. We aim to pay you by" in response.content.decode()


def test_the_confirm_page_keeps_what_was_typed_and_says_what_is_wrong(client, claim, parent):
    signed_in(client, parent)
    url = reverse("payments:claim_confirm", args=[claim.pk])
    response = client.post(url, {"method": "voucher", "take_less": "500"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "<title>Error: " in page and 'value="500"' in page
    response = client.post(url, {"method": "bank"})  # no bank details on file
    assert response.status_code == 200
    assert "we need your bank details first" in response.content.decode()
    give_bank_details(parent)
    assert client.post(url, {"method": "bank"}).status_code == 302


def test_the_benefits_warning_appears_and_is_needed_only_when_crossing(client, sessions, parent, organisation):
    policy = policy_for(organisation, methods=ALL_METHODS, benefits_weekly_pence=6000)
    PaymentPreference.objects.create(organisation=organisation, person=parent, receives_benefits=True)
    claim = make_claim(sessions[0], parent, policy=policy, participation_pence=7000)
    signed_in(client, parent)
    url = reverse("payments:claim_confirm", args=[claim.pk])
    assert "might affect your benefits" not in client.get(url).content.decode()
    response = client.post(url, {"method": "cash"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "This payment might affect your benefits" in page and 'name="benefits_acknowledged"' in page
    # a tick sent without the page having shown the warning does not count
    assert client.post(url, {"method": "cash", "benefits_acknowledged": "on"}).status_code == 200
    # taking less, under the amount: no need to acknowledge
    assert client.post(url, {"method": "cash", "take_less": "50"}).status_code == 302
    response = client.post(url, {"method": "cash", "benefits_acknowledged": "on", "benefits_shown": "1"})
    assert response.status_code == 302
    client.post(response["Location"])
    claim = Claim.objects.get(pk=claim.pk)
    assert claim.state == ClaimState.SUBMITTED and claim.benefits_acknowledged


def test_declining_through_the_page(client, claim, parent):
    signed_in(client, parent)
    url = reverse("payments:claim_decline", args=[claim.pk])
    assert "Do you want to claim nothing" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.DECLINED
    assert client.get(reverse("payments:claim_confirm", args=[claim.pk])).status_code == 302  # sent back


def test_travel_and_reply_pages(client, claim, parent):
    signed_in(client, parent)
    line = claim.lines.get(kind=LineKind.TRAVEL)
    url = reverse("payments:line_travel", args=[claim.pk, line.pk])
    response = client.post(url, {"basis": "mileage", "miles": "12.55"})
    assert response.status_code == 200 and "<title>Error: " in response.content.decode()
    assert client.post(url, {"basis": "mileage", "miles": "10"}).status_code == 302
    assert ClaimLine.objects.get(pk=line.pk).amount_pence == 450
    ClaimLine.objects.filter(pk=line.pk).update(status=LineStatus.REJECTED, rejection_reason="Too far.")
    url = reverse("payments:line_reply", args=[claim.pk, line.pk])
    assert client.post(url, {"text": ""}).status_code == 200
    assert client.post(url, {"text": "I came by car."}).status_code == 302
    assert ClaimLine.objects.get(pk=line.pk).claimant_reply == "I came by car."


# --- the statement -------------------------------------------------------------------------------------------


def test_the_statement_csv_reads_back(client, sessions, parent, policy, facilitator2, finance_officer, organisation):
    organisation.name = "=Bayside"  # a name a spreadsheet would run as a formula
    organisation.save()
    first = pay(
        make_claim(sessions[0], parent, policy=policy, participation_pence=5000, childcare_pence=1200),
        by=finance_officer,
        attendance_by=facilitator2,
    )
    reverse_payment(
        pay(make_claim(sessions[1], parent, policy=policy, participation_pence=2500), by=finance_officer,
            attendance_by=facilitator2),
        by=finance_officer,
    )  # fmt: skip
    year = tax_year_of(timezone.localdate())
    signed_in(client, parent)
    page = client.get(reverse("payments:statement", args=[year])).content.decode()
    assert "Payments from =Bayside from" in page and "Reversed" in page
    response = client.get(reverse("payments:statement_csv", args=[year]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][4:] == ["For your time (£)", "Costs paid back (£)"]
    body = rows[1:]
    assert all(row[0] == "'=Bayside" for row in body)
    assert [row[4:] for row in body] == [["50.00", "12.00"], ["25.00", "0.00"], ["-25.00", "0.00"], ["50.00", "12.00"]]
    assert body[0][1] == first.paid_at.astimezone(timezone.get_current_timezone()).date().isoformat()
    # another person's statement is their own: empty
    client.force_login(finance_officer)
    assert (
        len(list(csv.reader(io.StringIO(client.get(reverse("payments:statement_csv", args=[year])).content.decode()))))
        == 1
    )
    assert client.get(reverse("payments:statement", args=[1990])).status_code == 404


# --- how to be paid ------------------------------------------------------------------------------------------


def test_the_preference_page(client, claim, parent, organisation, other_organisation):
    signed_in(client, parent)
    assert client.get(reverse("payments:preference", args=[other_organisation.pk])).status_code == 404
    url = reverse("payments:preference", args=[organisation.pk])
    page = client.get(url).content.decode()
    assert "Do you receive benefits?" in page and "only so we can warn you gently" in page
    assert client.post(url, {"method": "gold", "receives_benefits": "yes"}).status_code == 200
    assert client.post(url, {"method": "voucher", "receives_benefits": "prefer_not"}).status_code == 302
    pref = PaymentPreference.objects.get(person=parent, organisation=organisation)
    assert (pref.method, pref.receives_benefits) == ("voucher", False)
