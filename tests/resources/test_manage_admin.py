"""The library in the coordinator panel (/manage/): a coordinator features, archives and deletes
the resources of the communities they run, and nothing else, every change through the library
services; staff have the same tools for every community on /admin/."""

import pytest
from django.urls import reverse

from communities.models import AuditEntry
from communities.origins import resolve_origin
from resources.models import Resource, ResourceVersion
from resources.services import resource_set_archived, resource_set_featured, version_add
from tests.admin_helpers import (
    ESCAPED,
    HOSTILE,
    confirm_action,
    messages_of,
    other_coordinated_community,
    result_table,
    run_action,
    without_admin_icons,
)
from tests.communities.factories import MembershipFactory
from tests.discussions.factories import make_thread
from tests.html_safety import assert_inert
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, make_link, make_practice, pdf

pytestmark = pytest.mark.django_db

RESOURCES = reverse("manage:resources_resource_changelist")
VERSIONS = reverse("manage:resources_resourceversion_changelist")
STAFF_RESOURCES = reverse("admin:resources_resource_changelist")


@pytest.fixture
def logbook(community, active_membership, member):
    return make_file_resource(community=community, author=member, title="Borehole logbook")


@pytest.fixture
def other_community(db):
    return other_coordinated_community()


@pytest.fixture
def bike_map(other_community):
    author = MembershipFactory(community=other_community, user=UserFactory(username="bruno")).user
    return make_file_resource(community=other_community, author=author, title="Bike lane map")


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def stored_files(root):
    return sorted(p.name for p in root.rglob("*") if p.is_file()) if root.exists() else []


# --- Who sees what -----------------------------------------------------------------------------


def test_coordinator_finds_the_library_on_the_panel_index(coordinator_client, logbook):
    page = coordinator_client.get(reverse("manage:index")).content.decode()

    assert "Resource library" in page
    assert RESOURCES in page


def test_coordinator_sees_their_communitys_resources_with_their_facts(coordinator_client, logbook, member):
    table = result_table(coordinator_client.get(RESOURCES))

    assert "Borehole logbook" in table
    assert "Water Security" in table
    assert "File" in table
    assert member.name in table
    assert logbook.get_absolute_url() in table


def test_coordinator_does_not_see_another_communitys_resources(coordinator_client, logbook, bike_map, other_community):
    page = coordinator_client.get(RESOURCES).content.decode()

    assert "Borehole logbook" in page
    assert "Bike lane map" not in page
    assert "Urban Mobility" not in page
    assert f"community={other_community.pk}" not in page


def test_another_communitys_resource_opened_by_id_does_not_exist(coordinator_client, bike_map):
    response = coordinator_client.get(reverse("manage:resources_resource_change", args=[bike_map.pk]), follow=True)

    assert response.redirect_chain[-1][0] == reverse("manage:index")
    assert any("doesn’t exist" in message for message in messages_of(response))
    assert "Bike lane map" not in response.content.decode()


def test_another_communitys_versions_are_not_listed(coordinator_client, logbook, bike_map):
    table = result_table(coordinator_client.get(VERSIONS))

    assert "report.pdf" in table
    assert "Bike lane map" not in table


def test_plain_member_cannot_open_the_library_panel(client, member, logbook):
    client.force_login(member)

    response = client.get(RESOURCES)

    assert response.status_code in (302, 403)
    assert "Borehole logbook" not in response.content.decode()


def test_superuser_sees_every_communitys_resources_on_manage(client, staff, logbook, bike_map):
    client.force_login(staff)

    table = result_table(client.get(RESOURCES))

    assert "Borehole logbook" in table
    assert "Bike lane map" in table


