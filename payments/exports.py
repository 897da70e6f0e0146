"""A payment run as a file for the bank or the voucher supplier: CSV (streamed) and Excel (XLSX).

One row per claim: the payment reference (run and claim numbers), the person's name, how they are paid, their
bank account for a bank transfer (decrypted: the bank needs it; other methods leave it blank), the session,
and the amounts in pounds; then the totals per method and for the whole run, summed from the rows written, so
the totals always match the rows. A paid run shows what was paid (its payments); an open run what marking it
paid will pay.

Every text cell goes through `neutralise`: a name like `=HYPERLINK(...)` must never run as a formula in the
spreadsheet of the person who opens the file (OWASP "CSV injection"). Amounts are never negative, and are
written as numbers (XLSX) or as text we made ("12.50", CSV), so none needs it.

The rows are read `chunk_size` at a time with everything they need joined in, so the number of queries does
not grow with the run, and a CSV of 10,000 rows streams without holding the file in memory.
"""

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from io import BytesIO

from django.db.models import Case, F, Value, When
from django.utils import timezone

from .models import BankDetails, Claim, Method, PaymentRun
from .selectors.runs import METHOD_ORDER, run_claims, with_amounts

CHUNK_SIZE = 2000
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

HEADER = [
    "Payment reference",
    "Name",
    "Method",
    "Account name",
    "Sort code",
    "Account number",
    "Session",
    "Session date",
    "Participation (£)",
    "Expenses (£)",
    "Total (£)",
]
MONEY_COLUMNS = 3  # the last three columns


def neutralise(value):
    """Text that a spreadsheet would read as a formula gets a leading apostrophe; anything else (numbers, dates,
    other text) is returned as it is."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def pounds(pence: int) -> Decimal:
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def payment_reference(run_id: int, claim_id: int) -> str:
    return f"R{run_id}-C{claim_id}"


@dataclass(frozen=True)
class ExportRow:
    reference: str
    name: str
    method: str
    account_name: str
    sort_code: str
    account_number: str
    session_title: str
    session_date: date
    participation_pence: int
    expenses_pence: int

    @property
    def total_pence(self) -> int:
        return self.participation_pence + self.expenses_pence

    def cells(self) -> list:
        return [
            self.reference,
            self.name,
            Method(self.method).label,
            self.account_name,
            self.sort_code,
            self.account_number,
            self.session_title,
            self.session_date,
            pounds(self.participation_pence),
            pounds(self.expenses_pence),
            pounds(self.total_pence),
        ]


def _bank_field(name: str):
    # The model's own field: its keys are derived once (PBKDF2) and kept, and it decrypts as the model does.
    return BankDetails._meta.get_field(name)


def _bank_only(path: str, name: str):
    """The bank details column for bank transfers; NULL (nothing to decrypt) for every other method."""
    return Case(When(export_method=Method.BANK, then=F(path)), default=Value(None), output_field=_bank_field(name))


ROW_COLUMNS = (
    "pk",
    "export_method",
    "export_participation",
    "export_expenses",
    "claimant__full_name",
    "claimant__preferred_name",
    "claimant__email",
    "session_id",
    "session__title",
    "session__starts_at",
    "export_account_name",
    "export_sort_code",
    "export_account_number",
)


def _claims(run: PaymentRun):
    """The run's claims as plain values (no model per row), with the amounts and the method the file shows:
    a paid run's from its payments, an open run's worked out now."""
    if run.state == PaymentRun.State.PAID:
        # what was paid: every payment of the run (a reversed one too: it was sent)
        claims = Claim.objects.filter(run=run, payment__isnull=False).annotate(
            export_method=F("payment__method"),
            export_participation=F("payment__participation_pence"),
            export_expenses=F("payment__expenses_pence"),
        )
    else:
        claims = with_amounts(run_claims(run)).annotate(
            export_method=F("method"),
            export_participation=F("participation_amount"),
            export_expenses=F("expenses_amount"),
        )
    return (
        claims.annotate(
            export_account_name=_bank_only("claimant__bank_details__account_name", "account_name"),
            export_sort_code=_bank_only("claimant__bank_details__sort_code", "sort_code"),
            export_account_number=_bank_only("claimant__bank_details__account_number", "account_number"),
        )
        .order_by("pk")
        .values_list(*ROW_COLUMNS)
    )


def run_rows(run: PaymentRun, *, chunk_size: int = CHUNK_SIZE) -> Iterator[ExportRow]:
    """One row per claim the run pays, in claim order, read `chunk_size` at a time in one query. Only bank
    transfers' bank details are decrypted."""
    session_days: dict[int, date] = {}
    for (
        claim_id,
        method,
        participation,
        expenses,
        full_name,
        preferred_name,
        email,
        session_id,
        session_title,
        starts_at,
        account_name,
        sort_code,
        account_number,
    ) in _claims(run).iterator(chunk_size=chunk_size):
        day = session_days.get(session_id)
        if day is None:
            day = session_days[session_id] = timezone.localdate(starts_at)
        yield ExportRow(
            reference=payment_reference(run.pk, claim_id),
            name=full_name or preferred_name or email.split("@")[0],
            method=method,
            account_name=account_name or "",
            sort_code=sort_code or "",
            account_number=account_number or "",
            session_title=session_title,
            session_date=day,
            participation_pence=participation or 0,
            expenses_pence=expenses or 0,
        )


