"""What members and visitors see on the library pages, and what each form and button does.

Each behaviour sits beside its outsider case: a visitor or non-member gets a 404 for a private
community's library, a 403 page that says why for a forbidden action on something they can
see. Hostile uploads come back refused beside the file field, with everything else kept.
"""

import re
from datetime import timedelta

import pytest
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from communities.models import AuditEntry
from resources.models import Resource
from resources.services import resource_record_download, resource_set_archived, version_add
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.html_safety import assert_inert
from tests.members.factories import UserFactory
from tests.resources.factories import PDF, make_file_resource, make_link, make_practice, pdf

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 64


def url(name, community, resource=None, **kwargs):
    if resource is not None:
        kwargs["resource_id"] = resource.pk
    return reverse(f"resources:{name}", kwargs={"community_slug": community.slug, **kwargs})


def text(response) -> str:
    return response.content.decode()


def field_block(page: str, name: str) -> str:
    """The markup from a field's input to the next field: its help text and its errors."""
    start = page.index(f'id="id_{name}"')
    ends = [page.find(marker, start) for marker in ('<div class="field', "</form>")]
    return page[start : min(end for end in ends if end != -1)]


def stored_files(root):
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def row_of(page: str, title: str) -> str:
    """The library row (<li>) that holds `title`."""
    for row in rows(page):
        if title in row:
            return row
    raise AssertionError(f"{title!r} is not listed")


def rows(page: str) -> list[str]:
    """The library's rows (each <li> closes at the start of a line; its tags' do not)."""
    return re.findall(r'<li class="resource-row.*?\n</li>', page, re.S)


def titles_in_order(page: str) -> list[str]:
    return re.findall(r'<h3 class="resource-title"><a href="[^"]+">([^<]+)</a>', page)


@pytest.fixture
def signed_in(client):
    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def library_dir(_library_files_in_tmp):
    return _library_files_in_tmp


def description(**overrides):
    return {"title": "Borehole logbook", "summary": "Daily readings, 2019-2023", "tags": "boreholes, monitoring",
            "language": "en", "licence": "cc-by-4.0", **overrides}  # fmt: skip


# --- The library storage follows the settings ----------------------------------------------------


def test_test_uploads_land_in_the_temporary_library_folder(community, active_membership, member, library_dir):
    resource = make_file_resource(community=community, author=member)
    assert storages["resources"].location == str(library_dir)
    assert stored_files(library_dir) == [library_dir / resource.current_version.file.name]


# --- Adding each kind through the form -----------------------------------------------------------


def test_add_page_without_a_kind_offers_file_link_and_practice(signed_in, community, active_membership, member):
    page = text(signed_in(member).get(url("new", community)))
    assert "?kind=file" in page and "?kind=link" in page and "?kind=practice" in page


def test_member_uploads_a_file_through_the_form(signed_in, community, active_membership, member, library_dir):
    client = signed_in(member)
    form_page = text(client.get(url("new", community) + "?kind=file"))
    assert 'enctype="multipart/form-data"' in form_page
    assert "25.0\xa0MB" in field_block(form_page, "upload") and ".pdf" in field_block(form_page, "upload")

    response = client.post(url("new", community) + "?kind=file", {**description(), "upload": pdf("log book.pdf")})

    resource = Resource.objects.get()
    assert response.status_code == 302 and response.url == resource.get_absolute_url()
    assert (resource.kind, resource.title, resource.author) == ("file", "Borehole logbook", member)
    assert sorted(resource.tags.names()) == ["boreholes", "monitoring"]
    assert resource.current_version.original_name == "log_book.pdf"
    assert len(stored_files(library_dir)) == 1


def test_member_shares_a_link_through_the_form(signed_in, community, active_membership, member):
    response = signed_in(member).post(
        url("new", community) + "?kind=link", {**description(title="WHO guidelines"), "url": "https://www.who.int/x"}
    )
    link = Resource.objects.get()
    assert response.status_code == 302
    assert (link.kind, link.url) == ("link", "https://www.who.int/x")


