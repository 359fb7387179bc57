"""Files on S3-compatible object storage (FILE_STORAGE=s3), against a real S3 server on the
loopback: library files, post attachments, data exports and avatars go to one private bucket
under their own prefixes; a download is a redirect to a short-lived signed link whose answer is
the same safe attachment as our own responses; outsiders get a 404 and never a link; and a
file written by one web host is read by another that has nothing on its disk."""

import io
import json
import os
import subprocess
import sys
import urllib.request
import zipfile
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.files.base import ContentFile
from django.core.files.storage import StorageHandler, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from PIL import Image

from discussions.models import PostAttachment
from members.models import DataExport
from resources.models import Resource
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.resources.factories import PDF, pdf

from .conftest import needs_s3_server, s3_storages

needs_s3_server()

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("on_s3")]

ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


def fetch(url: str):
    """GET a signed link as a browser would, straight from the S3 server: (status, headers, body)."""
    with urllib.request.urlopen(url, timeout=10) as answer:  # noqa: S310 - an http://127.0.0.1 link
        return answer.status, answer.headers, answer.read()


def assert_signed_attachment(response, *, bucket, key_prefix, filename, content_type, data, inline=False):
    """`response` redirects to a signed, short-lived link into the private bucket, and the S3
    server's answer to that link is `data` as an attachment (inline for a re-encoded image)
    named `filename`, of `content_type`, not for shared caches."""
    assert response.status_code == 302
    assert response["Cache-Control"] == "private"
    link = urlsplit(response.url)
    query = parse_qs(link.query)
    assert link.path.startswith(f"/{bucket}/{key_prefix}/")
    assert query["X-Amz-Expires"] == ["300"] and "X-Amz-Signature" in query
    status, headers, body = fetch(response.url)
    assert status == 200 and body == data
    disposition = "inline" if inline else "attachment"
    assert headers["Content-Disposition"] == f'{disposition}; filename="{filename}"'
    assert headers["Content-Type"] == content_type
    assert headers["Cache-Control"] == "private"


def assert_private(s3_client, bucket, key):
    """No grant to everyone on the object: only a signed link reads it."""
    grants = s3_client.get_object_acl(Bucket=bucket, Key=key)["Grants"]
    assert not [grant for grant in grants if grant["Grantee"].get("URI") == ALL_USERS]


def png_upload(name="chart.png", size=(40, 30)):
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture
def private_circle(member, other_member):
    """A private community Mira belongs to and Otto does not."""
    circle = CommunityFactory(name="Basin Board", slug="basin", visibility="private", join_policy="approval")
    MembershipFactory(community=circle, user=member, role="coordinator")
    return circle


# --- The library ---------------------------------------------------------------------------------


def test_library_file_uploaded_through_the_page_lands_in_the_bucket_and_downloads_by_signed_link(
    client, member, other_member, private_circle, bucket, s3_client
):
    client.force_login(member)
    form = {"title": "Borehole logbook", "summary": "Daily readings", "tags": "boreholes", "language": "en",
            "licence": "cc-by-4.0", "upload": pdf("Logbook 2023.pdf")}  # fmt: skip
    response = client.post(reverse("resources:new", kwargs={"community_slug": "basin"}) + "?kind=file", form)
    resource = Resource.objects.get()
    assert response.status_code == 302 and response.url == resource.get_absolute_url()

    key = f"resources/{resource.current_version.file.name}"
    stored = s3_client.get_object(Bucket=bucket, Key=key)
    assert stored["Body"].read() == PDF
    assert stored["ContentDisposition"] == "attachment"  # even a link without its parameters downloads
    assert_private(s3_client, bucket, key)

    download = reverse("resources:download", kwargs={"community_slug": "basin", "resource_id": resource.pk})
    assert_signed_attachment(
        client.get(download),
        bucket=bucket,
        key_prefix="resources",
        filename="Logbook_2023.pdf",
        content_type="application/pdf",
        data=PDF,
    )

    client.force_login(other_member)
    outsider = client.get(download)
    assert outsider.status_code == 404
    assert bucket not in outsider.content.decode() and "X-Amz" not in outsider.content.decode()
    client.logout()
    assert client.get(download).status_code == 404


