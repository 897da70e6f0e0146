"""Receipts: checked by their content (payments/receipts.py), kept under a random name, at most 5 a cost, and
served only to the person and the organisation's finance officers, with headers that stop a browser guessing."""

import struct
import zlib

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core.models import AuditEvent
from payments import receipts
from payments.models import ClaimState, LineKind, Receipt
from payments.services import parent as services
from tests.payments.factories import claim_at, held_session, make_claim


def tiny_png() -> bytes:
    """A real 1 x 1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def upload(name: str, data: bytes, content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- the check -------------------------------------------------------------------------------------------------


def code_of(excinfo) -> str:
    return excinfo.value.error_list[0].code


def test_a_tiny_png_and_a_pdf_are_accepted_by_their_content():
    assert receipts.check_upload(upload("ticket.png", tiny_png())) == "image/png"
    # the name and the browser's type do not matter: the content does
    assert receipts.check_upload(upload("ticket.jpg", PDF, "image/jpeg")) == "application/pdf"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"this is only text, not a picture", "wrong_type"),
        (b"<html><script>alert(1)</script></html>", "wrong_type"),
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (6 * 1024 * 1024), "too_big"),
    ],
)
def test_a_text_file_named_png_an_empty_file_and_6_mb_are_refused(data, code):
    with pytest.raises(ValidationError) as excinfo:
        receipts.check_upload(upload("ticket.png", data))
    assert code_of(excinfo) == code


def test_the_uploaded_name_is_trimmed_and_cleaned():
    assert receipts.clean_original_name("C:\\Users\\me\\bus\x00 ticket.png") == "bus ticket.png"
    assert len(receipts.clean_original_name("a" * 400 + ".pdf")) == 150


# --- attaching -------------------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


@pytest.fixture
def claim(group_with_members, facilitator, facilitator2, parent):
    session = held_session(group_with_members, facilitator, facilitator2, attendees={parent: (0, 120)})
    return make_claim(session, parent, travel_pence=430)


@pytest.fixture
def travel(claim):
    return claim.lines.get(kind=LineKind.TRAVEL)


def test_a_receipt_is_kept_under_a_random_name_and_audited(media, travel, parent):
    receipt = services.receipt_attach(line=travel, acting_user=parent, upload=upload("my bus ticket.png", tiny_png()))
    assert receipt.content_type == "image/png"
    assert receipt.size == len(tiny_png())
    assert receipt.original_name == "my bus ticket.png"
    assert "bus" not in receipt.file.name and receipt.file.name.endswith(".png")
    assert receipt.file.read() == tiny_png()
    assert AuditEvent.objects.filter(action="receipt.added", actor=parent).count() == 1


def test_at_most_five_receipts_a_line_and_only_while_the_claim_is_open(
    media, claim, travel, parent, professional, facilitator2, finance_officer
):
    for n in range(5):
        services.receipt_attach(line=travel, acting_user=parent, upload=upload(f"r{n}.pdf", PDF))
    with pytest.raises(ValidationError) as excinfo:
        services.receipt_attach(line=travel, acting_user=parent, upload=upload("r6.pdf", PDF))
    assert code_of(excinfo) == "too_many"
    childcare = claim.lines.create(kind=LineKind.CHILDCARE, description="Childcare", amount_pence=1000)
    with pytest.raises(ValidationError) as excinfo:
        services.receipt_attach(line=childcare, acting_user=professional, upload=upload("r.pdf", PDF))
    assert code_of(excinfo) == "not_yours"
    with pytest.raises(ValidationError) as excinfo:
        services.receipt_attach(
            line=claim.lines.get(kind=LineKind.PARTICIPATION), acting_user=parent, upload=upload("r.pdf", PDF)
        )
    assert code_of(excinfo) == "not_a_cost"
    claim_at(claim, ClaimState.APPROVED, attendance_by=facilitator2, approved_by=finance_officer)
    with pytest.raises(ValidationError) as excinfo:
        services.receipt_attach(line=childcare, acting_user=parent, upload=upload("r.pdf", PDF))
    assert code_of(excinfo) == "not_open"
    assert Receipt.objects.count() == 5


# --- the pages -------------------------------------------------------------------------------------------------


def test_uploading_through_the_page(media, client, claim, travel, parent):
    client.force_login(parent)
    url = reverse("payments:receipt_upload", args=[claim.pk, travel.pk])
    page = client.get(url).content.decode()
    assert 'accept="image/*,application/pdf"' in page and "capture" not in page
    assert "Photo or PDF of your ticket or receipt" in page and "Up to 5 MB" in page
    # a text file named .png: the page says why, nothing kept
    response = client.post(url, {"file": upload("ticket.png", b"just some text")})
    assert response.status_code == 200
    assert "must be a photo" in response.content.decode()
    assert response.content.decode().count("<title>Error: ") == 1
    assert not Receipt.objects.exists()
    response = client.post(url, {"file": upload("ticket.png", tiny_png())})
    assert response.status_code == 302
    assert Receipt.objects.get().line == travel


def test_a_receipt_is_served_with_its_checked_type_to_its_people_only(
    media, client, travel, parent, finance_officer, facilitator, dad, outsider
):
    png = services.receipt_attach(line=travel, acting_user=parent, upload=upload("t.png", tiny_png()))
    pdf = services.receipt_attach(line=travel, acting_user=parent, upload=upload("t.pdf", PDF))
    for person in (parent, finance_officer):
        client.force_login(person)
        response = client.get(reverse("payments:receipt", args=[png.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert b"".join(response.streaming_content) == tiny_png()
        response = client.get(reverse("payments:receipt", args=[pdf.pk]))
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"].startswith("attachment")
    for person in (dad, facilitator, outsider):  # another parent, even the session's facilitator, an outsider
        client.force_login(person)
        assert client.get(reverse("payments:receipt", args=[png.pk])).status_code == 404
    assert client.get(reverse("payments:receipt", args=[999999])).status_code == 404
