"""Profile photos: only real JPEG/PNG/GIF/WebP images get in, and what is stored is our own
re-encoded square PNG under a random name."""

import io
import os

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from members.services import avatar_remove, avatar_set


def image_upload(fmt="PNG", size=(300, 200), name=None, noisy=False, extra=b""):
    mode = "RGB"
    image = Image.frombytes(mode, size, os.urandom(size[0] * size[1] * 3)) if noisy else Image.new(mode, size, "teal")
    buffer = io.BytesIO()
    image.save(buffer, format=fmt)
    name = name or f"me.{fmt.lower()}"
    return SimpleUploadedFile(name, buffer.getvalue() + extra, content_type=f"image/{fmt.lower()}")


def stored_image(member):
    member.refresh_from_db()
    with default_storage.open(member.avatar.name, "rb") as stored:
        data = stored.read()
    return data, Image.open(io.BytesIO(data))


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_valid_image_is_stored_as_a_square_png_under_a_random_name(member, settings, fmt):
    avatar_set(actor=member, user=member, upload=image_upload(fmt, name=f"holiday-photo.{fmt.lower()}"))

    data, image = stored_image(member)
    assert member.avatar.name.startswith("avatars/")
    assert member.avatar.name.endswith(".png")
    assert "holiday" not in member.avatar.name
    assert image.format == "PNG"
    assert image.size == (settings.AVATAR_SIZE_PX, settings.AVATAR_SIZE_PX)


@pytest.mark.django_db
def test_two_uploads_of_the_same_file_get_different_names(member, other_member):
    avatar_set(actor=member, user=member, upload=image_upload())
    avatar_set(actor=other_member, user=other_member, upload=image_upload())

    assert member.avatar.name != other_member.avatar.name


@pytest.mark.django_db
def test_html_file_renamed_png_is_refused(member):
    upload = SimpleUploadedFile(
        "me.png", b"<html><body><script>alert(document.cookie)</script></body></html>", content_type="image/png"
    )

    with pytest.raises(ValidationError) as refused:
        avatar_set(actor=member, user=member, upload=upload)

    assert refused.value.message_dict["avatar"] == [
        "This file is not a photo we can use. Upload a JPEG, PNG, GIF or WebP image."
    ]
    member.refresh_from_db()
    assert not member.avatar


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["me.svg", "me.png"])
def test_svg_is_refused_whatever_its_name(member, name):
    svg = (
        b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script><rect width='10' height='10'/></svg>"
    )

    with pytest.raises(ValidationError) as refused:
        avatar_set(actor=member, user=member, upload=SimpleUploadedFile(name, svg, content_type="image/svg+xml"))

    assert "not a photo we can use" in refused.value.message_dict["avatar"][0]


@pytest.mark.django_db
def test_image_with_a_trailing_html_payload_is_stored_without_it(member):
    upload = image_upload(extra=b"<script>alert(document.cookie)</script>")

    avatar_set(actor=member, user=member, upload=upload)

    data, image = stored_image(member)
    assert b"<script>" not in data
    assert image.format == "PNG"


@pytest.mark.django_db
def test_a_small_file_that_decodes_to_huge_dimensions_is_refused(member):
    buffer = io.BytesIO()
    Image.new("1", (8000, 6000)).save(buffer, format="PNG")
    upload = SimpleUploadedFile("bomb.png", buffer.getvalue(), content_type="image/png")

    with pytest.raises(ValidationError) as refused:
        avatar_set(actor=member, user=member, upload=upload)

    assert "too large to process" in refused.value.message_dict["avatar"][0]


@pytest.mark.django_db
def test_oversized_photo_is_refused_with_a_clear_message_and_nothing_typed_is_lost(client, member, settings):
    settings.AVATAR_MAX_BYTES = 10_000
    client.force_login(member)

    response = client.post(
        reverse("members:settings"),
        {
            "display_name": "Mira Okafor",
            "headline": "Groundwater modeller",
            "bio": "Twenty years of **borehole** siting.",
            "organisation": "Rural Water Trust",
            "discipline": "Hydrogeology",
            "country": "KE",
            "languages": "English, Swahili",
            "expertise": "groundwater, GIS",
            "time_zone": "Africa/Nairobi",
            "profile_visibility": "public",
            "avatar": image_upload(size=(200, 200), noisy=True),
        },
    )

    html = response.content.decode()
    assert response.status_code == 200
    avatar_field = html[html.index('id="id_avatar"') :]
    avatar_field = avatar_field[: avatar_field.index("</form>")]
    assert "the largest photo you can upload is 9.8\xa0KB" in avatar_field  # next to the photo field
    assert 'value="Groundwater modeller"' in html
    assert "Twenty years of **borehole** siting." in html
    assert 'value="groundwater, GIS"' in html
    assert '<option value="Africa/Nairobi" selected>' in html
    member.refresh_from_db()
    assert member.headline != "Groundwater modeller"
    assert not member.avatar


@pytest.mark.django_db
def test_photo_upload_through_settings_page_shows_on_profile(client, member):
    client.force_login(member)
    form = {"display_name": member.display_name, "time_zone": "UTC", "profile_visibility": "members"}

    response = client.post(reverse("members:settings"), {**form, "avatar": image_upload()})

    assert response.status_code == 302
    member.refresh_from_db()
    profile = client.get(member.get_absolute_url())
    assert member.avatar.url.encode() in profile.content


@pytest.mark.django_db
def test_replacing_a_photo_deletes_the_old_file(member, django_capture_on_commit_callbacks):
    avatar_set(actor=member, user=member, upload=image_upload())
    old_name = member.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        avatar_set(actor=member, user=member, upload=image_upload("JPEG"))

    assert member.avatar.name != old_name
    assert not default_storage.exists(old_name)
    assert default_storage.exists(member.avatar.name)


@pytest.mark.django_db
def test_removing_a_photo_deletes_its_file(member, django_capture_on_commit_callbacks):
    avatar_set(actor=member, user=member, upload=image_upload())
    old_name = member.avatar.name

    with django_capture_on_commit_callbacks(execute=True):
        avatar_remove(actor=member, user=member)

    member.refresh_from_db()
    assert not member.avatar
    assert not default_storage.exists(old_name)


@pytest.mark.django_db
def test_remove_photo_checkbox_on_settings_page_removes_it(client, member, django_capture_on_commit_callbacks):
    avatar_set(actor=member, user=member, upload=image_upload())
    old_name = member.avatar.name
    client.force_login(member)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("members:settings"),
            {
                "display_name": member.display_name,
                "time_zone": "UTC",
                "profile_visibility": "members",
                "remove_avatar": "on",
            },
        )

    assert response.status_code == 302
    member.refresh_from_db()
    assert not member.avatar
    assert not default_storage.exists(old_name)


@pytest.mark.django_db
def test_another_member_cannot_change_your_photo(member, other_member):
    with pytest.raises(PermissionDenied):
        avatar_set(actor=other_member, user=member, upload=image_upload())
