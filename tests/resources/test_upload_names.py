"""A file whose name runs to a thousand characters is accepted under a shortened name, instead
of Django's bare "Bad Request (400)" page (its multipart parser refuses part headers over 1,024
bytes before any form runs). The bodies here are real multipart bodies written byte by byte,
as a browser sends them: the test client's own encoder would cut the name to 255 characters
first and hide the problem. The client checks CSRF, as production does, so the name must be
shortened before the CSRF middleware reads the form."""

import io
import re
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.http import parse_header_parameters
from PIL import Image

from cop_platform.upload_names import ShortenedNameStream, shorten_part_headers
from resources.models import Resource
from tests.resources.factories import PDF

pytestmark = pytest.mark.django_db

BOUNDARY = "----WebKitFormBoundaryq7Zb3kX9aLmW2pRt"
LONG_NAME = "Borehole yields " * 62 + "final.pdf"  # 1,001 characters


def multipart(fields: dict, *, file_field: str, file_name: str, content: bytes, content_type: str) -> bytes:
    """A multipart/form-data body the way Chromium writes one (quotes in names as %22)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    quoted = file_name.replace('"', "%22")
    parts.append(
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{file_field}"; filename="{quoted}"\r\n'
        f"Content-Type: {content_type}\r\n\r\n".encode()
        + content
        + b"\r\n"
    )
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def signed_in_with_csrf(user, page: str) -> tuple[Client, str]:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    form = client.get(page).content.decode()
    return client, re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


def post_multipart(client, path, body):
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}")


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 40), "teal").save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.parametrize("file_name", [LONG_NAME, "é" * 996 + ".pdf"], ids=["ascii", "two-byte characters"])
def test_the_library_accepts_a_file_with_a_thousand_character_name(community, active_membership, member, file_name):
    path = reverse("resources:new", kwargs={"community_slug": community.slug}) + "?kind=file"
    client, token = signed_in_with_csrf(member, path)
    fields = {"csrfmiddlewaretoken": token, "title": "Borehole survey", "summary": "All 40 wells", "tags": "wells"}
    fields |= {"language": "en", "licence": "cc-by-4.0"}
    body = multipart(fields, file_field="upload", file_name=file_name, content=PDF, content_type="application/pdf")

    response = post_multipart(client, path, body)

    resource = Resource.objects.filter(title="Borehole survey").first()
    stored = resource.current_version.original_name if resource else None
    print(f"name={len(file_name)} chars status={response.status_code} stored as {stored!r} ({len(stored or '')} chars)")
    assert response.status_code == 302
    version = resource.current_version
    assert version.original_name.endswith(".pdf")
    assert len(version.original_name) <= 160
    assert version.file.open("rb").read() == PDF  # the content passes through untouched


def test_a_thousand_character_profile_photo_name_is_accepted(member):
    path = reverse("members:settings")
    client, token = signed_in_with_csrf(member, path)
    fields = {"csrfmiddlewaretoken": token, "display_name": "Mira", "time_zone": "UTC"}
    fields |= {"profile_visibility": "members"}
    body = multipart(fields, file_field="avatar", file_name=LONG_NAME[:-4] + ".png", content=png_bytes(),
                     content_type="image/png")  # fmt: skip

    response = post_multipart(client, path, body)

    member.refresh_from_db()
    print(f"avatar status={response.status_code} stored={member.avatar.name!r}")
    assert response.status_code == 302
    assert member.avatar and member.display_name == "Mira"


def test_a_refused_file_with_a_long_name_keeps_what_was_typed(community, active_membership, member):
    path = reverse("resources:new", kwargs={"community_slug": community.slug}) + "?kind=file"
    client, token = signed_in_with_csrf(member, path)
    fields = {"csrfmiddlewaretoken": token, "title": "Borehole survey", "summary": "All 40 wells", "tags": ""}
    fields |= {"language": "en", "licence": "cc-by-4.0"}
    html = b"<!DOCTYPE html><script>alert(1)</script>"
    body = multipart(fields, file_field="upload", file_name=LONG_NAME, content=html, content_type="application/pdf")

    response = post_multipart(client, path, body)

    assert response.status_code == 400
    page = response.content.decode()
    assert "does not match its name" in page  # the form's own error, beside the file field
    assert 'value="Borehole survey"' in page
    assert not Resource.objects.exists()


def test_part_headers_too_long_for_another_reason_are_still_refused(member):
    """Django's guard stays: only file names are shortened, not any header."""
    path = reverse("members:settings")
    client = Client()
    client.force_login(member)
    body = (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="display_name"\r\nX-Padding: {"x" * 5000}\r\n\r\n'
        f"Mira\r\n--{BOUNDARY}--\r\n"
    ).encode()

    assert post_multipart(client, path, body).status_code == 400


class Trickle:
    """A stream that hands out at most `step` bytes a read, as a slow network does."""

    def __init__(self, data: bytes, step: int):
        self.data, self.step = data, step

    def read(self, size=-1):
        out, self.data = self.data[: self.step], self.data[self.step :]
        return out


@pytest.mark.parametrize("step", [1, 7, 64, 1000, 1 << 20])
def test_the_body_is_the_same_whatever_the_read_sizes_but_for_the_shortened_name(step):
    content = b"--" + BOUNDARY.encode() + b"x\r\n" + bytes(range(256)) * 40  # boundary-like bytes inside
    body = multipart({"title": "A"}, file_field="upload", file_name=LONG_NAME, content=content,
                     content_type="application/pdf")  # fmt: skip
    stream = ShortenedNameStream(Trickle(body, step), BOUNDARY.encode())

    read, out = 1, bytearray()
    while chunk := stream.read(read):
        out += chunk
        read = read % 97 + 13  # the parser's reads vary too

    expected = body.replace(LONG_NAME.encode(), LONG_NAME.encode()[:196] + b".pdf")
    assert bytes(out) == expected


def test_an_rfc_5987_file_name_is_shortened_too():
    long_name = "Rapport d’étape " * 70 + ".pdf"
    encoded = "UTF-8''" + quote(long_name, safe="")
    block = f'Content-Disposition: form-data; name="upload"; filename*={encoded}'.encode()

    shortened = shorten_part_headers(block)

    _, params = parse_header_parameters(shortened.decode())
    print(f"header {len(block)} -> {len(shortened)} bytes")
    assert len(shortened) < 400
    assert params["filename"].startswith("Rapport d’étape Rapport") and params["filename"].endswith(".pdf")
