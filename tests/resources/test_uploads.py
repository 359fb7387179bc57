"""Upload checks: genuine files of each accepted kind pass; anything a browser could run, or
any file whose content is not what its name says, is refused with a message saying why."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from resources.uploads import check_upload, display_name_of
from tests.resources.factories import PDF, docx, odt, pdf, png, zipped

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def upload(name, content):
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        (pdf, "application/pdf"),
        (png, "image/png"),
        (docx, "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
        (odt, "application/vnd.oasis.opendocument.text"),
        (lambda: upload("data.csv", b"district,boreholes\nKisumu,12\n"), "text/csv"),
        (lambda: upload("notes.txt", "Kéré's notes, UTF-8 ✓\n".encode()), "text/plain"),
        (lambda: zipped("bundle.zip", {"a.txt": "hello"}), "application/zip"),
        (lambda: upload("old.doc", bytes.fromhex("d0cf11e0a1b11ae1") + b"\0" * 512), "application/msword"),
    ],
)
def test_genuine_files_are_accepted_with_their_real_type(make, content_type):
    assert check_upload(make()).content_type == content_type


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("report.pdf", HTML, "does not match"),  # HTML renamed .pdf
        ("page.html", HTML, "not accepted"),
        ("drawing.svg", SVG, "not accepted"),
        ("drawing.png", SVG, "does not match"),  # SVG renamed .png
        ("notes.txt", SVG, "does not match"),  # markup hidden in a text file
        ("data.csv", b"a,b\n<script>alert(1)</script>\n", "does not match"),
        ("tool.exe", EXE, "not accepted"),
        ("tool.pdf", EXE, "does not match"),
        ("script.js", b"alert(1)", "not accepted"),
        ("archive.docx", b"PK\x03\x04 not really a zip", "does not match"),
        ("fake.docx", None, "does not match"),  # a real ZIP, but not a Word document
        ("README", b"plain", "without an extension"),
        ("binary.txt", b"abc\x00def", "does not match"),
    ],
)
def test_hostile_or_mismatched_files_are_refused(name, content, why):
    file = zipped(name, {"a.txt": "x"}) if content is None else upload(name, content)
    with pytest.raises(ValidationError, match=why):
        check_upload(file)


def test_polyglot_png_with_html_inside_is_refused():
    image = png().read()
    with pytest.raises(ValidationError):
        check_upload(upload("chart.png", image + b"<html><script>alert(1)</script></html>"))


def test_oversized_file_is_refused_with_the_limit_in_the_message(settings):
    settings.RESOURCE_MAX_UPLOAD_BYTES = 100
    with pytest.raises(ValidationError, match="the limit is 100"):
        check_upload(pdf(content=PDF + b" " * 200))


def test_empty_file_is_refused():
    with pytest.raises(ValidationError, match="empty"):
        check_upload(upload("empty.pdf", b""))


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\evil.PDF", "evil.pdf"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("rapport d'été.pdf", "rapport_dété.pdf"),
        ("name\x00with\nnull.pdf", "namewithnull.pdf"),
        (".hidden.pdf", "hidden.pdf"),
        ("<script>.pdf", "script.pdf"),
    ],
)
def test_display_names_lose_paths_and_dangerous_characters(raw, shown):
    assert display_name_of(raw) == shown
