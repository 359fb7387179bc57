"""A member's copy of their data (/settings/export/ and /admin/): asked for, built by the task,
emailed, downloaded by whoever asked and nobody else, deleted when it expires; and what the
archive holds: everything that is the member's, nothing that is someone else's."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core import mail
from django.core.files.storage import default_storage, storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from communities.services import invitation_create, membership_join, membership_leave
from cop_platform.celery import app as celery_app
from discussions.services.attachments import attachment_upload
from discussions.services.posting import post_reply
from discussions.services.reacting import reaction_toggle
from members import tasks
from members.data_export import lifecycle
from members.data_export.archive import ArchiveWriter
from members.data_export.requests import data_export_request
from members.models import DataExport, DeliveryState, EmailDelivery, EmailKind, Notification
from members.services import avatar_set, profile_update
from resources.services import version_add
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import PDF, make_file_resource, pdf

pytestmark = pytest.mark.django_db

PAGE = reverse("members:data_export")
V2 = PDF + b"% second edition\n"
CORA_FILE = PDF + b"% CANARY-CORA-FILE\n"
# Written by others where the member no longer has access: none of it may be in the archive.
CANARIES = ("CANARY-TITLE", "CANARY-BODY", "CANARY-REPLY", "CANARY-CORA-FILE", "CANARY-OTTO-EMAIL")


@pytest.fixture(autouse=True)
def _private_storages_in_tmp(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "resources": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "library")},
        },
        "data_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "exports")},
        },
    }
    return tmp_path / "exports"


def photo():
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "teal").save(buffer, format="PNG")
    return SimpleUploadedFile("me.png", buffer.getvalue(), content_type="image/png")


@pytest.fixture
def footprint(member, other_member, community, coordinator, active_membership, django_capture_on_commit_callbacks):
    """Mira's footprint everywhere, and what others wrote around it."""
    otto, cora = other_member, coordinator
    MembershipFactory(community=community, user=otto)
    with django_capture_on_commit_callbacks(execute=True):
        profile_update(actor=member, user=member, bio="I drill **boreholes**.", expertise=["groundwater"])
        avatar_set(actor=member, user=member, upload=photo())

        thread = make_thread(community=community, author=member, title="Dry season pumps", body="Which **pump**?")
        chart = attachment_upload(actor=member, community=community, upload=photo())
        reply = post_reply(actor=member, thread=thread, body="Answering myself: _solar_.", attachment_ids=[chart.pk])
        attachment_upload(actor=member, community=community, upload=pdf("Draft notes.pdf"))  # not posted
        otto_reply = make_reply(thread=thread, author=otto, body="Otto's public answer")
        reaction_toggle(actor=member, post=otto_reply, kind="helpful")

        report = make_file_resource(community=community, author=member, upload=pdf("Logbook 2023.pdf"))
        version_add(actor=member, resource=report, upload=pdf("Logbook 2024.pdf", V2), note="2024 added")
        version_add(actor=cora, resource=report, upload=pdf("Cora's edit.pdf", CORA_FILE))

        approval = CommunityFactory(name="Sanitation Circle", slug="sanitation", join_policy="approval")
        MembershipFactory(community=approval, role="coordinator", user=cora)
        membership_join(actor=member, community=approval, message="I run a borehole programme")

        invite_only = CommunityFactory(name="Basin Board", slug="basin", join_policy="invitation")
        MembershipFactory(community=invite_only, role="coordinator", user=cora)
        invitation_create(actor=cora, community=invite_only, email=member.email, message="Join us, Mira")
        invitation_create(actor=cora, community=invite_only, email="CANARY-OTTO-EMAIL@example.org")

        # A private community Mira posted in and then left: her reply is hers, the rest is not.
        secret = CommunityFactory(name="Secret Circle", slug="secret", visibility="private", join_policy="approval")
        MembershipFactory(community=secret, role="coordinator", user=otto)
        MembershipFactory(community=secret, user=member)
        secret_thread = make_thread(community=secret, author=otto, title="CANARY-TITLE plans", body="CANARY-BODY")
        make_reply(thread=secret_thread, author=member, body="My words in the secret circle")
        make_reply(thread=secret_thread, author=otto, body="CANARY-REPLY")
    membership_leave(actor=member, community=secret)
    return {"thread": thread, "reply": reply, "otto_reply": otto_reply, "report": report}


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def ask_and_build(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(PAGE)
    assert response.status_code == 302
    return DataExport.objects.get()


def download(client, export):
    return client.get(reverse("members:data_export_download", args=[export.token]))


def read_archive(data: bytes) -> tuple[dict, zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    sections = {
        name.removesuffix(".json"): json.loads(archive.read(name))
        for name in archive.namelist()
        if name.endswith(".json")
    }
    return sections, archive


# --- The whole journey ---------------------------------------------------------------------------


def test_member_asks_is_emailed_downloads_and_finds_all_their_data(
    client, member, footprint, django_capture_on_commit_callbacks
):
    client.force_login(member)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "<title>Your data · Settings" in page.content.decode()
    mail.outbox.clear()

    export = ask_and_build(client, django_capture_on_commit_callbacks)

    assert export.state == "ready" and export.requested_by == member
    assert export.expires_at - export.ready_at == timedelta(days=django_settings.DATA_EXPORT_VALID_DAYS)
    page = client.get(PAGE).content.decode()
    assert "Ready until" in page
    assert reverse("members:data_export_download", args=[export.token]) in page
    [email] = mail.outbox
    assert email.to == [member.email]
    assert email.subject.endswith("Your copy of your data is ready")
    assert f"{django_settings.SITE_URL}{PAGE}" in email.body
    delivery = EmailDelivery.objects.get(kind=EmailKind.DATA_EXPORT)
    assert (delivery.recipient, delivery.state, delivery.key) == (
        member,
        DeliveryState.SENT,
        f"data-export:{export.pk}",
    )

    response = download(client, export)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"].startswith('attachment; filename="')
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["Cache-Control"] == "private"
    data = body(response)
    sections, archive = read_archive(data)
    print(f"archive bytes={len(data)} entries={len(archive.namelist())} sections={sorted(sections)}")

    profile = sections["profile"]
    assert profile["username"] == "mira" and profile["email"] == member.email
    assert profile["bio_markdown"] == "I drill **boreholes**." and "<strong>boreholes</strong>" in profile["bio_html"]
    assert profile["expertise"] == ["groundwater"]
    member.refresh_from_db()
    with default_storage.open(member.avatar.name, "rb") as stored:
        assert archive.read(profile["photo"]) == stored.read()

    posts = sections["posts"]
    mine = {post["body_markdown"]: post for post in posts}
    assert set(mine) == {"Which **pump**?", "Answering myself: _solar_.", "My words in the secret circle"}
    assert "<strong>pump</strong>" in mine["Which **pump**?"]["body_html"]
    assert mine["Which **pump**?"]["opens_thread"] is True
    assert mine["Answering myself: _solar_."]["thread"]["title"] == "Dry season pumps"
    assert mine["Answering myself: _solar_."]["thread"]["community"]["name"] == "Water Security"
    # She left the private community: her words are hers, its thread title is not any more.
    assert mine["My words in the secret circle"]["thread"]["title"] is None
    # The files she attached, and the one she uploaded but never posted, with their bytes.
    [attached] = mine["Answering myself: _solar_."]["attachments"]
    assert attached["name"] == "me.png" and attached["content_type"] == "image/png"
    assert Image.open(io.BytesIO(archive.read(attached["file"]))).size == (64, 64)
    [waiting] = sections["unposted_attachments"]
    assert waiting["name"] == "Draft_notes.pdf" and archive.read(waiting["file"]) == PDF

    [reaction] = sections["reactions"]
    assert (reaction["kind"], reaction["post"]) == ("helpful", footprint["otto_reply"].pk)

    [resource] = sections["resources"]
    assert resource["title"] == "Borehole logbook" and resource["added_by_you"] is True
    versions = {version["number"]: version for version in resource["versions"]}
    assert archive.read(versions[1]["file"]) == PDF
    assert archive.read(versions[2]["file"]) == V2
    assert versions[2]["note"] == "2024 added"
    assert versions[3] == {"number": 3, "uploaded_by_you": False}  # Cora's file is hers

    memberships = {row["community"]["slug"]: row["state"] for row in sections["memberships"]}
    assert memberships == {"water-security": "active", "sanitation": "pending", "basin": "invited"}
    [join_request] = sections["join_requests"]
    assert join_request["message"] == "I run a borehole programme" and join_request["state"] == "pending"
    [invitation] = sections["invitations"]
    assert (invitation["community"]["name"], invitation["message"]) == ("Basin Board", "Join us, Mira")
    assert "token" not in invitation

    notifications = sections["notifications"]
    titles = [row.get("title") for row in notifications]
    assert any("replied to your thread “Dry season pumps”" in (title or "") for title in titles)
    assert any("title" not in row for row in notifications)  # the secret thread's, kept without its title
    assert sections["email_preferences"]["replies"] == "immediate"
    assert any(row["kind"] == "notifications" and row["state"] == "sent" for row in sections["email_log"])
    assert sections["export"]["member"] == "mira" and sections["export"]["missing_files"] == []

    # The canaries were there to leak: Mira was notified about the secret thread by its title.
    assert Notification.objects.filter(recipient=member, title__contains="CANARY-TITLE").exists()
    everything = b"".join(archive.read(name) for name in archive.namelist())
    for canary in CANARIES:
        assert canary.encode() not in everything, canary
    assert b"Otto's public answer" not in everything  # others' posts are never copied, even public ones


# --- Who may download ----------------------------------------------------------------------------


def test_only_the_member_who_asked_can_download(
    client, member, other_member, staff, django_capture_on_commit_callbacks
):
    client.force_login(member)
    export = ask_and_build(client, django_capture_on_commit_callbacks)
    client.logout()

    assert download(client, export).status_code == 404  # a visitor
    for someone_else in (other_member, staff):
        client.force_login(someone_else)
        assert download(client, export).status_code == 404
    client.force_login(member)
    assert client.post(reverse("members:data_export_download", args=[export.token])).status_code == 405
    assert download(client, export).status_code == 200
    assert client.get(reverse("members:data_export_download", args=["not-a-token"])).status_code == 404


def test_export_is_handed_to_nginx_in_x_accel_mode(client, member, settings, django_capture_on_commit_callbacks):
    settings.RESOURCE_FILE_DELIVERY = "x-accel"
    client.force_login(member)
    export = ask_and_build(client, django_capture_on_commit_callbacks)

    response = download(client, export)

    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-data-exports/{export.file_name}"
    assert body(response) == b""
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"


def test_nginx_site_serves_exports_only_internally_with_the_download_headers():
    site = (Path(django_settings.BASE_DIR) / "deploy" / "nginx-cop-platform.conf").read_text()
    start = site.index(f"location {django_settings.DATA_EXPORT_X_ACCEL_PREFIX} {{")
    location = site[start : site.index("}", start)]
    assert "internal;" in location
    assert "alias /srv/cop-platform/var/data-exports/;" in location
    assert "add_header Content-Security-Policy \"sandbox; default-src 'none'\" always;" in location
    assert "add_header X-Content-Type-Options nosniff always;" in location


# --- One at a time, once a day -------------------------------------------------------------------


def test_a_second_request_while_one_is_on_its_way_is_refused_with_a_reason(client, member):
    client.force_login(member)
    client.post(PAGE)  # its task is queued after commit: not run here

    page = client.get(PAGE).content.decode()
    assert "Queued." in page and "Ask for a copy of my data" not in page
    response = client.post(PAGE)

    assert response.status_code == 200
    assert "A copy is already being prepared" in response.content.decode()
    assert DataExport.objects.count() == 1


def test_asking_again_the_same_day_is_refused_and_says_when(client, member, django_capture_on_commit_callbacks):
    client.force_login(member)
    ask_and_build(client, django_capture_on_commit_callbacks)

    page = client.get(PAGE).content.decode()
    assert "You can ask for a new copy after" in page and "Ask for a copy of my data" not in page
    response = client.post(PAGE)  # a form kept open in another tab

    assert response.status_code == 200
    assert "You can ask for a new one after" in response.content.decode()
    assert DataExport.objects.count() == 1


def test_a_failed_export_does_not_count_against_the_daily_limit(client, member):
    DataExport.objects.create(user=member, requested_by=member, state="failed")
    client.force_login(member)

    assert client.post(PAGE).status_code == 302
    assert DataExport.objects.filter(state="queued").count() == 1


def test_visitors_are_sent_to_sign_in(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- Expiry and clean-up -------------------------------------------------------------------------


def test_expired_archive_is_deleted_by_the_beat_task_and_its_link_is_gone(
    client, member, other_member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    export = ask_and_build(client, django_capture_on_commit_callbacks)
    storage = storages["data_exports"]
    assert storage.exists(export.file_name)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    first, second = tasks.data_exports_tidy.apply().get(), tasks.data_exports_tidy.apply().get()

    print(f"tidy runs deleted first={first} second={second}")
    assert (first, second) == (1, 0)
    assert not storage.exists(export.file_name)
    export.refresh_from_db()
    assert (export.state, export.file_name) == ("expired", "")
    response = download(client, export)
    assert response.status_code == 410
    assert "ask for a new copy" in response.content.decode()
    assert "Expired." in client.get(PAGE).content.decode()
    client.force_login(other_member)
    assert download(client, export).status_code == 404


def test_an_export_past_its_date_is_not_served_before_the_beat_task_runs(
    client, member, django_capture_on_commit_callbacks
):
    client.force_login(member)
    export = ask_and_build(client, django_capture_on_commit_callbacks)
    DataExport.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))

    assert download(client, export).status_code == 410


def test_deleting_the_account_deletes_the_archive(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        export = data_export_request(actor=member, user=member)
    export.refresh_from_db()
    assert storages["data_exports"].exists(export.file_name)

    with django_capture_on_commit_callbacks(execute=True):
        member.delete()

    assert not storages["data_exports"].exists(export.file_name)


def test_a_lost_build_task_is_queued_again_by_the_beat_task(member, django_capture_on_commit_callbacks):
    export = data_export_request(actor=member, user=member)  # its task is lost (never run)
    DataExport.objects.filter(pk=export.pk).update(created_at=timezone.now() - timedelta(hours=1))

    with django_capture_on_commit_callbacks(execute=True):
        tasks.data_exports_tidy.apply()

    export.refresh_from_db()
    assert export.state == "ready"
    assert len([m for m in mail.outbox if "Your copy of your data is ready" in m.subject]) == 1


def test_building_twice_builds_once_and_emails_once(member, django_capture_on_commit_callbacks):
    export = data_export_request(actor=member, user=member)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.build_data_export.apply(kwargs={"export_id": export.pk})
        tasks.build_data_export.apply(kwargs={"export_id": export.pk})
    delivery = EmailDelivery.objects.get(kind=EmailKind.DATA_EXPORT)
    tasks.send_data_export_email.apply(kwargs={"delivery_id": delivery.pk})

    assert len(list(storages["data_exports"].listdir("data-exports")[1])) == 1
    assert len([m for m in mail.outbox if "data is ready" in m.subject]) == 1


# --- Staff: subject access requests from /admin/ -------------------------------------------------


def test_staff_produce_a_members_export_from_admin_and_only_they_download_it(
    client, staff, member, footprint, django_capture_on_commit_callbacks
):
    client.force_login(staff)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:members_user_changelist"),
            {"action": "export_data", "_selected_action": [member.pk]},
            follow=True,
        )
    assert "Data exports queued: 1" in response.content.decode()

    export = DataExport.objects.get(user=member)
    assert export.requested_by == staff and export.state == "ready"
    [email] = mail.outbox
    assert email.to == [staff.email] and email.subject.endswith("A data export you asked for is ready")
    assert "mira" not in email.subject
    assert client.get(reverse("admin:members_dataexport_change", args=[export.pk])).status_code == 200
    listing = client.get(reverse("admin:members_dataexport_changelist")).content.decode()
    link = reverse("members:data_export_download", args=[export.token])
    assert link in listing
    sections, _archive = read_archive(body(client.get(link)))
    assert sections["profile"]["username"] == "mira" and sections["export"]["requested_by"] == "stella"

    client.force_login(member)
    assert client.get(link).status_code == 404  # staff's copy, not hers to fetch
    assert "You have not asked for a copy yet." in client.get(PAGE).content.decode()
    assert client.post(PAGE).status_code == 302  # a staff request does not use up her own


# --- Cost ----------------------------------------------------------------------------------------


def _build_queries(user) -> int:
    export = DataExport.objects.create(user=user, requested_by=user)
    with CaptureQueriesContext(connection) as queries:
        lifecycle.data_export_build(export_id=export.pk)
    return len(queries)


@pytest.mark.parametrize("small,large", [(2, 40)])
def test_building_costs_the_same_queries_for_few_or_many_rows(community, coordinator, small, large):
    counts = {}
    for size in (small, large):
        author = UserFactory()
        MembershipFactory(community=community, user=author)
        thread = make_thread(community=community, author=author)
        for _ in range(size):
            post = make_reply(thread=thread, author=author)
            reaction_toggle(actor=author, post=post, kind="thanks")
            make_file_resource(community=community, author=author, upload=pdf())
        counts[size] = _build_queries(author)
    print(f"build queries: {small} rows={counts[small]} {large} rows={counts[large]}")
    assert counts[small] == counts[large]


# --- When things go wrong ------------------------------------------------------------------------


def test_a_disk_that_refuses_the_archive_is_retried_then_marked_failed_and_the_member_may_ask_again(
    client, member, settings, tmp_path
):
    # A real OSError from the file system: the export folder's parent is a file.
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    settings.STORAGES = {
        **settings.STORAGES,
        "data_exports": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(blocker / "exports")},
        },
    }
    client.force_login(member)
    client.post(PAGE)
    export = DataExport.objects.get()

    # Eager Celery runs each retry at once (no backoff), as a worker would over hours.
    celery_app.conf.task_eager_propagates = False
    tasks.build_data_export.apply(kwargs={"export_id": export.pk})

    export = DataExport.objects.get()
    print(f"build attempts={export.attempts} state={export.state} error={export.error!r}")
    assert export.state == "failed" and export.attempts == tasks.RETRY["max_retries"] + 1
    assert "NotADirectoryError" in export.error
    assert "We could not prepare your last copy" in client.get(PAGE).content.decode()
    assert download(client, export).status_code == 404
    assert not mail.outbox
    settings.STORAGES = {**settings.STORAGES, "data_exports": {**settings.STORAGES["resources"]}}
    assert client.post(PAGE).status_code == 302  # a failed export does not count


def test_an_archive_missing_from_storage_is_a_404_with_a_log_line(
    client, member, caplog, django_capture_on_commit_callbacks
):
    client.force_login(member)
    export = ask_and_build(client, django_capture_on_commit_callbacks)
    storages["data_exports"].delete(export.file_name)

    response = download(client, export)

    assert response.status_code == 404
    assert any(export.file_name in record.getMessage() for record in caplog.records)


def test_files_with_the_same_or_unusable_names_each_get_their_own_path():
    writer = ArchiveWriter(zipfile.ZipFile(io.BytesIO(), "w"))

    paths = [
        writer.add_file(path, None) for path in ("r/1/report.pdf", "r/1/report.pdf", "r/1/..", "r/1/..", "r/1/notes")
    ]

    assert paths == [
        "files/r/1/report.pdf",
        "files/r/1/report-2.pdf",
        "files/r/1/file",
        "files/r/1/file-2",
        "files/r/1/notes",
    ]
