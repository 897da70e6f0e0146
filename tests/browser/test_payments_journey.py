"""A parent is paid for a session, end to end in real Chromium against the live server (issue 12, "Done when").

The world: yesterday's session of the Mothers' group, led by Fran (who closed the register) with Femi
supporting; Pat the parent said yes, asked for help with bus fares (approved up to £4.50), came for the whole
two hours and has bank details. Closing the register made Pat's claim: £50 for her time (£25 an hour) and a
travel line.

1. Pat, on a 390 px phone, opens "My payments", then her claim; says her bus fare was £3.80, adds a photo of the
   ticket (a real PNG), chooses bank transfer, checks and confirms: "We aim to pay you by ...".
2. Femi, who did not close the register, confirms on the session's page that Pat came.
3. Fiona the finance officer (two-step sign-in, through the real code page) opens the finance home, the claim
   and its receipt, approves it; gathers it into a payment run, downloads the CSV and the Excel file (Pat's row
   £53.80, and the totals), and marks the run paid with the bank's reference.
4. In the database: the claim is paid, one payment of £50 + £3.80, the run paid with the reference, and Pat was
   sent the "payments.paid" message.

axe-core checks every page on the way; every page Pat sees fits her phone."""

import base64
import csv
import re
from datetime import timedelta
from io import BytesIO

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import expect

from core.templatetags.govuk import format_date
from notifications.models import Message
from payments.models import Claim, ClaimState, LineKind, Payment, PaymentRun
from payments.services.bank import bank_details_set
from payments.services.claims import claims_make_for_session
from sessions_app import services as session_services
from sessions_app.models import Answer
from tests.browser.conftest import assert_fits_phone, axe_check, new_page, sign_in_with_password, totp_code
from tests.payments.factories import held_session, policy_for

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
TITLE = "Planning the summer fun day"
REFERENCE = "BACS-2026-11-30"
# The smallest whole PNG: one transparent pixel.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
)


@pytest.fixture
def paid_world(
    settings, tmp_path, organisation, group_with_members, facilitator, facilitator2, parent, finance_officer
):
    """Yesterday's session with Pat's claim made from its closed register (time and approved travel)."""
    settings.MEDIA_ROOT = str(tmp_path)
    policy_for(organisation)  # £25 an hour, attended time
    session = held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 120)}, close=False)
    # The day before it, Pat said yes and asked for her bus fare; Fran approved up to £4.50.
    with time_machine.travel(session.starts_at - timedelta(hours=20), tick=False):
        session_services.rsvp_answer(session=session, user=parent, answer=Answer.YES)
        request = session_services.support_request_create(
            session=session, user=parent, kind="travel", travel_mode="public", expected_cost_pence=450
        )
        session_services.support_request_decide(
            request=request, approve=True, acting_user=facilitator, amount_pence=450
        )
    session = session_services.session_attendance_close(session=session, acting_user=facilitator)
    claims_make_for_session(session_id=session.pk, acting_user_id=facilitator.pk)
    bank_details_set(
        person=parent, acting_user=parent, account_name="Pat Parent", sort_code="12-34-56", account_number="12345678"
    )
    claim = Claim.objects.get(session=session, claimant=parent)
    assert sorted(claim.lines.values_list("kind", "amount_pence")) == [
        (LineKind.PARTICIPATION, 5000),
        (LineKind.TRAVEL, 450),
    ]
    return session, claim


def on_phone(page) -> None:
    assert_fits_phone(page)
    axe_check(page)


