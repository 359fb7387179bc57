"""Downloads: what the browser receives (an attachment it will not sniff or run), how each
delivery mode hands the bytes over, and that a private library's files are a 404 to everyone
outside it, by every address that could reach them."""

import logging

import pytest
from django.urls import reverse

from resources.models import Resource, ResourceVersion
from resources.services import version_add
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory
from tests.resources.factories import PDF, make_file_resource, make_link, make_practice, pdf, png

pytestmark = pytest.mark.django_db

V2 = PDF + b"% second edition\n"


def url(name, resource, **kwargs):
    return reverse(
        f"resources:{name}", kwargs={"community_slug": resource.community.slug, "resource_id": resource.pk, **kwargs}
    )


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


@pytest.fixture
def report(community, active_membership, member):
    return make_file_resource(
        community=community, author=member, title="Borehole logbook", upload=pdf("Logbook 2023.pdf")
    )


def assert_safe_attachment(response, *, filename: str, content_type: str):
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private"


# --- What the browser receives -------------------------------------------------------------------


def test_download_is_a_safe_attachment_with_the_original_name(client, report):
    response = client.get(url("download", report))

    assert response.status_code == 200
    assert_safe_attachment(response, filename="Logbook_2023.pdf", content_type="application/pdf")
    assert body(response) == PDF


def test_image_downloads_as_an_attachment_too(client, community, active_membership, member):
    image = make_file_resource(community=community, author=member, upload=png("chart.png"))
    response = client.get(url("download", image))
    assert_safe_attachment(response, filename="chart.png", content_type="image/png")


def test_downloads_are_counted_per_resource_and_per_version(client, report):
    client.get(url("download", report))
    client.get(url("download_version", report, version_number=1))
    report.refresh_from_db()
    assert report.download_count == 2
    assert report.current_version.download_count == 2


def test_new_version_keeps_the_old_one_downloadable(client, signed_in_member, report, member):
    signed_in_member.post(url("version_new", report), {"upload": pdf("Logbook 2024.pdf", V2), "note": "2024 added"})

    current = client.get(url("download", report))
    first = client.get(url("download_version", report, version_number=1))
    second = client.get(url("download_version", report, version_number=2))

    assert body(current) == V2 and body(second) == V2
    assert body(first) == PDF
    assert first["Content-Disposition"] == 'attachment; filename="Logbook_2023.pdf"'
    assert second["Content-Disposition"] == 'attachment; filename="Logbook_2024.pdf"'
    page = client.get(report.get_absolute_url()).content.decode()
    assert url("download_version", report, version_number=1) in page
    assert url("download_version", report, version_number=2) in page


@pytest.fixture
def signed_in_member(client, member):
    client.force_login(member)
    return client


def test_unknown_version_is_404(client, report):
    assert client.get(url("download_version", report, version_number=7)).status_code == 404


def test_links_and_practices_have_nothing_to_download(client, community, active_membership, member):
    link = make_link(community=community, author=member)
    practice = make_practice(community=community, author=member)
    for resource in (link, practice):
        assert client.get(url("download", resource)).status_code == 404
        assert client.get(url("download_version", resource, version_number=1)).status_code == 404


def test_missing_file_is_a_404_with_a_log_line_not_an_error(client, report, caplog):
    version = report.current_version
    version.file.storage.delete(version.file.name)

    with caplog.at_level(logging.WARNING, logger="resources.views.downloads"):
        response = client.get(url("download", report))

    assert response.status_code == 404
    assert any(version.file.name in record.getMessage() for record in caplog.records)
    report.refresh_from_db()
    assert report.download_count == 0


def test_downloads_answer_only_get_and_head(client, report):
    assert client.head(url("download", report)).status_code == 200
    assert client.post(url("download", report)).status_code == 405
    report.refresh_from_db()
    assert report.download_count == 0  # a HEAD request is not a download


# --- Delivery modes ------------------------------------------------------------------------------


