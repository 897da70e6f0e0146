"""A payment run as a file (payments/exports.py and the download pages): the rows and totals read back with the
`csv` module and openpyxl, formulas made harmless, bank details only for bank transfers, and every download in
the access trail."""

import csv
import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from core.models import AccessEvent
from groups.models import User
from payments.exports import HEADER, neutralise, run_csv, run_rows, run_xlsx
from payments.models import Claim, PaymentRun
from payments.services.runs import run_create, run_mark_paid
from sessions_app.models import Session
from tests.payments.factories import held_session
from tests.payments.test_runs_services import approved, bank_details_for

HOSTILE_NAMES = ['=HYPERLINK("http://evil.example","x")', "+1", "-2", "@SUM(A1:A2)", "\tx", "\rx"]


def test_neutralise_puts_an_apostrophe_before_what_a_spreadsheet_would_run():
    for text in HOSTILE_NAMES:
        assert neutralise(text) == "'" + text
    assert neutralise("Pat Parent") == "Pat Parent"
    assert neutralise("") == ""
    assert neutralise(Decimal("12.50")) == Decimal("12.50")
    assert neutralise(-2) == -2  # numbers we write are left alone
    assert neutralise(date(2026, 11, 30)) == date(2026, 11, 30)


@pytest.fixture
def session(group_with_members, facilitator, facilitator2):
    return held_session(group_with_members, facilitator, facilitator2)


@pytest.fixture
def run(organisation, session, make_user, facilitator2, finance_officer):
    """A run of eight claims: two by bank transfer (with bank details), one voucher, one cash with travel, one
    charity gift, and the hostile names (cash)."""
    people = [make_user(full_name=f"Parent {n}") for n in range(5)]
    bank_details_for(people[0], name="P ZERO", sort_code="01-02-03", number="00123456")
    bank_details_for(people[1], name="=cmd|' /C calc'!A0", sort_code="40-11-62", number="87654321")
    plan = [
        ("bank", {"childcare_pence": 1250}),
        ("bank", {}),
        ("voucher", {}),
        ("cash", {"travel_pence": 430}),
        ("charity", {}),
    ]
    for person, (method, extra) in zip(people, plan, strict=True):
        approved(session, person, approver=finance_officer, confirmer=facilitator2, method=method, **extra)
    for name in HOSTILE_NAMES:
        person = make_user()
        User.objects.filter(pk=person.pk).update(full_name=name)  # past the form's checks, as a hostile import might
        approved(session, person, approver=finance_officer, confirmer=facilitator2, method="cash")
    return run_create(organisation=organisation, acting_user=finance_officer)


EXPECTED_TOTALS = {
    "Total: Bank transfer": ("2 payments", "100.00", "12.50", "112.50"),
    "Total: Shopping voucher": ("1 payment", "50.00", "0.00", "50.00"),
    "Total: Cash": ("7 payments", "350.00", "4.30", "354.30"),
    "Total: Give it to a charity": ("1 payment", "50.00", "0.00", "50.00"),
    "Total: whole run": ("11 payments", "550.00", "16.80", "566.80"),
}


def _csv_rows(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def test_the_csv_has_one_row_per_claim_then_the_totals(run, session):
    rows = _csv_rows("".join(run_csv(run)))
    assert rows[0] == HEADER
    claim_rows = rows[1:12]
    assert len(claim_rows) == 11 and rows[12] == [] and rows[13] == ["Totals"]
    by_ref = {r[0]: r for r in claim_rows}
    first = Claim.objects.filter(run=run).order_by("pk").first()
    row = by_ref[f"R{run.pk}-C{first.pk}"]
    day = timezone.localdate(session.starts_at).isoformat()
    assert row == [
        f"R{run.pk}-C{first.pk}",
        "Parent 0",
        "Bank transfer",
        "P ZERO",
        "01-02-03",
        "00123456",
        "Planning the summer fun day",
        day,
        "50.00",
        "12.50",
        "62.50",
    ]
    # bank details only for bank transfers
    assert all(r[3:6] == ["", "", ""] for r in claim_rows if r[2] != "Bank transfer")
    totals = {r[0]: tuple(r[1:2] + r[8:11]) for r in rows[14:]}
    assert totals == EXPECTED_TOTALS


def test_the_workbook_has_the_same_rows_and_totals_as_numbers(run, session):
    book = openpyxl.load_workbook(io.BytesIO(run_xlsx(run)))
    sheet = book.active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0] == HEADER
    claim_rows = rows[1:12]
    first = claim_rows[0]
    assert first[1:6] == ["Parent 0", "Bank transfer", "P ZERO", "01-02-03", "00123456"]
    assert first[7].date() == timezone.localdate(session.starts_at)
    assert first[8:11] == [50, 12.5, 62.5]
    assert sheet.cell(row=2, column=11).number_format == "#,##0.00"
    totals = {r[0]: (r[1], r[8], r[9], r[10]) for r in rows[14:]}
    assert totals["Total: whole run"] == ("11 payments", 550, 16.8, 566.8)
    assert totals["Total: Cash"] == ("7 payments", 350, 4.3, 354.3)