def test_member_documents_a_practice_with_the_section_template(signed_in, community, active_membership, member):
    client = signed_in(member)
    page = text(client.get(url("new", community) + "?kind=practice"))
    assert "## Context\n\n## What worked\n\n## Lessons\n\n## Sources\n" in page
    assert f'<option value="{member.pk}" selected>' in page  # the author owns it unless they say otherwise
    review_by = (timezone.localdate() + timedelta(days=90)).isoformat()

    response = client.post(
        url("new", community) + "?kind=practice",
        {**description(title="Sand dam siting"), "body": "## Context\n\nDry rivers.", "owner": member.pk,
         "review_by": review_by},
    )  # fmt: skip

    practice = Resource.objects.get()
    assert response.status_code == 302
    assert practice.kind == "practice" and practice.owner == member and practice.review_by.isoformat() == review_by
    assert "<h2>Context</h2>" in practice.body_html


def test_practice_preview_shows_the_rendered_text_and_saves_nothing(signed_in, community, active_membership, member):
    response = signed_in(member).post(
        url("new", community) + "?kind=practice",
        {**description(title="Sand dam siting"), "body": "## Context\n\n**dry**", "preview": "1"},
    )
    page = text(response)
    assert "<strong>dry</strong>" in page and 'value="Sand dam siting"' in page
    assert not Resource.objects.exists()


def test_link_with_a_script_address_is_refused_next_to_the_field(signed_in, community, active_membership, member):
    response = signed_in(member).post(
        url("new", community) + "?kind=link", {**description(title="Sneaky"), "url": "javascript:alert(1)"}
    )
    page = text(response)
    assert response.status_code == 400
    assert "errorlist" in field_block(page, "url") and 'value="Sneaky"' in page
    assert not Resource.objects.exists()


def test_empty_practice_is_refused_and_keeps_the_title(signed_in, community, active_membership, member):
    response = signed_in(member).post(
        url("new", community) + "?kind=practice", {**description(title="Half done"), "body": "   "}
    )
    assert response.status_code == 400
    assert "Write the practice before saving it." in field_block(text(response), "body")
    assert 'value="Half done"' in text(response)


# --- Hostile uploads -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "why"),
    [
        ("report.pdf", HTML, "does not match its name"),  # HTML renamed .pdf
        ("drawing.svg", SVG, "are not accepted"),
        ("drawing.png", SVG, "does not match its name"),  # SVG renamed .png
        ("setup.exe", EXE, "are not accepted"),
        ("tool.pdf", EXE, "does not match its name"),
    ],
)
def test_hostile_upload_is_refused_beside_the_field_and_the_rest_is_kept(
    signed_in, community, active_membership, member, library_dir, name, content, why
):
    response = signed_in(member).post(
        url("new", community) + "?kind=file",
        {
            **description(title="Quarterly report", summary="Figures for Q3"),
            "upload": SimpleUploadedFile(name, content),
        },
    )

    page = text(response)
    assert response.status_code == 400
    upload_field = field_block(page, "upload")
    assert why in upload_field and "Choose the file again" in upload_field
    assert 'value="Quarterly report"' in page and "Figures for Q3</textarea>" in page
    assert 'value="boreholes, monitoring"' in page
    assert not Resource.objects.exists() and stored_files(library_dir) == []


def test_oversized_upload_is_refused_with_the_limit(
    settings, signed_in, community, active_membership, member, library_dir
):
    settings.RESOURCE_MAX_UPLOAD_BYTES = 100
    response = signed_in(member).post(
        url("new", community) + "?kind=file", {**description(), "upload": pdf(content=PDF + b" " * 500)}
    )
    assert response.status_code == 400
    assert "the limit is 100" in field_block(text(response), "upload")
    assert "Up to 100" in field_block(text(response), "upload")
    assert not Resource.objects.exists() and stored_files(library_dir) == []


def test_a_failed_save_after_a_good_file_leaves_nothing_behind(
    signed_in, community, active_membership, member, library_dir
):
    response = signed_in(member).post(url("new", community) + "?kind=file", {**description(title=""), "upload": pdf()})
    assert response.status_code == 400
    assert "Choose the file again" in field_block(text(response), "upload")
    assert stored_files(library_dir) == []