def test_a_link_carries_its_own_headers_so_it_cannot_be_edited_into_an_inline_page(client, member, private_circle):
    client.force_login(member)
    form = {"title": "Logbook", "summary": "Readings", "tags": "", "language": "en", "licence": "cc-by-4.0",
            "upload": pdf("Logbook.pdf")}  # fmt: skip
    client.post(reverse("resources:new", kwargs={"community_slug": "basin"}) + "?kind=file", form)
    resource = Resource.objects.get()
    link = client.get(reverse("resources:download", kwargs={"community_slug": "basin", "resource_id": resource.pk})).url
    query = parse_qs(urlsplit(link).query)
    # The response headers are signed with the link (its signature covers the whole query).
    assert query["response-content-disposition"] == ['attachment; filename="Logbook.pdf"']
    assert query["response-content-type"] == ["application/pdf"]


# --- Post attachments ----------------------------------------------------------------------------


def test_post_attachment_is_stored_in_the_bucket_and_served_to_readers_by_signed_link(
    client, member, other_member, private_circle, bucket, s3_client
):
    thread = make_thread(community=private_circle, author=member, title="Sand dams", body="Opening post")
    client.force_login(member)
    reply = reverse("discussions:reply", kwargs={"community_slug": "basin", "thread_id": thread.pk})
    notes = b"Dig 2 m deep.\n"
    response = client.post(reply, {"body": "Notes and a chart", "attachment_files": [
        SimpleUploadedFile("notes.txt", notes), png_upload()]})  # fmt: skip
    assert response.status_code == 302
    text = PostAttachment.objects.get(original_name="notes.txt")
    chart = PostAttachment.objects.get(original_name="chart.png")
    assert s3_client.get_object(Bucket=bucket, Key=f"post-attachments/{text.stored_name}")["Body"].read() == notes
    assert_private(s3_client, bucket, f"post-attachments/{text.stored_name}")

    assert_signed_attachment(
        client.get(text.get_absolute_url()),
        bucket=bucket,
        key_prefix="post-attachments",
        filename="notes.txt",
        content_type="text/plain",
        data=notes,
    )
    # A picture we re-encoded shows in the page: inline, as an image, still from the signed link.
    picture = client.get(chart.get_absolute_url())
    stored_png = s3_client.get_object(Bucket=bucket, Key=f"post-attachments/{chart.stored_name}")["Body"].read()
    assert_signed_attachment(
        picture,
        bucket=bucket,
        key_prefix="post-attachments",
        filename="chart.png",
        content_type="image/png",
        data=stored_png,
        inline=True,
    )
    # The page that shows it lets the browser load images from the storage (and only images).
    policy = client.get(thread.get_absolute_url())["Content-Security-Policy"]
    endpoint = "{0.scheme}://{0.netloc}".format(urlsplit(picture.url))
    assert f"img-src 'self' data: {endpoint};" in policy
    assert "script-src 'self';" in policy

    client.force_login(other_member)
    for attachment in (text, chart):
        outsider = client.get(attachment.get_absolute_url())
        assert outsider.status_code == 404 and "X-Amz" not in outsider.content.decode()


# --- Data exports --------------------------------------------------------------------------------


def test_data_export_archive_is_built_from_the_bucket_into_the_bucket_and_only_its_owner_gets_a_link(
    client, member, other_member, private_circle, bucket, s3_client, django_capture_on_commit_callbacks
):
    client.force_login(member)
    form = {"title": "Logbook", "summary": "Readings", "tags": "", "language": "en", "licence": "cc-by-4.0",
            "upload": pdf("Logbook.pdf")}  # fmt: skip
    client.post(reverse("resources:new", kwargs={"community_slug": "basin"}) + "?kind=file", form)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(reverse("members:data_export")).status_code == 302
    export = DataExport.objects.get()
    assert export.state == "ready"
    key = f"data-exports/{export.file_name}"
    archive_bytes = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert_private(s3_client, bucket, key)
    archive = zipfile.ZipFile(io.BytesIO(archive_bytes))
    assert PDF in [archive.read(name) for name in archive.namelist()]  # the library file, read from S3

    download = reverse("members:data_export_download", args=[export.token])
    day = timezone.localdate(export.ready_at)
    assert_signed_attachment(
        client.get(download),
        bucket=bucket,
        key_prefix="data-exports",
        filename=f"{slugify(django_settings.SITE_NAME)}-mira-{day:%Y-%m-%d}.zip",
        content_type="application/zip",
        data=archive_bytes,
    )

    client.force_login(other_member)
    assert client.get(download).status_code == 404


# --- Avatars -------------------------------------------------------------------------------------