def test_filters_by_kind_featured_and_archive(coordinator_client, coordinator, logbook, community, member):
    link = make_link(community=community, author=member, title="WHO guidelines")
    resource_set_featured(actor=coordinator, resource=link, featured=True)
    resource_set_archived(actor=coordinator, resource=logbook, archived=True)

    links = result_table(coordinator_client.get(RESOURCES, {"kind__exact": "link"}))
    featured = result_table(coordinator_client.get(RESOURCES, {"is_featured__exact": "1"}))
    archived = result_table(coordinator_client.get(RESOURCES, {"status": "archived"}))
    current = result_table(coordinator_client.get(RESOURCES, {"status": "current"}))

    assert "WHO guidelines" in links and "Borehole logbook" not in links
    assert "WHO guidelines" in featured and "Borehole logbook" not in featured
    assert "Borehole logbook" in archived and "WHO guidelines" not in archived
    assert "WHO guidelines" in current and "Borehole logbook" not in current


def test_search_finds_resources_by_title_summary_and_author(coordinator_client, logbook, community, member):
    make_link(community=community, author=member, title="WHO guidelines", summary="Drinking water quality")

    assert "WHO guidelines" in result_table(coordinator_client.get(RESOURCES, {"q": "drinking"}))
    assert "Borehole logbook" in result_table(coordinator_client.get(RESOURCES, {"q": "mira"}))
    assert "Borehole logbook" not in coordinator_client.get(RESOURCES, {"q": "bicycles"}).content.decode()


# --- The resource page -------------------------------------------------------------------------


def test_resource_page_is_read_only_and_lists_its_versions(coordinator_client, coordinator, logbook, member):
    version_add(actor=member, resource=logbook, upload=pdf("logbook-2024.pdf"), note="Dry season added")
    url = reverse("manage:resources_resource_change", args=[logbook.pk])

    response = coordinator_client.get(url)
    coordinator_client.post(url, {"title": "Renamed"})

    page = response.content.decode()
    assert response.status_code == 200
    assert "Versions (newest first)" in page
    assert "report.pdf" in page and "logbook-2024.pdf" in page
    assert "Dry season added" in page
    assert member.name in page
    assert f'<a href="{logbook.get_absolute_url()}">View on the site</a>' in page
    assert (
        reverse(
            "resources:download_version",
            kwargs={"community_slug": "water-security", "resource_id": logbook.pk, "version_number": 2},
        )
        in page
    )
    assert 'name="title"' not in page
    assert Resource.objects.get(pk=logbook.pk).title == "Borehole logbook"


def test_link_and_practice_pages_show_what_their_kind_uses(coordinator_client, community, member, active_membership):
    thread = make_thread(community=community, author=member, title="Sand dams in ASAL counties")
    link = make_link(community=community, author=member, url="https://www.who.int/water")
    practice = make_practice(
        community=community, author=member, body="Dry riverbeds.", origin=resolve_origin("thread", thread.pk, member)
    )

    link_page = coordinator_client.get(reverse("manage:resources_resource_change", args=[link.pk])).content.decode()
    practice_page = coordinator_client.get(
        reverse("manage:resources_resource_change", args=[practice.pk])
    ).content.decode()

    assert '<a href="https://www.who.int/water">https://www.who.int/water</a>' in link_page
    assert "Versions (newest first)" not in link_page
    assert "Dry riverbeds." in practice_page
    assert f'<a href="{thread.get_absolute_url()}">Sand dams in ASAL counties</a>' in practice_page
    assert "field-url" not in practice_page


def test_panel_offers_no_add_and_no_bulk_delete(coordinator_client, logbook):
    page = coordinator_client.get(RESOURCES).content.decode()

    assert reverse("manage:resources_resource_add") not in page
    assert "delete_selected" not in page
    assert coordinator_client.get(reverse("manage:resources_resource_add")).status_code == 403


# --- Curation ----------------------------------------------------------------------------------