def multipart(fields: dict, *, filename: str, content: bytes) -> tuple[bytes, str]:
    """A multipart body with a raw file name (the test client would strip the path itself)."""
    boundary = "cop-library-boundary"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields.items()
    ]
    head = f'--{boundary}\r\nContent-Disposition: form-data; name="upload"; filename="{filename}"\r\n'
    parts.append(f"{head}Content-Type: application/octet-stream\r\n\r\n".encode() + content + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


@pytest.mark.parametrize(
    ("raw_name", "shown"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\windows\\win.pdf", "win.pdf"),
        ("/var/www/.hidden.pdf", "hidden.pdf"),
    ],
)
def test_path_tricks_in_the_file_name_are_stripped_and_stored_under_a_random_name(
    client, community, active_membership, member, library_dir, raw_name, shown
):
    client.force_login(member)
    body, content_type = multipart(description(), filename=raw_name, content=PDF)

    response = client.post(url("new", community) + "?kind=file", body, content_type=content_type)

    assert response.status_code == 302
    version = Resource.objects.get().current_version
    assert version.original_name == shown
    assert "passwd" not in version.file.name and "win" not in version.file.name and ".." not in version.file.name
    [stored] = stored_files(library_dir)
    assert stored.resolve().is_relative_to(library_dir.resolve())


def test_executable_behind_a_path_trick_is_refused(client, community, active_membership, member, library_dir):
    client.force_login(member)
    body, content_type = multipart(description(), filename="..\\evil.exe", content=EXE)

    response = client.post(url("new", community) + "?kind=file", body, content_type=content_type)

    assert response.status_code == 400
    assert "are not accepted" in field_block(text(response), "upload")
    assert stored_files(library_dir) == []


# --- Who may add -------------------------------------------------------------------------------


def test_visitor_is_sent_to_sign_in_before_adding(client, community):
    response = client.get(url("new", community) + "?kind=link")
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_non_member_sees_why_and_a_join_link(signed_in, community, other_member):
    response = signed_in(other_member).get(url("new", community) + "?kind=link")
    page = text(response)
    assert response.status_code == 403
    assert "Join this community to add to its library." in page
    assert f'href="{community.get_absolute_url()}"' in page


def test_pending_member_cannot_add_and_sees_why(signed_in, community, other_member):
    MembershipFactory(community=community, user=other_member, state="pending")
    response = signed_in(other_member).post(
        url("new", community) + "?kind=link", {**description(), "url": "https://a.org"}
    )
    assert response.status_code == 403
    assert "waiting for a coordinator" in text(response)
    assert not Resource.objects.exists()


# --- The library list ----------------------------------------------------------------------------


@pytest.fixture
def shelf(community, active_membership, member):
    """One of each kind, in different languages and tags."""
    report = make_file_resource(
        community=community, author=member, title="Borehole logbook", upload=pdf("kisumu-readings.pdf"),
        tags=["boreholes"], language="en",
    )  # fmt: skip
    link = make_link(
        community=community, author=member, title="Guía de saneamiento", tags=["sanitation"], language="es"
    )
    practice = make_practice(community=community, author=member, title="Sand dam siting", tags=["boreholes", "dams"])
    return report, link, practice


def test_library_lists_each_resource_with_its_facts(client, community, shelf, member):
    report, link, practice = shelf
    resource_record_download(resource=report, version=report.current_version)

    page = text(client.get(url("library", community)))

    row = row_of(page, "Borehole logbook")
    assert report.get_absolute_url() in row and "File" in row and "boreholes" in row
    assert "English" in row and member.name in row and "PDF" in row
    assert '<span class="download-count">1</span>' in row
    assert "download" not in row_of(page, "Guía de saneamiento")  # links have no download count
    assert "Spanish" in row_of(page, "Guía de saneamiento")
    assert "Documented practice" in row_of(page, "Sand dam siting")


def test_add_button_only_for_members(client, signed_in, community, shelf, member, other_member):
    assert "Add a resource" not in text(client.get(url("library", community)))
    assert "Add a resource" not in text(signed_in(other_member).get(url("library", community)))
    assert "Add a resource" in text(signed_in(member).get(url("library", community)))


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("kind=file", ["Borehole logbook"]),
        ("kind=practice", ["Sand dam siting"]),
        ("tag=boreholes", ["Sand dam siting", "Borehole logbook"]),
        ("tag=sanitation", ["Guía de saneamiento"]),
        ("language=es", ["Guía de saneamiento"]),
        ("kind=file&tag=dams", []),
        ("q=logbook", ["Borehole logbook"]),
        ("q=kisumu-readings", ["Borehole logbook"]),  # the original file name
        ("q=saneamiento", ["Guía de saneamiento"]),
    ],
)
def test_library_filters_and_search(client, community, shelf, query, expected):
    page = text(client.get(url("library", community) + "?" + query))
    assert titles_in_order(page) == expected
    if not expected:
        assert "Nothing matches" in page


def test_library_sorts_by_downloads(client, community, shelf):
    report, link, practice = shelf
    for _ in range(3):
        resource_record_download(resource=report, version=report.current_version)
    page = text(client.get(url("library", community) + "?sort=downloads"))
    assert titles_in_order(page)[0] == "Borehole logbook"
    assert titles_in_order(text(client.get(url("library", community))))[0] == "Sand dam siting"  # newest


def test_library_sorts_by_recent_update(signed_in, community, shelf, member):
    report, link, practice = shelf
    version_add(actor=member, resource=report, upload=pdf("v2.pdf"))
    page = text(signed_in(member).get(url("library", community) + "?sort=updated"))
    assert titles_in_order(page)[0] == "Borehole logbook"


def test_featured_resources_come_first(signed_in, community, shelf, coordinator):
    report, link, practice = shelf
    signed_in(coordinator).post(url("curate", community, report), {"action": "feature"})
    page = text(signed_in(coordinator).get(url("library", community)))
    assert titles_in_order(page)[0] == "Borehole logbook"
    assert "Featured" in row_of(page, "Borehole logbook")


def test_archived_resources_are_hidden_unless_asked_for(client, community, shelf, coordinator):
    report, link, practice = shelf
    resource_set_archived(actor=coordinator, resource=link, archived=True)

    assert "Guía de saneamiento" not in titles_in_order(text(client.get(url("library", community))))
    page = text(client.get(url("library", community) + "?archived=1"))
    assert "Guía de saneamiento" in titles_in_order(page)
    assert "Archived" in row_of(page, "Guía de saneamiento")


def test_library_paginates_and_pages_keep_the_filters(client, settings, community, active_membership, member):
    settings.PAGE_SIZE = 2
    for number in range(5):
        make_link(community=community, author=member, title=f"Link {number}", tags=["water"])
    page = text(client.get(url("library", community) + "?tag=water&sort=newest"))
    assert "Page 1 of 3" in page and 'href="?tag=water&amp;sort=newest&amp;page=2"' in page


def test_library_filter_change_with_htmx_swaps_only_the_results(client, community, shelf):
    response = client.get(url("library", community) + "?kind=link", headers={"HX-Request": "true"})
    page = text(response)
    assert page.lstrip().startswith('<div id="library-results">') and "<h1>" not in page
    assert titles_in_order(page) == ["Guía de saneamiento"]
    assert "HX-Request" in response["Vary"]


@pytest.mark.parametrize("count", [10, 60])
def test_library_query_count_has_a_fixed_ceiling(
    count, signed_in, community, active_membership, member, django_assert_max_num_queries
):
    for number in range(count):
        if number % 5 == 0:
            make_file_resource(community=community, author=member, title=f"File {number}", tags=[f"t{number % 3}"])
        else:
            make_link(community=community, author=member, title=f"Link {number}", tags=[f"t{number % 3}", "all"])
    client = signed_in(member)

    # Session, user, community, membership, the filter's tags and languages, count, page, the
    # rows' tags, the unread-notifications badge: ten, whatever the size (one spare).
    with django_assert_max_num_queries(11):
        response = client.get(url("library", community) + "?tag=all&sort=downloads")

    assert response.status_code == 200


# --- A resource's page ---------------------------------------------------------------------------


def test_file_page_shows_versions_with_a_download_link_each(signed_in, community, active_membership, member):
    resource = make_file_resource(community=community, author=member, upload=pdf("first.pdf"))
    version_add(actor=member, resource=resource, upload=pdf("second.pdf"), note="Added 2024")

    page = text(signed_in(member).get(resource.get_absolute_url()))

    assert "first.pdf" in page and "second.pdf" in page and "Added 2024" in page
    for number in (1, 2):
        assert url("download_version", community, resource, version_number=number) in page
        assert url("version_delete", community, resource, version_number=number) in page
    assert url("download", community, resource) in page
    assert url("version_new", community, resource) in page and "Upload a new version" in page


def test_single_version_offers_no_version_delete(signed_in, community, active_membership, member):
    resource = make_file_resource(community=community, author=member)
    page = text(signed_in(member).get(resource.get_absolute_url()))
    assert url("version_delete", community, resource, version_number=1) not in page


def test_link_page_shows_the_domain_and_a_nofollow_link(client, community, active_membership, member):
    link = make_link(community=community, author=member, url="https://www.who.int/publications/i/item/123")
    page = text(client.get(link.get_absolute_url()))
    assert 'href="https://www.who.int/publications/i/item/123" rel="nofollow ugc noopener"' in page
    assert "Open on www.who.int" in page
    assert url("download", community, link) not in page


def test_practice_page_shows_owner_review_date_and_overdue_badge(client, community, active_membership, member):
    practice = make_practice(
        community=community, author=member, body="## Context\n\n**dry**", review_by=timezone.localdate() - timedelta(1)
    )
    page = text(client.get(practice.get_absolute_url()))
    assert "<strong>dry</strong>" in page and "Overdue for review" in page and "Owner" in page


def test_practice_reviewed_in_future_is_not_overdue(client, community, active_membership, member):
    practice = make_practice(community=community, author=member, review_by=timezone.localdate() + timedelta(30))
    assert "Overdue for review" not in text(client.get(practice.get_absolute_url()))


def test_views_are_counted_but_not_the_authors_own(client, signed_in, community, active_membership, member):
    link = make_link(community=community, author=member)
    client.get(link.get_absolute_url())
    signed_in(member).get(link.get_absolute_url())
    link.refresh_from_db()
    assert link.view_count == 1


def test_buttons_match_the_viewers_rights(signed_in, community, active_membership, member, coordinator, other_member):
    MembershipFactory(community=community, user=other_member)
    link = make_link(community=community, author=member)
    edit_url, curate_url = url("edit", community, link), url("curate", community, link)

    author_page = text(signed_in(member).get(link.get_absolute_url()))
    assert edit_url in author_page and curate_url not in author_page
    other_page = text(signed_in(other_member).get(link.get_absolute_url()))
    assert edit_url not in other_page and curate_url not in other_page
    coordinator_page = text(signed_in(coordinator).get(link.get_absolute_url()))
    assert edit_url in coordinator_page and curate_url in coordinator_page
    assert 'value="feature"' in coordinator_page and 'value="archive"' in coordinator_page


def test_unknown_resource_and_resource_of_another_community_are_404(client, community, active_membership, member):
    elsewhere = CommunityFactory()
    link = make_link(community=community, author=member)
    assert client.get(url("detail", community, resource_id=link.pk + 1000)).status_code == 404
    assert client.get(url("detail", elsewhere, link)).status_code == 404


# --- Editing, deleting, curating -----------------------------------------------------------------


def test_author_edits_the_description(signed_in, community, active_membership, member):
    link = make_link(community=community, author=member)
    client = signed_in(member)
    form_page = text(client.get(url("edit", community, link)))
    assert 'value="WHO guidelines"' in form_page and 'value="https://www.who.int/"' in form_page

    response = client.post(
        url("edit", community, link), {**description(title="WHO water guidelines"), "url": "https://www.who.int/w"}
    )

    link.refresh_from_db()
    assert response.status_code == 302
    assert (link.title, link.url) == ("WHO water guidelines", "https://www.who.int/w")
    assert sorted(link.tags.names()) == ["boreholes", "monitoring"]


def test_refused_edit_keeps_what_was_typed_and_changes_nothing(signed_in, community, active_membership, member):
    practice = make_practice(community=community, author=member)
    response = signed_in(member).post(url("edit", community, practice), {**description(title=""), "body": "New text"})
    assert response.status_code == 400
    assert "New text</textarea>" in text(response) and "<h1>Edit “Sand dam siting”</h1>" in text(response)
    practice.refresh_from_db()
    assert practice.body == "## Context\n\nDry riverbeds."


def test_other_member_cannot_edit_and_sees_why(signed_in, community, active_membership, member, other_member):
    MembershipFactory(community=community, user=other_member)
    link = make_link(community=community, author=member)
    response = signed_in(other_member).post(url("edit", community, link), {**description(), "url": "https://x.org"})
    assert response.status_code == 403
    assert "Only the author and the coordinators can edit this." in text(response)
    link.refresh_from_db()
    assert link.url == "https://www.who.int/"


def test_delete_asks_first_then_removes_the_resource_and_its_files(
    signed_in, community, active_membership, member, library_dir, django_capture_on_commit_callbacks
):
    resource = make_file_resource(community=community, author=member)
    client = signed_in(member)
    assert "Delete “Borehole logbook”?" in text(client.get(url("delete", community, resource)))

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url("delete", community, resource), follow=True)

    assert response.redirect_chain[-1][0] == url("library", community)
    assert "is deleted from the library" in text(response)
    assert not Resource.objects.exists() and stored_files(library_dir) == []


def test_other_member_cannot_delete(signed_in, community, active_membership, member, other_member):
    MembershipFactory(community=community, user=other_member)
    link = make_link(community=community, author=member)
    assert signed_in(other_member).post(url("delete", community, link)).status_code == 403
    assert Resource.objects.filter(pk=link.pk).exists()


def test_coordinator_features_archives_and_brings_back(signed_in, community, active_membership, member, coordinator):
    link = make_link(community=community, author=member)
    client = signed_in(coordinator)
    for action in ("feature", "archive"):
        assert client.post(url("curate", community, link), {"action": action}).status_code == 302
    link.refresh_from_db()
    assert link.is_featured and link.is_archived
    assert "This resource is archived" in text(client.get(link.get_absolute_url()))
    client.post(url("curate", community, link), {"action": "unarchive"})
    client.post(url("curate", community, link), {"action": "unfeature"})
    link.refresh_from_db()
    assert not link.is_featured and not link.is_archived
    assert AuditEntry.objects.filter(community=community, action="resource_featured", actor=coordinator).exists()


def test_member_cannot_curate_and_unknown_actions_are_refused(signed_in, community, active_membership, member):
    link = make_link(community=community, author=member)
    client = signed_in(member)
    assert client.post(url("curate", community, link), {"action": "feature"}).status_code == 403
    assert client.post(url("curate", community, link), {"action": "explode"}).status_code == 400
    assert client.get(url("curate", community, link)).status_code == 405
    link.refresh_from_db()
    assert not link.is_featured


# --- Versions ------------------------------------------------------------------------------------


def test_author_uploads_a_new_version_with_a_note(signed_in, community, active_membership, member):
    resource = make_file_resource(community=community, author=member)
    response = signed_in(member).post(
        url("version_new", community, resource), {"upload": pdf("v2.pdf", PDF + b"%v2\n"), "note": "Fixed totals"}
    )
    resource.refresh_from_db()
    assert response.status_code == 302
    assert (resource.current_version.number, resource.current_version.note) == (2, "Fixed totals")
    assert resource.versions.count() == 2


def test_hostile_new_version_is_refused_and_the_note_kept(signed_in, community, active_membership, member, library_dir):
    resource = make_file_resource(community=community, author=member)
    response = signed_in(member).post(
        url("version_new", community, resource), {"upload": SimpleUploadedFile("v2.pdf", HTML), "note": "Fixed totals"}
    )
    assert response.status_code == 400
    assert "does not match its name" in field_block(text(response), "upload")
    assert 'value="Fixed totals"' in text(response)
    assert resource.versions.count() == 1 and len(stored_files(library_dir)) == 1


def test_other_member_cannot_upload_a_version(signed_in, community, active_membership, member, other_member):
    MembershipFactory(community=community, user=other_member)
    resource = make_file_resource(community=community, author=member)
    response = signed_in(other_member).post(url("version_new", community, resource), {"upload": pdf()})
    assert response.status_code == 403 and resource.versions.count() == 1


def test_links_and_practices_have_no_versions(signed_in, community, active_membership, member):
    link = make_link(community=community, author=member)
    assert signed_in(member).get(url("version_new", community, link)).status_code == 404


def test_editor_deletes_an_old_version_but_not_the_last(
    signed_in, community, active_membership, member, library_dir, django_capture_on_commit_callbacks
):
    resource = make_file_resource(community=community, author=member)
    version_add(actor=member, resource=resource, upload=pdf("v2.pdf"))
    client = signed_in(member)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("version_delete", community, resource, version_number=2))
    resource.refresh_from_db()
    assert resource.current_version.number == 1 and len(stored_files(library_dir)) == 1

    response = client.post(url("version_delete", community, resource, version_number=1), follow=True)
    assert "This is the only version. Delete the resource instead." in text(response)
    assert resource.versions.count() == 1


# --- "Document this" from a thread ----------------------------------------------------------------


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(
        community=community, author=member, title="Sand dams [in] dry rivers", tags=["sand dams", "water"]
    )


def document_url(community, thread):
    return url("new", community) + f"?kind=practice&origin=thread:{thread.pk}"