def test_a_parent_is_paid_from_confirming_her_claim_to_the_paid_run(
    page, browser, site, paid_world, parent, facilitator2, finance_officer, organisation
):
    session, claim = paid_world
    due_text = format_date(claim.due_on)

    # --- 1. Pat, on her phone ------------------------------------------------------------------------------
    page.set_viewport_size(PHONE)
    page.goto(f"{site}/accounts/login/")
    assert_fits_phone(page)
    sign_in_with_password(page, site, parent.email)  # axe-core checks the sign-in page
    expect(page).to_have_url(f"{site}/")
    on_phone(page)
    toggle = page.get_by_role("button", name="Show or hide the menu")
    toggle.click()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My payments", exact=True).click()
    expect(page.get_by_role("heading", level=1, name="My payments")).to_be_visible()
    on_phone(page)

    page.get_by_role("link", name=f"See the details of your claim for {TITLE}").click()
    expect(page.get_by_role("heading", level=1, name=f"Your claim: {TITLE}")).to_be_visible()
    expect(page.locator(f"#line-{claim.lines.get(kind=LineKind.TRAVEL).pk}")).to_contain_text("£4.50")
    on_phone(page)

    # Her bus fare came to £3.80, less than was approved.
    page.get_by_role("link", name=re.compile(r"^Tell us what your travel cost")).click()
    expect(page.get_by_role("group", name="How do you want to claim your travel?")).to_be_visible()
    on_phone(page)
    page.get_by_label("A ticket or receipt").check()
    page.get_by_label("What did your ticket or journey cost?").fill("3.80")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Your travel cost is saved.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=f"Your claim: {TITLE}")).to_be_visible()
    on_phone(page)

    # A photo of the ticket.
    page.get_by_role("link", name=re.compile(r"^Add a receipt")).click()
    expect(page.get_by_role("heading", level=1, name="Add a receipt")).to_be_visible()
    on_phone(page)
    page.get_by_label("Photo or PDF of your ticket or receipt").set_input_files(
        {"name": "bus-ticket.png", "mimeType": "image/png", "buffer": PNG}
    )
    page.get_by_role("button", name="Add the receipt").click()
    expect(page.get_by_text("Your receipt is added.")).to_be_visible()
    expect(page.get_by_role("link", name="Receipt 1: bus-ticket.png")).to_be_visible()
    on_phone(page)

    # How to be paid, check, confirm.
    page.get_by_role("link", name="Check and confirm", exact=True).click()
    expect(page.get_by_role("group", name="How would you like to be paid?")).to_be_visible()
    on_phone(page)
    page.get_by_label("Bank transfer").check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", level=1, name="Check your answers")).to_be_visible()
    answers = page.locator("dl.check-answers > div")
    expect(answers.filter(has_text="How you would like to be paid").locator("dd")).to_have_text("Bank transfer")
    expect(answers.filter(has_text="For your time").locator("dd")).to_have_text("£50")
    expect(answers.filter(has_text="Costs paid back").locator("dd")).to_have_text("£3.80")
    on_phone(page)
    page.get_by_role("button", name="Confirm my claim").click()
    expect(page.get_by_text(f"Thank you. We aim to pay you by {due_text}.")).to_be_visible()
    expect(page.get_by_role("heading", level=1, name=f"Your claim: {TITLE}")).to_be_visible()
    on_phone(page)
    assert Claim.objects.get(pk=claim.pk).state == ClaimState.SUBMITTED

    # --- 2. Femi, who did not close the register, confirms that Pat came ----------------------------------------
    context, femi = new_page(browser, DESKTOP)
    try:
        sign_in_with_password(femi, site, facilitator2.email)
        expect(femi).to_have_url(f"{site}/")
        femi.goto(f"{site}/sessions/{session.pk}/")
        femi.get_by_role("region", name="Payments for parents").get_by_role("link", name="Confirm who came").click()
        expect(femi.get_by_role("heading", level=1, name="Confirm who came")).to_be_visible()
        axe_check(femi)
        femi.get_by_label(parent.display_name).check()
        femi.get_by_role("button", name="Confirm the ticked people came").click()
        expect(femi.get_by_text("You confirmed the attendance for 1 claim.")).to_be_visible()
        expect(femi.get_by_text(f"Confirmed by {facilitator2.display_name}")).to_be_visible()
        axe_check(femi)
    finally:
        context.close()

    # --- 3. Fiona, the finance officer, at her desk ----------------------------------------------------------
    context, fiona = new_page(browser, DESKTOP)
    try:
        sign_in_with_password(fiona, site, finance_officer.email)
        expect(fiona.get_by_role("heading", level=1, name="Enter the code from your app")).to_be_visible()
        axe_check(fiona)
        fiona.locator("input[name='code']").fill(totp_code())
        fiona.get_by_role("button", name="Sign in").click()
        expect(fiona).to_have_url(f"{site}/")
        axe_check(fiona)

        fiona.get_by_role("navigation", name="Main").get_by_role("link", name="Finance", exact=True).click()
        expect(fiona.get_by_role("heading", level=1, name=f"Payments at {organisation.name}")).to_be_visible()
        axe_check(fiona)
        fiona.get_by_role("link", name=parent.display_name, exact=True).first.click()
        expect(fiona.get_by_role("heading", level=1, name=f"Claim by {parent.display_name}")).to_be_visible()
        receipt = fiona.get_by_role("link", name=re.compile(r"^Receipt 1 for "))
        expect(receipt).to_be_visible()
        expect(fiona.locator("dl.check-answers").last).to_contain_text("£53.80")
        axe_check(fiona)
        # The receipt opens: the very PNG Pat sent.
        opened = fiona.request.get(site + receipt.get_attribute("href"))
        assert (opened.status, opened.headers["content-type"], opened.body()) == (200, "image/png", PNG)

        fiona.get_by_role("button", name="Approve this claim").click()
        expect(fiona.get_by_text("You approved this claim.")).to_be_visible()
        axe_check(fiona)

        # The payment run.
        fiona.get_by_role("navigation", name="Main").get_by_role("link", name="Finance", exact=True).click()
        fiona.get_by_role("link", name="Payment runs", exact=True).click()
        expect(fiona.get_by_role("heading", level=1, name="Payment runs")).to_be_visible()
        axe_check(fiona)
        fiona.get_by_role("link", name="Gather approved claims into a run").click()
        expect(fiona.get_by_role("heading", level=1, name="Gather approved claims into a run")).to_be_visible()
        axe_check(fiona)
        fiona.get_by_role("button", name="Gather these claims").click()
        expect(fiona.get_by_role("heading", level=1, name=re.compile(r"^Payment run \d+$"))).to_be_visible()
        run = PaymentRun.objects.get(organisation=organisation)
        expect(fiona.get_by_role("heading", level=1, name=f"Payment run {run.pk}")).to_be_visible()
        expect(fiona.get_by_text("Download it for your bank, then mark it as paid.")).to_be_visible()
        axe_check(fiona)

        with fiona.expect_download() as download:
            fiona.get_by_role("link", name=re.compile(r"^Download as CSV")).click()
        with open(download.value.path(), encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.reader(handle))
        header = rows[0]
        assert header[:3] == ["Payment reference", "Name", "Method"]
        [pat] = [row for row in rows[1:] if row and row[0] == f"R{run.pk}-C{claim.pk}"]
        pat = dict(zip(header, pat, strict=True))
        assert (pat["Name"], pat["Method"], pat["Account number"]) == (parent.full_name, "Bank transfer", "12345678")
        assert (pat["Participation (£)"], pat["Expenses (£)"], pat["Total (£)"]) == ("50.00", "3.80", "53.80")
        totals = {row[0]: row[-3:] for row in rows if row and row[0].startswith("Total: ")}
        assert totals == {
            "Total: Bank transfer": ["50.00", "3.80", "53.80"],
            "Total: whole run": ["50.00", "3.80", "53.80"],
        }

        with fiona.expect_download() as download:
            fiona.get_by_role("link", name=re.compile(r"^Download as Excel")).click()
        sheet = load_workbook(BytesIO(download.value.path().read_bytes())).active
        cells = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert list(cells[0][:3]) == ["Payment reference", "Name", "Method"]
        [pat] = [row for row in cells[1:] if row and row[0] == f"R{run.pk}-C{claim.pk}"]
        assert pat[1:3] == [parent.full_name, "Bank transfer"]
        assert [round(float(v), 2) for v in pat[-3:]] == [50.0, 3.8, 53.8]
        totals = {row[0]: [round(float(v), 2) for v in row[-3:]] for row in cells if str(row[0]).startswith("Total: ")}
        assert totals == {"Total: Bank transfer": [50.0, 3.8, 53.8], "Total: whole run": [50.0, 3.8, 53.8]}

        # Marked paid with the bank's reference, after the check.
        fiona.get_by_label("Payment reference").fill(REFERENCE)
        fiona.get_by_role("button", name="Continue").click()
        expect(fiona.get_by_role("heading", level=1, name="Check before you mark the run as paid")).to_be_visible()
        expect(fiona.get_by_text("You are marking 1 payment, £53.80 in total, as paid.")).to_be_visible()
        axe_check(fiona)
        fiona.get_by_role("button", name="Yes, mark 1 payment as paid").click()
        expect(fiona.get_by_text(f"Payment run {run.pk} is marked as paid.")).to_be_visible()
        expect(fiona.get_by_text(f"Payment reference: {REFERENCE}.")).to_be_visible()
        axe_check(fiona)
    finally:
        context.close()

    # --- 4. What was kept --------------------------------------------------------------------------------------
    claim = Claim.objects.get(pk=claim.pk)
    assert (claim.state, claim.run_id, claim.method) == (ClaimState.PAID, run.pk, "bank")
    assert (claim.attendance_confirmed_by, claim.approved_by) == (facilitator2, finance_officer)
    payment = Payment.objects.get()
    assert (payment.claim_id, payment.run_id, payment.method) == (claim.pk, run.pk, "bank")
    assert (payment.participation_pence, payment.expenses_pence, payment.paid_by) == (5000, 380, finance_officer)
    run = PaymentRun.objects.get(pk=run.pk)
    assert (run.state, run.reference, run.paid_by) == (PaymentRun.State.PAID, REFERENCE, finance_officer)
    assert timezone.now() - run.paid_at < timedelta(minutes=5)
    assert Message.objects.filter(person=parent, kind="payments.paid").exists()
