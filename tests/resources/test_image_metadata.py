"""Library images lose what the camera or editor wrote about them: a photo uploaded through the
library form and downloaded again carries no GPS position, no camera, no date, no comment, no
XMP, no PNG text; it opens at the same size, upright, looking the same. New versions too.

Every image is built here with Pillow, carrying the metadata a phone or an editor writes.
"""

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import ExifTags, Image, ImageChops, ImageCms, ImageOps, ImageSequence, ImageStat, PngImagePlugin

from cop_platform import images
from resources.models import Resource, ResourceVersion
from tests.resources.factories import make_file_resource

pytestmark = pytest.mark.django_db

# 52°22'N 4°53'E, the position of the issue's report.
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (52.0, 22.0, 0.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (4.0, 53.0, 0.0),
}
XMP = b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description photoshop:City="Amsterdam"/></x:xmpmeta>'
SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
# Strings a metadata block would carry, none of which may survive in the stored bytes.
TELLTALES = (b"Exif\x00\x00", b"PhoneMaker", b"Model X", b"2024:05:01", b"Amsterdam", b"Carmen", b"xmpmeta")


def camera_exif(*, orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneMaker"
    exif[ExifTags.Base.Model] = "Model X"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.Base.Artist] = "Carmen"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "2024:05:01 09:30:00"
    exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    return exif