def test_formulas_in_names_are_made_harmless_in_both_files(run):
    csv_names = {r[1] for r in _csv_rows("".join(run_csv(run)))[1:12]}
    book = openpyxl.load_workbook(io.BytesIO(run_xlsx(run)))
    cells = [c for row in book.active.iter_rows() for c in row]
    xlsx_names = {r[1] for r in list(book.active.iter_rows(values_only=True))[1:12]}
    for name in HOSTILE_NAMES:
        assert "'" + name in csv_names
        # Without lxml, openpyxl reads a carriage return back as a line break
        assert {"'" + name, "'" + name.replace("\r", "\n")} & xlsx_names
    assert not any(c.data_type == "f" for c in cells)  # not one formula in the workbook
    assert "'=cmd|' /C calc'!A0" in {r[3] for r in _csv_rows("".join(run_csv(run)))[1:12]}


def test_the_session_title_is_made_harmless_too(run, session):
    Session.objects.filter(pk=session.pk).update(title="=1+1")
    assert {r.session_title for r in run_rows(run)} == {"=1+1"}
    assert {r[6] for r in _csv_rows("".join(run_csv(run)))[1:12]} == {"'=1+1"}


def test_a_paid_run_exports_what_was_paid(run, finance_officer):
    run_mark_paid(run=run, acting_user=finance_officer, reference="REF")
    run = PaymentRun.objects.get(pk=run.pk)
    Claim.objects.filter(run=run).update(method="voucher")  # a later change to a claim does not change a payment
    rows = _csv_rows("".join(run_csv(run)))
    assert {r[0]: tuple(r[1:2] + r[8:11]) for r in rows[14:]} == EXPECTED_TOTALS


def test_the_export_reads_the_rows_in_a_fixed_number_of_queries(run, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert len(list(run_rows(run))) == 11


# --- the download pages ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content_type"), [("run_csv", "text/csv"), ("run_xlsx", "application/vnd.open")])
def test_each_download_is_in_the_access_trail(client, run, finance_officer, name, content_type):
    client.force_login(finance_officer)
    response = client.get(reverse(f"payments:{name}", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["Content-Disposition"].startswith("attachment;")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(body) > 100
    event = AccessEvent.objects.get(actor=finance_officer)
    assert (event.kind, event.object_type, event.object_id) == ("export", "payments.paymentrun", str(run.pk))
    assert event.data == {"permission": "payments.run.export"}


@pytest.mark.permissions
@pytest.mark.parametrize("name", ["run_csv", "run_xlsx"])
def test_downloads_are_refused_to_everyone_but_finance_officers_and_refusals_are_recorded(
    client, run, org_admin, facilitator, parent, outsider, name
):
    url = reverse(f"payments:{name}", args=[run.pk])
    assert client.get(url).status_code == 302  # signed out: sign in
    for person, status in ((org_admin, 404), (facilitator, 404), (parent, 404), (outsider, 404)):
        client.force_login(person)
        assert client.get(url).status_code == status
    assert AccessEvent.objects.filter(kind="refused").count() >= 3
    assert not AccessEvent.objects.filter(kind__in=["view", "export"]).exists()
