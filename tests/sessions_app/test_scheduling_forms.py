"""The scheduling forms on their own: how break lines are read, and which uploaded files are accepted."""

from datetime import time

import pytest
from django import forms
from django.core.files.uploadedfile import SimpleUploadedFile

from sessions_app.forms.scheduling import check_upload, parse_breaks


@pytest.mark.parametrize(
    "text,expected",
    [
        ("", []),
        ("11:00 for 15 minutes", [(time(11, 0), 15)]),
        ("  9.45 for 10 mins \n\n14:30 FOR 1 minute", [(time(9, 45), 10), (time(14, 30), 1)]),
    ],
)
def test_break_lines_are_read(text, expected):
    assert parse_breaks(text) == expected


@pytest.mark.parametrize(
    "text,message",
    [
        ("11:00 for 15 minutes\nlunch", 'Line 2 of the breaks, "lunch", is not in the form'),
        ("25:00 for 15 minutes", 'Line 1 of the breaks, "25:00 for 15 minutes", is not in the form'),
        ("11:00 for 0 minutes", "a break lasts between 1 and 240 minutes"),
        ("11:00 for fifteen minutes", 'Line 1 of the breaks, "11:00 for fifteen minutes"'),
    ],
)
def test_a_bad_break_line_is_named_in_the_error(text, message):
    with pytest.raises(forms.ValidationError) as caught:
        parse_breaks(text)
    assert message in caught.value.messages[0]


@pytest.mark.parametrize(
    "name,content",
    [
        ("plan.pdf", b"%PDF-1.4 ..."),
        ("plan.docx", b"PK\x03\x04 ..."),
        ("plan.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1 ..."),
        ("photo.JPG", b"\xff\xd8\xff\xe0 ..."),
        ("photo.png", b"\x89PNG\r\n\x1a\n ..."),
        ("photo.webp", b"RIFF\x00\x00\x00\x00WEBPVP8 "),
        ("notes.txt", "Questions to think about: café?".encode()),
    ],
)
def test_suitable_files_are_accepted(name, content):
    check_upload(SimpleUploadedFile(name, content))


@pytest.mark.parametrize(
    "name,content,message",
    [
        ("run.exe", b"MZ", "This kind of file cannot be shared here."),
        ("page.html", b"<script>", "This kind of file cannot be shared here."),
        ("photo.png", b"MZ\x90\x00", "This file does not look like a picture"),
        ("notes.txt", b"MZ\x00\x00\x00", "This file does not look like a text file"),
        ("big.txt", b"a" * (10 * 1024 * 1024 + 1), "Files can be up to 10 MB"),
    ],
)
def test_unsuitable_files_are_refused_with_a_clear_message(name, content, message):
    with pytest.raises(forms.ValidationError) as caught:
        check_upload(SimpleUploadedFile(name, content))
    assert message in caught.value.messages[0]
