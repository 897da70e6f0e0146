"""Checking an uploaded ticket or receipt before it is kept.

A receipt is a photo (JPEG, PNG, HEIC, WebP) or a PDF, up to 5 MB. What it is comes from its CONTENT (the
`filetype` library reads the first bytes), never from its name or the type the browser claims: a text file
named "ticket.png" is refused. The kept file gets a random name; the name it came with is only shown back.
"""

import secrets
import unicodedata

import filetype
from django.core.exceptions import ValidationError

MAX_BYTES = 5 * 1024 * 1024
MAX_PER_LINE = 5
ORIGINAL_NAME_MAX = 150
# What filetype says -> the extension the stored file gets.
ALLOWED = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/heic": "heic",
    "image/webp": "webp",
    "application/pdf": "pdf",
}
# filetype needs at most the first 8 KB (its own `signature` size is 8192).
HEAD_BYTES = 8192


def read_head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    upload.seek(0)
    return head


def check_upload(upload) -> str:
    """The content type of an acceptable receipt, else a ValidationError: "empty", "too_big" or "wrong_type"."""
    size = getattr(upload, "size", None) or 0
    if size <= 0:
        raise ValidationError("The file is empty. Choose a photo or PDF of your ticket or receipt.", code="empty")
    if size > MAX_BYTES:
        raise ValidationError(
            "The file is bigger than 5 MB. Take a smaller photo, or choose a smaller file.", code="too_big"
        )
    kind = filetype.guess(read_head(upload))
    if kind is None or kind.mime not in ALLOWED:
        raise ValidationError(
            "The file must be a photo (JPEG, PNG, HEIC or WebP) or a PDF.",
            code="wrong_type",
        )
    return kind.mime


def stored_name(content_type: str) -> str:
    """A random name for the kept file: nothing of what the person typed or their phone chose."""
    return f"{secrets.token_hex(16)}.{ALLOWED[content_type]}"


def clean_original_name(name: str | None) -> str:
    """The uploaded name as people will see it: its last part only, no control characters, at most 150."""
    name = (name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C")
    return name.strip()[:ORIGINAL_NAME_MAX]
