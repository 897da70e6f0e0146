"""Reports for funders: per group and month from the ledger (reversed payments left out), summed in the
database, the CSV with a totals row and neutralised cells, the export in the access trail, the date range,
and who may see them."""

import csv
import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import AccessEvent
from groups import services as group_services
from groups.models import Group, Membership, StaffRole
from payments.models import ClaimLine, ClaimState, LineKind, Payment, PaymentRun, Reversal
from payments.selectors.reports import default_range, funders_report
from payments.services.amounts import claim_amounts
from tests.payments.factories import claim_at, held_session, make_claim

TODAY = timezone.localdate()


def aware(day: date, hour=12):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, 0))


@pytest.fixture
def ledger(group_with_members, facilitator, facilitator2, finance_officer, make_user, organisation):
    """Payments in the group "Mothers' group" and in a group named like a formula, across two months."""
    evil = group_services.group_create(
        organisation=organisation,
        name='=HYPERLINK("http://x")',
        kind=Group.Kind.COPRODUCTION,
        purpose="A group with a hostile name.",
        acting_user=facilitator,
    )
    group_services.membership_add(
        group=evil, user=facilitator2, role=Membership.Role.FACILITATOR, acting_user=facilitator
    )
    run = PaymentRun.objects.create(organisation=organisation, created_by=finance_officer)
    s1 = held_session(group_with_members, facilitator, facilitator2)
    s2 = held_session(evil, facilitator, facilitator2)
    first, _ = default_range()
    month_a = aware(first + timedelta(days=1))  # 7 April
    month_b = aware(first + timedelta(days=40))  # mid-May
    people = [make_user() for _ in range(4)]

    def pay(session, person, paid_at, **amounts):
        claim = make_claim(session, person, **amounts)
        ClaimLine.objects.filter(claim=claim, kind=LineKind.PARTICIPATION).update(minutes=90)
        claim = claim_at(claim, ClaimState.PAID, attendance_by=facilitator2, approved_by=finance_officer)
        a = claim_amounts(claim)
        return Payment.objects.create(
            claim=claim,
            run=run,
            method=claim.method,
            participation_pence=a.participation_pence,
            expenses_pence=a.expenses_pence,
            paid_at=paid_at,
            paid_by=finance_officer,
        )

    pay(s1, people[0], month_a, childcare_pence=1200, travel_pence=350)
    pay(s1, people[1], month_a)
    pay(s1, people[2], month_b, travel_pence=400)
    # the same person paid again by another group: one person in the total
    pay(s2, people[0], month_b)
    reversed_payment = pay(s2, people[3], month_b, childcare_pence=999)
    Reversal.objects.create(payment=reversed_payment, reason="Paid twice by mistake", reversed_by=finance_officer)
    # outside the dates: last tax year
    pay(held_session(group_with_members, facilitator, facilitator2, starts_at=aware(first - timedelta(days=30), 10)),
        people[1], aware(first - timedelta(days=20)))  # fmt: skip
    return {"evil": evil, "month_a": month_a.date(), "month_b": month_b.date(), "first": first}


def test_per_group_and_month_from_the_ledger(ledger, organisation):
    first, last = default_range()
    report = funders_report(organisation_id=organisation.pk, first=first, last=last)
    table = {(r.group_name, r.month.month): r for r in report.rows}
    assert len(report.rows) == 3
    mothers_a = table[("Mothers' group", ledger["month_a"].month)]
    assert (mothers_a.participation_pence, mothers_a.childcare_pence, mothers_a.travel_pence) == (10000, 1200, 350)
    assert mothers_a.people == 2 and mothers_a.minutes == 180 and mothers_a.hours == "3.0"
    assert mothers_a.total_pence == 11550
    mothers_b = table[("Mothers' group", ledger["month_b"].month)]
    assert (mothers_b.participation_pence, mothers_b.travel_pence, mothers_b.people) == (5000, 400, 1)
    evil_b = table[(ledger["evil"].name, ledger["month_b"].month)]
    assert (evil_b.participation_pence, evil_b.childcare_pence, evil_b.people) == (5000, 0, 1)  # reversal left out
    t = report.totals
    assert (t.participation_pence, t.childcare_pence, t.travel_pence, t.total_pence) == (20000, 1200, 750, 21950)
    assert t.people == 3 and t.minutes == 360  # people[0] counted once