def test_document_this_prefills_title_tags_and_a_link_back(signed_in, community, member, thread):
    page = text(signed_in(member).get(document_url(community, thread)))
    assert 'value="Practice: Sand dams [in] dry rivers"' in page
    assert 'value="&quot;sand dams&quot;, water"' in page
    assert 'Documenting: <a href="' + thread.get_absolute_url() + '">Sand dams [in] dry rivers</a>' in page
    assert "## Sources\n\n- Discussion: [Sand dams \\[in\\] dry rivers](http://testserver" in page
    assert f"origin=thread%3A{thread.pk}" in page  # the form posts back with its origin


def test_documented_practice_remembers_the_thread(signed_in, community, member, thread):
    client = signed_in(member)
    response = client.post(
        document_url(community, thread),
        {**description(title="Practice: sand dams"), "body": "## Context\n\nRivers.", "owner": member.pk},
    )
    practice = Resource.objects.get()
    assert response.status_code == 302
    assert practice.kind == "practice" and practice.origin_url == thread.get_absolute_url()
    assert practice.origin_title == "Sand dams [in] dry rivers"
    page = text(client.get(practice.get_absolute_url()))
    assert (
        f'Documented from the discussion: <a href="{thread.get_absolute_url()}">Sand dams [in] dry rivers</a>' in page
    )
    assert "From a discussion" in row_of(text(client.get(url("library", community))), "Practice: sand dams")


def test_outsider_cannot_document_a_private_thread(signed_in, member, other_member):
    private = CommunityFactory(visibility="private", join_policy="approval")
    insider = MembershipFactory(community=private).user
    secret = make_thread(community=private, author=insider, title="Budget talks")
    public = CommunityFactory()
    MembershipFactory(community=public, user=other_member)

    client = signed_in(other_member)
    assert client.get(document_url(private, secret)).status_code == 404
    assert client.get(document_url(public, secret)).status_code == 404  # through a community they belong to
    response = client.post(document_url(public, secret), {**description(), "body": "x"})
    assert response.status_code == 404 and not Resource.objects.exists()


def test_a_thread_of_another_community_cannot_be_documented_here(signed_in, community, member, thread):
    elsewhere = CommunityFactory()
    MembershipFactory(community=elsewhere, user=member)
    assert signed_in(member).get(document_url(elsewhere, thread)).status_code == 404


@pytest.mark.parametrize("origin", ["thread:abc", "thread:", "nothing:1", "thread:99999999", "thread:１"])
def test_malformed_origins_are_404(signed_in, community, active_membership, member, origin):
    assert signed_in(member).get(url("new", community) + f"?origin={origin}").status_code == 404


# --- Hostile text stays text ----------------------------------------------------------------------


def test_hostile_titles_summaries_and_file_names_are_escaped(client, community, active_membership, member):
    script = "<script>alert(1)</script>"
    image = '<img src=x onerror="alert(1)">'
    resource = make_file_resource(
        community=community, author=member, title=f"{script} report", summary=f"{image} summary", tags=[script],
        upload=pdf("<svg onload=alert(1)>.pdf"),
    )  # fmt: skip
    practice = make_practice(community=community, author=member, title=f"{image} practice", body=f"{script} body")
    author = UserFactory(display_name=image)
    MembershipFactory(community=community, user=author)
    link = make_link(community=community, author=author, title="Link", url="https://example.org/?q=<script>")

    library_page = text(client.get(url("library", community)))
    assert len(rows(library_page)) == 3
    for row in rows(library_page):
        assert_inert(row)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; report" in library_page

    for item in (resource, practice, link):
        page = text(client.get(item.get_absolute_url()))
        main = page[page.index('<header class="resource-header">') : page.index("</aside>")]
        assert_inert(re.sub(r"<form .*?</form>", "", main, flags=re.S))
    file_page = text(client.get(resource.get_absolute_url()))
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt; summary" in file_page


def test_practice_owner_is_handed_on_through_the_edit_form(
    signed_in, community, active_membership, member, coordinator
):
    practice = make_practice(community=community, author=member)
    client = signed_in(member)
    assert "Owner" in text(client.get(url("edit", community, practice)))
    response = client.post(
        url("edit", community, practice),
        {**description(title=practice.title), "body": practice.body, "owner": coordinator.pk, "review_by": ""},
    )
    assert response.status_code == 302
    practice.refresh_from_db()
    assert practice.owner == coordinator