def test_avatar_uploaded_on_the_settings_page_is_in_the_bucket_and_shown_by_signed_link(
    client, member, bucket, s3_client
):
    client.force_login(member)
    form = {"display_name": member.display_name, "time_zone": "UTC", "profile_visibility": "members"}
    assert client.post(reverse("members:settings"), {**form, "avatar": png_upload("me.png")}).status_code == 302
    member.refresh_from_db()
    key = f"media/{member.avatar.name}"
    assert key.startswith("media/avatars/")
    stored = s3_client.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert_private(s3_client, bucket, key)

    profile = client.get(member.get_absolute_url())
    page = profile.content.decode()
    src = page.split('class="avatar large" src="')[1].split('"')[0].replace("&amp;", "&")
    assert urlsplit(src).path == f"/{bucket}/{key}" and "X-Amz-Signature" in src
    status, headers, body = fetch(src)
    assert status == 200 and body == stored and headers["Content-Type"] == "image/png"
    endpoint = "{0.scheme}://{0.netloc}".format(urlsplit(src))
    assert f"img-src 'self' data: {endpoint};" in profile["Content-Security-Policy"]
    # The next page shows the same link (the browser's cache works, nothing is signed again).
    assert src.replace("&", "&amp;") in client.get(member.get_absolute_url()).content.decode()


def test_a_replaced_avatar_gets_a_new_link_and_the_old_file_goes(client, member, bucket, s3_client, committed):
    client.force_login(member)
    form = {"display_name": member.display_name, "time_zone": "UTC", "profile_visibility": "members"}
    with committed():
        client.post(reverse("members:settings"), {**form, "avatar": png_upload("me.png")})
    member.refresh_from_db()
    first_key, first_link = f"media/{member.avatar.name}", member.avatar.url
    with committed():
        client.post(reverse("members:settings"), {**form, "avatar": png_upload("me.png", size=(60, 60))})
    member.refresh_from_db()
    assert member.avatar.url != first_link
    keys = [item["Key"] for item in s3_client.list_objects_v2(Bucket=bucket, Prefix="media/")["Contents"]]
    assert keys == [f"media/{member.avatar.name}"] and first_key not in keys


# --- Two web hosts -------------------------------------------------------------------------------


def test_a_file_one_host_writes_is_read_by_another_with_nothing_on_its_disk(settings, bucket, on_s3):
    """Host A saves through its own storage objects; host B (a fresh set built from the same
    settings, as another gunicorn machine would) reads, lists, signs and deletes it."""
    host_a = storages["post_attachments"]
    name = host_a.save("ab/shared.txt", ContentFile(b"written on host A"))

    host_b = StorageHandler()["post_attachments"]  # host B: its own storage objects, nothing shared in memory
    assert host_b is not host_a
    with host_b.open(name, "rb") as shared:
        assert shared.read() == b"written on host A"
    assert host_b.exists(name) and host_b.size(name) == len(b"written on host A")
    host_b.delete(name)
    assert not host_a.exists(name)
    assert [path for path in on_s3.rglob("*") if path.is_file()] == []


def test_the_same_name_twice_gets_two_files_as_on_disk(bucket):
    storage = storages["resources"]
    first = storage.save("12/report.pdf", ContentFile(b"first"))
    second = storage.save("12/report.pdf", ContentFile(b"second"))
    assert first != second
    with storage.open(first, "rb") as kept:
        assert kept.read() == b"first"


def test_test_storages_match_the_ones_settings_builds(bucket):
    """The fixture's STORAGES are those cop_platform/settings.py builds for FILE_STORAGE=s3, with
    signed links as the delivery (read in a fresh interpreter: settings are read once)."""
    environment = {**os.environ, "FILE_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": bucket}
    environment.pop("RESOURCE_FILE_DELIVERY", None)
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps([settings.STORAGES, settings.RESOURCE_FILE_DELIVERY, settings.AWS_QUERYSTRING_AUTH, "
        "settings.AWS_DEFAULT_ACL, settings.AWS_QUERYSTRING_EXPIRE]))"
    )
    output = subprocess.run(  # noqa: S603 - this interpreter, our own script
        [sys.executable, "-c", script],
        env={**environment, "DJANGO_SETTINGS_MODULE": "cop_platform.settings"},
        cwd=django_settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    built, delivery, signed, acl, expire = json.loads(output.strip().splitlines()[-1])
    for alias, expected in s3_storages(bucket).items():
        options = {key: value for key, value in built[alias]["OPTIONS"].items() if key != "querystring_expire"}
        assert (built[alias]["BACKEND"], options) == (expected["BACKEND"], expected["OPTIONS"])
    assert built["default"]["OPTIONS"]["querystring_expire"] == 24 * 3600  # avatars stay shown in an open page
    assert (delivery, signed, acl, expire) == ("storage-url", True, None, 300)