def test_summed_in_a_fixed_number_of_queries(ledger, organisation):
    first, last = default_range()
    with CaptureQueriesContext(connection) as ctx:
        funders_report(organisation_id=organisation.pk, first=first, last=last)
    assert len(ctx.captured_queries) == 3


def test_page(client, ledger, organisation, finance_officer):
    client.force_login(finance_officer)
    response = client.get(reverse("payments:reports", args=[organisation.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "£200" in html and "£219.50" in html and "Mothers&#x27; group" in html


def test_csv_has_totals_and_neutralised_cells_and_is_in_the_access_trail(client, ledger, organisation, org_admin):
    client.force_login(org_admin)
    response = client.get(reverse("payments:reports_csv", args=[organisation.pk]))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Group" and rows[-1][0] == "Total"
    assert rows[-1][2:] == ["200.00", "12.00", "7.50", "0.00", "219.50", "3", "6.0"]
    assert any(r[0] == '\'=HYPERLINK("http://x")' for r in rows)
    assert not any(cell.startswith(("=", "+", "-", "@")) for r in rows for cell in r)
    event = AccessEvent.objects.get(kind="export", actor=org_admin)
    assert event.object_type == "groups.organisation" and event.data["report"] == "payments.funders"
    assert event.organisation_id == organisation.pk


def test_date_range_filters_and_is_checked(client, ledger, organisation, finance_officer):
    client.force_login(finance_officer)
    url = reverse("payments:reports", args=[organisation.pk])
    month_a = ledger["month_a"]
    response = client.get(url, {"start": month_a.isoformat(), "end": month_a.isoformat()})
    assert response.status_code == 200 and "£119.50" not in response.content.decode()  # only month A's £115.50
    assert "£115.50" in response.content.decode()
    body = response.content.decode()
    assert "£219.50" not in body and "£54" not in body  # month B and the whole-year total are left out
    too_long = client.get(url, {"start": "2020-01-01", "end": "2024-01-01"})
    assert too_long.status_code == 200 and "up to 3 years" in too_long.content.decode()
    assert "<title>Error: " in too_long.content.decode()
    backwards = client.get(url, {"start": "2024-02-01", "end": "2024-01-01"})
    assert "same as or after" in backwards.content.decode()
    nonsense = client.get(url, {"start": "not a date"})
    assert nonsense.status_code == 200 and "Enter a real date" in nonsense.content.decode()
    assert client.get(reverse("payments:reports_csv", args=[organisation.pk]), {"start": "x"}).status_code == 400


@pytest.mark.parametrize(
    ("who", "status"),
    [("parent", 403), ("facilitator", 403), ("safeguarding_lead", 403), ("governance_lead", 403)],
)
def test_refused(request, client, group_with_members, organisation, who, status):
    client.force_login(request.getfixturevalue(who))
    assert client.get(reverse("payments:reports", args=[organisation.pk])).status_code == status
    assert client.get(reverse("payments:reports_csv", args=[organisation.pk])).status_code == status


def test_other_organisation_and_signed_out(client, organisation, other_organisation, make_user, grant):
    assert client.get(reverse("payments:reports", args=[organisation.pk])).status_code == 302
    client.force_login(grant(make_user(), other_organisation, StaffRole.Role.FINANCE_OFFICER))
    assert client.get(reverse("payments:reports", args=[organisation.pk])).status_code == 404
    assert client.get(reverse("payments:reports_csv", args=[organisation.pk])).status_code == 404