def test_feature_and_unfeature_actions_switch_the_resource_and_are_logged(coordinator_client, coordinator, logbook):
    response = run_action(coordinator_client, RESOURCES, "feature_resources", logbook)

    assert Resource.objects.get(pk=logbook.pk).is_featured
    assert AuditEntry.objects.get(action="resource_featured").actor == coordinator
    assert any("Featured: 1." in message for message in messages_of(response))

    run_action(coordinator_client, RESOURCES, "unfeature_resources", logbook)

    assert not Resource.objects.get(pk=logbook.pk).is_featured
    assert AuditEntry.objects.get(action="resource_unfeatured").actor == coordinator


def test_archive_and_unarchive_actions_keep_the_resource_and_are_logged(
    coordinator_client, coordinator, logbook, member
):
    run_action(coordinator_client, RESOURCES, "archive_resources", logbook)

    assert Resource.objects.get(pk=logbook.pk).is_archived
    assert not Resource.objects.visible_to(member).current().filter(pk=logbook.pk).exists()
    assert AuditEntry.objects.get(action="resource_archived").actor == coordinator

    run_action(coordinator_client, RESOURCES, "unarchive_resources", logbook)

    assert not Resource.objects.get(pk=logbook.pk).is_archived
    assert AuditEntry.objects.get(action="resource_unarchived").actor == coordinator


def test_featuring_an_already_featured_resource_is_skipped_not_logged_twice(coordinator_client, coordinator, logbook):
    resource_set_featured(actor=coordinator, resource=logbook, featured=True)

    response = run_action(coordinator_client, RESOURCES, "feature_resources", logbook)

    assert any("Skipped 1 already featured" in message for message in messages_of(response))
    assert AuditEntry.objects.filter(action="resource_featured").count() == 1


def test_curating_another_communitys_resource_by_id_changes_nothing(coordinator_client, bike_map):
    entries_before = AuditEntry.objects.count()

    for action in ("feature_resources", "archive_resources"):
        run_action(coordinator_client, RESOURCES, action, bike_map)

    bike_map.refresh_from_db()
    assert not bike_map.is_featured
    assert not bike_map.is_archived
    assert AuditEntry.objects.count() == entries_before


# --- Deleting ----------------------------------------------------------------------------------


def test_delete_asks_first_and_names_what_will_go(coordinator_client, logbook, _library_files_in_tmp):
    response = run_action(coordinator_client, RESOURCES, "delete_resources", logbook)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Borehole logbook (Water Security, 1 file)" in page
    assert "1 stored file" in page
    assert 'name="confirm" value="yes"' in page
    assert Resource.objects.filter(pk=logbook.pk).exists()
    assert len(stored_files(_library_files_in_tmp)) == 1


def test_confirmed_delete_removes_the_resource_and_its_files(
    coordinator_client, coordinator, logbook, member, _library_files_in_tmp, django_capture_on_commit_callbacks
):
    version_add(actor=member, resource=logbook, upload=pdf("logbook-2024.pdf"))
    assert len(stored_files(_library_files_in_tmp)) == 2

    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_action(coordinator_client, RESOURCES, "delete_resources", logbook)

    assert not Resource.objects.filter(pk=logbook.pk).exists()
    assert not ResourceVersion.objects.exists()
    assert stored_files(_library_files_in_tmp) == []
    assert AuditEntry.objects.get(action="resource_deleted").actor == coordinator
    assert any("Deleted: 1." in message for message in messages_of(response))


