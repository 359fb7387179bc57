"""Oversized uploads are refused as they arrive: the bytes past the cap are never stored."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from cop_platform.uploads import OversizedUpload, SizeCappedUploadHandler
from resources.models import Resource


def _handler(settings, cap):
    settings.RESOURCE_MAX_UPLOAD_BYTES = settings.AVATAR_MAX_BYTES = settings.POST_ATTACHMENT_MAX_BYTES = cap
    handler = SizeCappedUploadHandler(RequestFactory().post("/"))
    handler.new_file("upload", "huge.pdf", "application/pdf", None)
    return handler


def test_a_file_within_the_cap_passes_through_to_the_next_handler(settings):
    handler = _handler(settings, cap=100)
    assert handler.receive_data_chunk(b"x" * 60, 0) == b"x" * 60
    assert handler.receive_data_chunk(b"x" * 40, 60) == b"x" * 40
    assert handler.file_complete(100) is None


def test_bytes_past_the_cap_are_swallowed_and_only_counted(settings):
    handler = _handler(settings, cap=100)
    assert handler.receive_data_chunk(b"x" * 80, 0) == b"x" * 80
    assert handler.receive_data_chunk(b"x" * 80, 80) is None
    assert handler.receive_data_chunk(b"x" * 80, 160) is None
    placeholder = handler.file_complete(100)
    assert isinstance(placeholder, OversizedUpload)
    assert placeholder.size == 240 and placeholder.name == "huge.pdf"
    assert placeholder.read() == b""


def test_the_library_says_how_big_it_was_and_keeps_what_was_typed(
    settings, client, community, active_membership, member
):
    settings.RESOURCE_MAX_UPLOAD_BYTES = settings.AVATAR_MAX_BYTES = 1000
    client.force_login(member)
    response = client.post(
        reverse("resources:new", args=[community.slug]) + "?kind=file",
        {
            "title": "Borehole survey",
            "summary": "All 40 wells",
            "tags": "",
            "language": "en",
            "licence": "cc-by-4.0",
            "upload": SimpleUploadedFile("survey.pdf", b"%PDF-1.7\n" + b" " * 5000),
        },
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "This file is 4.9\xa0KB; the limit is 1000\xa0bytes." in page
    assert 'value="Borehole survey"' in page
    assert not Resource.objects.exists()


def test_an_oversized_photo_is_refused_with_the_photo_limit(settings, client, member):
    settings.RESOURCE_MAX_UPLOAD_BYTES = settings.AVATAR_MAX_BYTES = 1000
    client.force_login(member)
    response = client.post(
        reverse("members:settings"),
        {"display_name": "Mira", "time_zone": "UTC", "profile_visibility": "members",
         "avatar": SimpleUploadedFile("me.png", b"\x89PNG" + b"0" * 5000)},
    )  # fmt: skip
    assert "the largest photo you can upload is 1000\xa0bytes" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar
