"""The library's rules at the service layer: who adds, edits, curates and deletes; versions;
files that never outlive their rows; documented practices that remember their thread."""

from io import StringIO

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import storages
from django.core.management import call_command

from communities.models import AuditEntry
from communities.origins import backlinks_for, follow_ups_for, resolve_origin
from resources.models import Resource
from resources.selectors import library
from resources.services import (
    resource_delete,
    resource_record_download,
    resource_set_archived,
    resource_set_featured,
    resource_update,
    version_add,
    version_delete,
)
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import PDF, make_file_resource, make_link, make_practice, pdf

pytestmark = pytest.mark.django_db


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_member_uploads_a_file_stored_under_a_random_name(community, active_membership, member, _library_files_in_tmp):
    resource = make_file_resource(community=community, author=member, upload=pdf("../../etc/passwd.pdf"))
    version = resource.current_version
    assert (version.number, version.original_name, version.content_type) == (1, "passwd.pdf", "application/pdf")
    assert "passwd" not in version.file.name and version.file.name.endswith(".pdf")
    assert storages["resources"].open(version.file.name).read() == PDF
    assert AuditEntry.objects.filter(action="resource_added", actor=member).exists()


def test_outsiders_and_pending_members_cannot_add(community, coordinator, member, other_member):
    MembershipFactory(community=community, user=member, state="pending")
    for person in (member, other_member):
        with pytest.raises(PermissionDenied):
            make_link(community=community, author=person)
    assert not Resource.objects.exists()


def test_refused_upload_writes_nothing(community, active_membership, member, _library_files_in_tmp):
    with pytest.raises(ValidationError) as error:
        make_file_resource(community=community, author=member, upload=pdf(content=b"<html><script>x</script>"))
    assert "upload" in error.value.message_dict
    assert not Resource.objects.exists()
    assert stored_files(_library_files_in_tmp) == []


def test_version_failing_inside_the_service_leaves_no_file(
    community, active_membership, member, _library_files_in_tmp, monkeypatch
):
    resource = make_file_resource(community=community, author=member)
    before = stored_files(_library_files_in_tmp)

    def broken_audit(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr("resources.services._audit", broken_audit)
    with pytest.raises(RuntimeError):
        version_add(actor=member, resource=resource, upload=pdf("v2.pdf"))
    assert stored_files(_library_files_in_tmp) == before
    assert resource.versions.count() == 1


def test_link_must_be_http_or_https(community, active_membership, member):
    for bad in ("javascript:alert(1)", "ftp://files.example.org/x", "data:text/html,hi", "//evil.example"):
        with pytest.raises(ValidationError):
            make_link(community=community, author=member, url=bad)
    assert make_link(community=community, author=member, url="https://example.org/x").pk


def test_practice_body_is_rendered_sanitised_and_owned(community, active_membership, member):
    practice = make_practice(community=community, author=member, body="## Context\n\n<script>x</script> **dry**")
    assert "<h2>Context</h2>" in practice.body_html and "<strong>dry</strong>" in practice.body_html
    assert "<script>" not in practice.body_html
    assert practice.owner == member


def test_new_version_becomes_current_and_old_ones_stay(community, active_membership, member, _library_files_in_tmp):
    resource = make_file_resource(community=community, author=member)
    first = resource.current_version
    second = version_add(actor=member, resource=resource, upload=pdf("v2.pdf", PDF + b"% v2\n"), note="Fixed table 3")

    resource.refresh_from_db()
    assert resource.current_version == second and second.number == 2 and second.note == "Fixed table 3"
    assert storages["resources"].open(first.file.name).read() == PDF
    assert len(stored_files(_library_files_in_tmp)) == 2


def test_only_author_and_coordinators_add_versions(community, active_membership, member, coordinator, other_member):
    MembershipFactory(community=community, user=other_member)
    resource = make_file_resource(community=community, author=member)
    with pytest.raises(PermissionDenied):
        version_add(actor=other_member, resource=resource, upload=pdf())
    assert version_add(actor=coordinator, resource=resource, upload=pdf()).number == 2


def test_deleting_a_version_removes_its_file_but_not_the_last_one(
    community, active_membership, member, _library_files_in_tmp, django_capture_on_commit_callbacks
):
    resource = make_file_resource(community=community, author=member)
    second = version_add(actor=member, resource=resource, upload=pdf("v2.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        version_delete(actor=member, version=second)
    resource.refresh_from_db()
    assert resource.current_version.number == 1
    assert len(stored_files(_library_files_in_tmp)) == 1
    with pytest.raises(ValidationError, match="only version"):
        version_delete(actor=member, version=resource.current_version)


def test_deleting_a_resource_removes_all_its_files(
    community, active_membership, member, _library_files_in_tmp, django_capture_on_commit_callbacks
):
    resource = make_file_resource(community=community, author=member)
    version_add(actor=member, resource=resource, upload=pdf("v2.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        resource_delete(actor=member, resource=resource)
    assert not Resource.objects.exists()
    assert stored_files(_library_files_in_tmp) == []


def test_author_edits_own_others_cannot(community, active_membership, member, other_member):
    MembershipFactory(community=community, user=other_member)
    link = make_link(community=community, author=member)
    resource_update(actor=member, resource=link, title="WHO drinking-water guidelines", tags=["quality"])
    assert Resource.objects.get(pk=link.pk).title == "WHO drinking-water guidelines"
    with pytest.raises(PermissionDenied):
        resource_update(actor=other_member, resource=link, title="vandalised")


def test_coordinators_feature_and_archive_members_cannot(community, active_membership, member, coordinator):
    link = make_link(community=community, author=member)
    with pytest.raises(PermissionDenied):
        resource_set_featured(actor=member, resource=link, featured=True)
    resource_set_featured(actor=coordinator, resource=link, featured=True)
    resource_set_archived(actor=coordinator, resource=link, archived=True)
    link.refresh_from_db()
    assert link.is_featured and link.is_archived
    assert not Resource.objects.current().filter(pk=link.pk).exists()
    actions = set(AuditEntry.objects.filter(actor=coordinator).values_list("action", flat=True))
    assert {"resource_featured", "resource_archived"} <= actions


def test_downloads_are_counted_per_resource_and_version(community, active_membership, member):
    resource = make_file_resource(community=community, author=member)
    resource_record_download(resource=resource, version=resource.current_version)
    resource_record_download(resource=resource, version=resource.current_version)
    resource.refresh_from_db()
    resource.current_version.refresh_from_db()
    assert resource.download_count == 2 and resource.current_version.download_count == 2


def test_private_library_is_invisible_to_outsiders(other_member):
    private = CommunityFactory(visibility="private")
    author = MembershipFactory(community=private).user
    link = make_link(community=private, author=author)
    assert not Resource.objects.visible_to(other_member).filter(pk=link.pk).exists()
    assert Resource.objects.visible_to(author).filter(pk=link.pk).exists()


# --- "Document this": practices born from threads -------------------------------------------------


def test_practice_documented_from_a_thread_links_both_ways(community, active_membership, member, other_member):
    thread = make_thread(community=community, author=member, title="Sand dams in ASAL counties", tags=["sand-dams"])
    origin = resolve_origin("thread", thread.pk, member)
    assert (origin.title, origin.tags) == ("Sand dams in ASAL counties", ["sand-dams"])

    practice = make_practice(community=community, author=member, origin=origin)

    assert practice.origin_url == thread.get_absolute_url()
    assert [link.url for link in backlinks_for(thread, member)] == [practice.get_absolute_url()]
    # The thread offers "Document this" to members, not to visitors.
    assert follow_ups_for(thread, member)
    assert follow_ups_for(thread, UserFactory()) == []


def test_private_thread_cannot_be_documented_by_an_outsider(other_member):
    private = CommunityFactory(visibility="private")
    author = MembershipFactory(community=private).user
    thread = make_thread(community=private, author=author)
    assert resolve_origin("thread", thread.pk, other_member) is None
    assert resolve_origin("thread", thread.pk, author) is not None


def test_backlinks_respect_the_librarys_visibility(other_member):
    """A public thread documented into a practice the outsider can see shows the link; a
    practice they cannot see stays unlisted for them."""
    public = CommunityFactory()
    author = MembershipFactory(community=public).user
    thread = make_thread(community=public, author=author)
    make_practice(community=public, author=author, origin=resolve_origin("thread", thread.pk, author))
    assert len(backlinks_for(thread, other_member)) == 1


def test_demo_library_has_versions_practices_from_threads_and_features(_library_files_in_tmp):
    call_command("seed_demo", no_history=True, stdout=StringIO())
    assert Resource.objects.filter(kind="file", versions__number=2).exists()
    assert Resource.objects.filter(kind="practice").exclude(origin_url="").count() >= 3
    assert Resource.objects.filter(kind="link").exists() and Resource.objects.filter(is_featured=True).exists()
    call_command("seed_demo", no_history=True, stdout=StringIO())
    assert Resource.objects.count() == 10


def test_practice_owner_can_be_handed_to_another_member_only(community, active_membership, member, coordinator):
    practice = make_practice(community=community, author=member)
    resource_update(actor=member, resource=practice, owner=coordinator)
    assert Resource.objects.get(pk=practice.pk).owner == coordinator
    with pytest.raises(ValidationError, match="member"):
        resource_update(actor=coordinator, resource=practice, owner=UserFactory())


def test_search_by_file_name_lists_a_resource_once(community, active_membership, member):
    resource = make_file_resource(community=community, author=member, upload=pdf("survey-2024.pdf"))
    version_add(actor=member, resource=resource, upload=pdf("survey-2024-final.pdf"))
    assert list(library(community=community, user=member, q="survey")) == [resource]
