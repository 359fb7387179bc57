"""Library content made through the services, and sample files of every kind, good and bad."""

import io
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from resources.services import resource_create

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def pdf(name="report.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def png(name="chart.png", size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def zipped(name, entries: dict[str, str]):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry, text in entries.items():
            archive.writestr(entry, text)
    return SimpleUploadedFile(name, buffer.getvalue())


def docx(name="guide.docx"):
    return zipped(name, {"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document/>"})


def odt(name="notes.odt"):
    return zipped(name, {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<office/>"})


def make_file_resource(*, community, author, title="Borehole logbook", upload=None, **fields):
    return resource_create(
        actor=author, community=community, kind="file", title=title, upload=upload or pdf(), **fields
    )


def make_link(*, community, author, title="WHO guidelines", url="https://www.who.int/", **fields):
    return resource_create(actor=author, community=community, kind="link", title=title, url=url, **fields)


def make_practice(*, community, author, title="Sand dam siting", body="## Context\n\nDry riverbeds.", **fields):
    return resource_create(actor=author, community=community, kind="practice", title=title, body=body, **fields)