def test_deleting_another_communitys_resource_by_id_changes_nothing(
    coordinator_client, bike_map, _library_files_in_tmp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        confirm_action(coordinator_client, RESOURCES, "delete_resources", bike_map)

    assert Resource.objects.filter(pk=bike_map.pk).exists()
    assert len(stored_files(_library_files_in_tmp)) == 1
    assert not AuditEntry.objects.filter(action="resource_deleted").exists()


def test_deleting_an_old_version_removes_its_file_and_keeps_the_resource(
    coordinator_client, coordinator, logbook, member, _library_files_in_tmp, django_capture_on_commit_callbacks
):
    first = logbook.current_version
    version_add(actor=member, resource=logbook, upload=pdf("logbook-2024.pdf"))

    with django_capture_on_commit_callbacks(execute=True):
        confirm_action(coordinator_client, VERSIONS, "delete_versions", first)

    logbook.refresh_from_db()
    assert list(logbook.versions.values_list("original_name", flat=True)) == ["logbook-2024.pdf"]
    assert len(stored_files(_library_files_in_tmp)) == 1
    assert AuditEntry.objects.get(action="resource_version_deleted").actor == coordinator


def test_the_last_version_cannot_be_deleted_and_the_panel_says_why(
    coordinator_client, logbook, _library_files_in_tmp, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = confirm_action(coordinator_client, VERSIONS, "delete_versions", logbook.current_version)

    assert any("Delete the resource instead" in message for message in messages_of(response))
    assert ResourceVersion.objects.filter(resource=logbook).count() == 1
    assert len(stored_files(_library_files_in_tmp)) == 1


# --- Escaping and query counts -----------------------------------------------------------------


def test_hostile_titles_and_names_are_escaped_on_the_panel(coordinator_client, community):
    author = MembershipFactory(community=community, user=UserFactory(display_name=HOSTILE)).user
    resource = make_file_resource(
        community=community, author=author, title=HOSTILE, summary=HOSTILE, upload=pdf(f"{HOSTILE}.pdf")
    )

    for url in (RESOURCES, VERSIONS):
        response = coordinator_client.get(url)
        page = response.content.decode()
        assert ESCAPED in page
        assert HOSTILE not in page
        assert_inert(without_admin_icons(result_table(response)))
    change_page = coordinator_client.get(reverse("manage:resources_resource_change", args=[resource.pk]))
    confirmation = run_action(coordinator_client, RESOURCES, "delete_resources", resource)
    for response in (change_page, confirmation):
        page = response.content.decode()
        assert ESCAPED in page
        assert HOSTILE not in page


@pytest.mark.parametrize("rows", [10, 100])
def test_resource_list_runs_a_fixed_number_of_queries(
    coordinator_client, community, member, active_membership, rows, django_assert_max_num_queries
):
    authors = [member, *(MembershipFactory(community=community).user for _ in range(2))]
    make_file_resource(community=community, author=member)
    for number in range(rows - 1):
        make_link(community=community, author=authors[number % len(authors)], title=f"Link {number}")

    with django_assert_max_num_queries(7):
        response = coordinator_client.get(RESOURCES)

    assert response.status_code == 200
    assert "Link 0" in result_table(response)


# --- The staff admin ---------------------------------------------------------------------------


def test_staff_see_every_communitys_resources_on_the_staff_admin(client, staff, logbook, bike_map):
    client.force_login(staff)

    table = result_table(client.get(STAFF_RESOURCES))

    assert "Borehole logbook" in table
    assert "Bike lane map" in table


def test_staff_see_every_communitys_versions_on_the_staff_admin(client, staff, logbook, bike_map):
    client.force_login(staff)

    table = result_table(client.get(reverse("admin:resources_resourceversion_changelist")))

    assert "Borehole logbook" in table
    assert "Bike lane map" in table


def test_staff_curate_and_delete_through_the_services(
    client, staff, bike_map, _library_files_in_tmp, django_capture_on_commit_callbacks
):
    client.force_login(staff)

    run_action(client, STAFF_RESOURCES, "feature_resources", bike_map)
    assert AuditEntry.objects.get(action="resource_featured").actor == staff

    with django_capture_on_commit_callbacks(execute=True):
        confirm_action(client, STAFF_RESOURCES, "delete_resources", bike_map)
    assert not Resource.objects.filter(pk=bike_map.pk).exists()
    assert stored_files(_library_files_in_tmp) == []


def test_coordinator_who_is_not_staff_cannot_open_the_staff_resource_list(coordinator_client, logbook):
    response = coordinator_client.get(STAFF_RESOURCES)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
