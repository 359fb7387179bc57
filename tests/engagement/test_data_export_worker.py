"""A member's data export built by a real Celery worker (another process, on Postgres and
Redis), mailed through a real SMTP conversation, and downloaded from the web process."""

import pytest

from members.models import DataExport
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.members.factories import UserFactory
from tests.members.test_data_export import body, download, read_archive
from tests.resources.factories import PDF, make_file_resource, pdf

pytestmark = pytest.mark.integration


@pytest.fixture
def export_storages(settings, tmp_path):
    """The folders the worker is told about too, so it writes where the web process reads."""
    settings.MEDIA_ROOT = tmp_path / "media"
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
    return {
        "MEDIA_ROOT": tmp_path / "media",
        "RESOURCE_FILES_ROOT": tmp_path / "library",
        "DATA_EXPORT_ROOT": tmp_path / "exports",
    }


def test_a_real_worker_builds_the_archive_and_the_email_reaches_the_mail_server(
    start_worker, sink, tasks, client, export_storages
):
    """The worker is another process: it reads the request this test committed, writes the
    archive where the web process serves it from, and mails the member through SMTP."""
    start_worker(**export_storages)
    member = UserFactory(username="wanjiru")
    community = CommunityFactory()
    MembershipFactory(community=community, user=member)
    make_file_resource(community=community, author=member, upload=pdf("Pump curves.pdf"))
    export = DataExport.objects.create(user=member, requested_by=member)

    tasks.send("members.tasks.build_data_export", export_id=export.pk)

    assert sink.wait_for(1, timeout=30), "no email reached the sink"
    export.refresh_from_db()
    [message] = sink.messages
    print(f"worker built export state={export.state} size={export.size} email to={message['To']}")
    assert export.state == "ready" and message["To"] == member.email
    assert "Your copy of your data is ready" in message["Subject"]
    client.force_login(member)
    sections, archive = read_archive(body(download(client, export)))
    [resource] = sections["resources"]
    assert archive.read(resource["versions"][0]["file"]) == PDF