def halves(size=(256, 128)) -> Image.Image:
    """Red left half, blue right half: after a quarter turn the colours tell which way is up."""
    image = Image.new("RGB", size, (220, 20, 20))
    image.paste((20, 20, 220), (size[0] // 2, 0, size[0], size[1]))
    return image


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **params)
    return buffer.getvalue()


def phone_jpeg() -> bytes:
    """256×128 pixels stored, to be shown turned a quarter clockwise (EXIF orientation 6)."""
    data = encoded(
        halves(),
        "JPEG",
        quality=95,
        exif=camera_exif(orientation=6),
        xmp=XMP,
        comment=b"Carmen's garden",
        icc_profile=SRGB,
    )
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the fixture really has GPS
    return data


def named(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def url(name, community, resource=None):
    kwargs = {"community_slug": community.slug}
    if resource is not None:
        kwargs["resource_id"] = resource.pk
    return reverse(f"resources:{name}", kwargs=kwargs)


def upload_through_the_form(client, community, name: str, data: bytes) -> Resource:
    response = client.post(
        url("new", community) + "?kind=file",
        {"title": "Site photo", "summary": "", "tags": "", "language": "en", "licence": "cc-by-4.0",
         "upload": named(name, data)},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    return Resource.objects.get(title="Site photo")


def downloaded(client, community, resource) -> bytes:
    response = client.get(
        reverse("resources:download", kwargs={"community_slug": community.slug, "resource_id": resource.pk})
    )
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def assert_no_metadata(data: bytes, image: Image.Image) -> None:
    found = [marker for marker in TELLTALES if marker in data]
    assert not found, f"metadata left in the served file: {found}"
    assert not image.getexif(), f"EXIF left: {dict(image.getexif())}"
    assert not image.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not {"exif", "xmp", "comment"} & set(image.info), sorted(image.info)


@pytest.fixture
def library_dir(_library_files_in_tmp):
    return _library_files_in_tmp


@pytest.fixture
def member_client(client, member, active_membership):
    client.force_login(member)
    return client


def test_phone_photo_loses_gps_and_camera_data_and_is_served_upright(member_client, community):
    original = phone_jpeg()
    resource = upload_through_the_form(member_client, community, "garden.jpg", original)
    served = downloaded(member_client, community, resource)
    image = Image.open(io.BytesIO(served))
    print(f"jpeg uploaded={len(original)} bytes served={len(served)} bytes size={image.size}")

    assert_no_metadata(served, image)
    assert image.format == "JPEG" and image.size == (128, 256)  # the quarter turn applied, not recorded
    image = image.convert("RGB")
    top, bottom = image.getpixel((64, 30)), image.getpixel((64, 220))
    assert top[0] > 180 > top[2] and bottom[2] > 180 > bottom[0], (top, bottom)  # red up, as the phone showed it
    # Against the photo as a viewer showed it before: re-encoding adds (almost) no loss.
    as_uploaded = ImageOps.exif_transpose(Image.open(io.BytesIO(original))).convert("RGB")
    difference = max(ImageStat.Stat(ImageChops.difference(as_uploaded, image)).mean)
    print(f"mean difference per channel from the uploaded photo: {difference:.2f} of 255")
    assert difference < 1, "re-encoding lost quality"
    assert Image.open(io.BytesIO(served)).info.get("icc_profile") == SRGB  # colours stay as they were meant
    version = resource.current_version
    assert (version.size, version.content_type, version.original_name) == (len(served), "image/jpeg", "garden.jpg")


def test_png_loses_its_text_chunks_and_keeps_every_pixel_and_transparency(member_client, community):
    pixels = halves().convert("RGBA")
    pixels.putpixel((0, 0), (0, 0, 0, 0))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Carmen")
    info.add_itxt("Comment", "Taken at home, Amsterdam", lang="en")
    info.add_text("XML:com.adobe.xmp", XMP.decode(), zip=True)
    original = encoded(pixels, "PNG", pnginfo=info, exif=camera_exif())
    assert Image.open(io.BytesIO(original)).text  # the fixture really has text chunks

    served = downloaded(
        member_client, community, upload_through_the_form(member_client, community, "plan.png", original)
    )
    image = Image.open(io.BytesIO(served))

    assert_no_metadata(served, image)
    assert image.text == {}
    assert not re.search(rb"tEXt|iTXt|zTXt|eXIf|tIME", served)
    assert image.size == pixels.size and image.mode == "RGBA"
    assert ImageChops.difference(pixels, image).getbbox() is None  # lossless stays lossless


def test_a_new_version_is_cleaned_the_same_way(member_client, community):
    resource = upload_through_the_form(member_client, community, "chart.png", encoded(halves(), "PNG"))
    response = member_client.post(
        url("version_new", community, resource),
        {"upload": named("garden.jpg", phone_jpeg()), "note": "The photo instead"},
    )
    assert response.status_code == 302
    served = downloaded(member_client, community, resource)
    image = Image.open(io.BytesIO(served))
    assert_no_metadata(served, image)
    assert image.size == (128, 256)


def test_animated_gif_keeps_its_frames_and_timing_and_loses_its_comment(member_client, community):
    frames = [Image.new("P", (40, 30), colour) for colour in (1, 2, 3)]
    for frame in frames:
        frame.putpalette([0, 0, 0, 220, 20, 20, 20, 220, 20, 20, 20, 220] + [0] * 756)
    original = encoded(
        frames[0], "GIF", save_all=True, append_images=frames[1:], duration=[100, 200, 300], loop=0,
        comment=b"Carmen's holiday in Amsterdam",
    )  # fmt: skip
    served = downloaded(
        member_client, community, upload_through_the_form(member_client, community, "steps.gif", original)
    )
    image = Image.open(io.BytesIO(served))

    assert_no_metadata(served, image)
    assert image.n_frames == 3 and image.size == (40, 30) and image.info.get("loop") == 0
    durations = [frame.info["duration"] for frame in ImageSequence.Iterator(image)]
    colours = [frame.convert("RGB").getpixel((5, 5)) for frame in ImageSequence.Iterator(image)]
    assert durations == [100, 200, 300]
    assert colours == [(220, 20, 20), (20, 220, 20), (20, 20, 220)]


def test_animated_webp_keeps_its_frames_and_loses_exif_and_xmp(member_client, community):
    frames = [Image.new("RGB", (40, 30), colour) for colour in ("red", "green", "blue")]
    original = encoded(
        frames[0], "WEBP", save_all=True, append_images=frames[1:], duration=[100, 200, 300], lossless=True,
        exif=camera_exif(), xmp=XMP,
    )  # fmt: skip
    assert Image.open(io.BytesIO(original)).info.get("exif")
    served = downloaded(
        member_client, community, upload_through_the_form(member_client, community, "steps.webp", original)
    )
    image = Image.open(io.BytesIO(served))

    assert_no_metadata(served, image)
    assert image.n_frames == 3 and image.size == (40, 30)
    for expected, frame in zip(frames, ImageSequence.Iterator(image), strict=True):
        assert ImageChops.difference(expected, frame.convert("RGB")).getbbox() is None  # lossless stays lossless


def test_lossy_webp_photo_loses_exif_and_is_served_upright(member_client, community):
    original = encoded(halves(), "WEBP", quality=95, exif=camera_exif(orientation=6), xmp=XMP)
    served = downloaded(
        member_client, community, upload_through_the_form(member_client, community, "site.webp", original)
    )
    image = Image.open(io.BytesIO(served))
    assert_no_metadata(served, image)
    assert image.size == (128, 256)


def test_an_image_too_large_to_process_is_refused_beside_the_field(member_client, community, monkeypatch):
    monkeypatch.setattr("cop_platform.upload_checks.MAX_IMAGE_PIXELS", 1000)
    response = member_client.post(
        url("new", community) + "?kind=file",
        {"title": "Site photo", "summary": "", "tags": "", "language": "en", "licence": "cc-by-4.0",
         "upload": named("garden.jpg", phone_jpeg())},
    )  # fmt: skip
    assert response.status_code == 400
    assert "256 × 128 pixels, too large to process" in response.content.decode()
    assert not Resource.objects.exists()


def test_phone_photo_with_a_depth_map_is_stored_as_the_photo_alone(member_client, community):
    """Phones append a second picture (a depth or HDR gain map) to a JPEG, which Pillow calls MPO."""
    depth_map = Image.new("RGB", (256, 128), "gray")
    original = encoded(halves(), "MPO", save_all=True, append_images=[depth_map], exif=camera_exif(orientation=6))
    assert Image.open(io.BytesIO(original)).format == "MPO"  # the fixture really has two pictures

    served = downloaded(
        member_client, community, upload_through_the_form(member_client, community, "depth.jpg", original)
    )
    image = Image.open(io.BytesIO(served))

    assert_no_metadata(served, image)
    assert image.format == "JPEG" and getattr(image, "n_frames", 1) == 1 and image.size == (128, 256)


def test_images_stored_before_the_fix_are_cleaned_by_the_command_once(
    member_client, community, member, library_dir, django_capture_on_commit_callbacks
):
    """After upgrading, the operator runs `manage.py strip_image_metadata`: the photos uploaded
    earlier lose their GPS position too; clean files and other kinds are left as they are."""
    photo = make_file_resource(
        community=community, author=member, title="Garden", upload=named("garden.jpg", phone_jpeg())
    )
    report = make_file_resource(community=community, author=member, title="Report")
    chart = make_file_resource(
        community=community, author=member, title="Chart", upload=named("chart.png", encoded(halves(), "PNG"))
    )
    # What an earlier release stored: the upload, byte for byte.
    old_name = photo.current_version.file.name
    (library_dir / old_name).write_bytes(phone_jpeg())
    chart_name, report_name = chart.current_version.file.name, report.current_version.file.name

    first, second = io.StringIO(), io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):  # the old file goes once the change commits
        call_command("strip_image_metadata", stdout=first)
    call_command("strip_image_metadata", stdout=second)
    print(first.getvalue(), second.getvalue(), sep="")

    assert "library images checked=2 cleaned=1 unreadable=0" in first.getvalue()
    assert "library images checked=2 cleaned=0 unreadable=0" in second.getvalue()
    version = ResourceVersion.objects.get(pk=photo.current_version.pk)
    served = downloaded(member_client, community, photo)
    assert_no_metadata(served, Image.open(io.BytesIO(served)))
    assert Image.open(io.BytesIO(served)).size == (128, 256) and version.size == len(served)
    assert version.file.name != old_name and not (library_dir / old_name).exists()  # no copy left behind
    assert ResourceVersion.objects.get(pk=chart.current_version.pk).file.name == chart_name
    assert ResourceVersion.objects.get(pk=report.current_version.pk).file.name == report_name


@pytest.mark.parametrize(
    ("fmt", "params"),
    [
        ("JPEG", {"exif": camera_exif(), "comment": b"Carmen"}),
        ("JPEG", {"xmp": XMP, "icc_profile": SRGB}),
        ("PNG", {"exif": camera_exif()}),
        ("WEBP", {"xmp": XMP}),
        ("GIF", {"comment": b"Carmen"}),
    ],
)
def test_metadata_is_found_before_cleaning_and_none_after(fmt, params):
    """What lets the command skip files already clean, so a second run re-encodes nothing."""
    original = io.BytesIO(encoded(halves(), fmt, **params))
    with images.opened(original, formats={fmt}, max_pixels=10**6) as image:
        assert images.carries_metadata(image)
        cleaned = io.BytesIO(images.without_metadata(image, source=original))
    with images.opened(cleaned, formats={fmt}, max_pixels=10**6) as image:
        assert not images.carries_metadata(image)


def test_make_upgrade_cleans_photos_stored_before_the_fix_once(
    member_client, community, member, library_dir, django_capture_on_commit_callbacks
):
    photo = make_file_resource(
        community=community, author=member, title="Garden", upload=named("garden.jpg", phone_jpeg())
    )
    (library_dir / photo.current_version.file.name).write_bytes(phone_jpeg())  # as stored before

    first, second = io.StringIO(), io.StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("upgrade", "--skip-static", stdout=first)
    call_command("upgrade", "--skip-static", stdout=second)

    assert "Library images: metadata removed from 1 stored before uploads were cleaned." in first.getvalue()
    assert "Library images" not in second.getvalue()
    served = downloaded(member_client, community, photo)
    assert_no_metadata(served, Image.open(io.BytesIO(served)))