def test_x_accel_mode_hands_the_file_to_nginx_without_a_body(client, settings, report):
    settings.RESOURCE_FILE_DELIVERY = "x-accel"
    settings.RESOURCE_X_ACCEL_PREFIX = "/protected-resource-files/"

    response = client.get(url("download", report))

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-resource-files/{report.current_version.file.name}"
    assert body(response) == b""
    assert_safe_attachment(response, filename="Logbook_2023.pdf", content_type="application/pdf")
    report.refresh_from_db()
    assert report.download_count == 1


def test_x_accel_mode_serves_the_numbered_version(client, settings, report, member):
    old_name = report.current_version.file.name
    version_add(actor=member, resource=report, upload=pdf("v2.pdf", V2))
    settings.RESOURCE_FILE_DELIVERY = "x-accel"
    response = client.get(url("download_version", report, version_number=1))
    assert response["X-Accel-Redirect"].endswith(old_name)


def test_storage_url_mode_redirects_to_the_storage(client, settings, report):
    settings.RESOURCE_FILE_DELIVERY = "storage-url"
    response = client.get(url("download", report))
    assert response.status_code == 302
    assert response.url == report.current_version.file.url
    assert response["Cache-Control"] == "private"


# --- Private libraries: a 404 by every address -----------------------------------------------------


def every_url(resource):
    """(method, address) for every page and action that touches one file resource."""
    return [
        ("get", resource.get_absolute_url()),
        ("get", url("download", resource)),
        ("get", url("download_version", resource, version_number=1)),
        ("get", url("version_new", resource)),
        ("post", url("version_new", resource)),
        ("post", url("version_delete", resource, version_number=1)),
        ("get", url("edit", resource)),
        ("post", url("edit", resource)),
        ("get", url("delete", resource)),
        ("post", url("delete", resource)),
        ("post", url("curate", resource)),
        ("get", url("curate", resource)),
    ]


@pytest.fixture(params=["private", "hidden"])
def private_file(request, db):
    community = CommunityFactory(visibility=request.param, join_policy="approval")
    insider = MembershipFactory(community=community).user
    resource = make_file_resource(community=community, author=insider, title="Board minutes")
    return resource, insider


@pytest.mark.parametrize("viewer", ["anonymous", "non-member", "pending", "banned", "invited", "member elsewhere"])
def test_private_files_are_404_to_outsiders_by_every_url(client, private_file, viewer):
    resource, _insider = private_file
    if viewer != "anonymous":
        outsider = UserFactory()
        if viewer in ("pending", "banned", "invited"):
            MembershipFactory(community=resource.community, user=outsider, state=viewer)
        if viewer == "member elsewhere":
            MembershipFactory(community=CommunityFactory(), user=outsider, role="coordinator")
        client.force_login(outsider)

    for method, address in every_url(resource):
        response = getattr(client, method)(address, {"action": "feature"} if method == "post" else None)
        assert response.status_code == 404, (viewer, method, address)

    resource.refresh_from_db()
    assert (resource.download_count, resource.view_count, resource.is_featured) == (0, 0, False)
    assert Resource.objects.filter(pk=resource.pk).exists() and ResourceVersion.objects.count() == 1


def test_private_files_are_downloadable_by_members_and_staff(client, private_file, staff):
    resource, insider = private_file
    client.force_login(insider)
    assert body(client.get(url("download", resource))) == PDF
    client.force_login(staff)
    assert client.get(url("download_version", resource, version_number=1)).status_code == 200


def test_public_files_are_downloadable_by_visitors(client, report):
    assert client.get(url("download", report)).status_code == 200


def test_resource_of_another_community_is_404_by_its_address_here(client, report):
    elsewhere = CommunityFactory()
    address = reverse("resources:download", kwargs={"community_slug": elsewhere.slug, "resource_id": report.pk})
    assert client.get(address).status_code == 404