@dataclass
class _Sum:
    count: int = 0
    participation_pence: int = 0
    expenses_pence: int = 0

    def add(self, row: ExportRow) -> None:
        self.count += 1
        self.participation_pence += row.participation_pence
        self.expenses_pence += row.expenses_pence

    def cells(self, label: str) -> list:
        blanks = [""] * (len(HEADER) - MONEY_COLUMNS - 2)
        return [
            label,
            f"{self.count} payment{'' if self.count == 1 else 's'}",
            *blanks,
            pounds(self.participation_pence),
            pounds(self.expenses_pence),
            pounds(self.participation_pence + self.expenses_pence),
        ]


@dataclass
class _Totals:
    by_method: dict = field(default_factory=lambda: {m.value: _Sum() for m in METHOD_ORDER})
    grand: _Sum = field(default_factory=_Sum)

    def add(self, row: ExportRow) -> None:
        self.by_method.setdefault(row.method, _Sum()).add(row)
        self.grand.add(row)


def run_table(run: PaymentRun) -> Iterator[list]:
    """The file's lines as cells (text, numbers in pounds, dates), not yet neutralised: the header, one line
    per claim, a blank line, then the totals per method (those used) and for the whole run."""
    yield list(HEADER)
    totals = _Totals()
    for row in run_rows(run):
        totals.add(row)
        yield row.cells()
    yield []
    yield ["Totals"]
    for method in METHOD_ORDER:
        line = totals.by_method[method.value]
        if line.count:
            yield line.cells(f"Total: {method.label}")
    yield totals.grand.cells("Total: whole run")


def _csv_text(value) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, date):
        return value.isoformat()
    return str(neutralise(value))


class _Echo:
    """The csv writer's file: hands each line back instead of keeping it."""

    def write(self, value: str) -> str:
        return value


def run_csv(run: PaymentRun) -> Iterator[str]:
    """The run as CSV lines, to stream (UTF-8 with a byte-order mark, so Excel reads the £ and accents)."""
    writer = csv.writer(_Echo())
    first = True
    for cells in run_table(run):
        line = writer.writerow([_csv_text(c) for c in cells])
        if first:
            line, first = "\ufeff" + line, False
        yield line


def run_xlsx(run: PaymentRun) -> bytes:
    """The run as an Excel workbook: amounts as numbers with two decimals, session dates as dates."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(f"Payment run {run.pk}")
    bold = Font(bold=True)
    widths = [16, 28, 18, 28, 10, 14, 34, 12, 16, 14, 12]
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[chr(64 + index)].width = width

    def cell(value, *, strong=False):
        c = WriteOnlyCell(sheet, value=neutralise(value))
        if isinstance(value, Decimal):
            c.number_format = "#,##0.00"
        elif isinstance(value, date):
            c.number_format = "dd/mm/yyyy"
        if strong:
            c.font = bold
        return c

    for number, cells in enumerate(run_table(run)):
        strong = number == 0 or (cells and isinstance(cells[0], str) and cells[0].startswith(("Total", "Totals")))
        sheet.append([cell(v, strong=bool(strong)) for v in cells])
    out = BytesIO()
    workbook.save(out)
    return out.getvalue()
