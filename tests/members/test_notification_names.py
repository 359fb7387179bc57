"""Notifications name who acted from the live account: a new name shows at once, a deleted or
deactivated account reads "A former member", and titles stored before this change lose the
names they carried (migration members 0008)."""

import importlib
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.urls import reverse

from communities.models import AuditEntry, Invitation
from communities.services import invitation_create
from discussions.models import Post
from members.models import EmailDelivery, Notification
from tests.discussions.factories import make_reply, make_thread
from tests.members.factories import UserFactory

pytestmark = pytest.mark.django_db
migration = importlib.import_module("members.migrations.0008_notification_titles_without_names")
PASSWORD = "correct horse battery staple"


@pytest.fixture
def reply_to_mira(community, active_membership, member, coordinator, django_capture_on_commit_callbacks):
    thread = make_thread(community=community, author=member, title="Pipes")
    with django_capture_on_commit_callbacks(execute=True):
        make_reply(thread=thread, author=coordinator, body="Use PVC.")
    return Notification.objects.get(recipient=member)


def test_the_title_holds_no_name_and_the_page_shows_the_live_one(client, member, coordinator, reply_to_mira):
    assert reply_to_mira.title == "replied to your thread “Pipes”"
    coordinator.display_name = "Cora Renamed"
    coordinator.save()
    client.force_login(member)
    page = client.get(reverse("members:notifications")).content.decode()
    assert "Cora Renamed replied to your thread “Pipes”" in page


def test_a_deactivated_actor_reads_as_a_former_member(client, member, coordinator, reply_to_mira):
    coordinator.is_active = False
    coordinator.save()
    assert Notification.objects.get(pk=reply_to_mira.pk).text == "A former member replied to your thread “Pipes”"


def test_moderation_notices_keep_their_whole_sentence(member, coordinator, reply_to_mira):
    notice = Notification(kind="post_hidden", actor=coordinator, title="A coordinator hid your post in “Pipes”: spam")
    assert notice.text == "A coordinator hid your post in “Pipes”: spam"


def test_migration_strips_stored_names_and_the_email_log_subject_of_a_deleted_actor(member, reply_to_mira):
    post_type = ContentType.objects.get_for_model(Post)
    orphan_email = EmailDelivery.objects.create(
        recipient=member, kind="notifications", key="notifications:old", state="sent",
        subject="[CoP Platform] Carmen Zyxwvut replied to your post in “Pipes”",
    )  # fmt: skip
    rows = {
        "orphan": Notification.objects.create(
            recipient=member, actor=None, kind="reply", target_type=post_type, target_id=1, url="/",
            title="Carmen Zyxwvut replied to your post in “Pipes”", email_delivery=orphan_email,
        ),
        "mention": Notification.objects.create(
            recipient=member, actor=None, kind="mention", target_type=post_type, target_id=2, url="/",
            title="Carmen Zyxwvut mentioned you in “Who posted in “Pipes”?”",
        ),
        "hidden": Notification.objects.create(
            recipient=member, actor=None, kind="post_hidden", target_type=post_type, target_id=3, url="/",
            title="A coordinator hid your post in “Pipes”: spam",
        ),
    }  # fmt: skip
    editor = SimpleNamespace(connection=connection)

    migration.strip_names(apps, editor)

    titles = {name: Notification.objects.get(pk=row.pk).title for name, row in rows.items()}
    assert titles == {
        "orphan": "replied to your post in “Pipes”",
        "mention": "mentioned you in “Who posted in “Pipes”?”",
        "hidden": "A coordinator hid your post in “Pipes”: spam",
    }
    assert Notification.objects.get(pk=reply_to_mira.pk).title == "replied to your thread “Pipes”"  # new: untouched
    assert EmailDelivery.objects.get(pk=orphan_email.pk).subject == (
        "[CoP Platform] A former member replied to your post in “Pipes”"
    )

    migration.put_names_back(apps, editor)
    assert Notification.objects.get(pk=rows["orphan"].pk).title == "Someone replied to your post in “Pipes”"
    assert Notification.objects.get(pk=reply_to_mira.pk).title.endswith(" replied to your thread “Pipes”")
    assert Notification.objects.get(pk=rows["hidden"].pk).title == "A coordinator hid your post in “Pipes”: spam"


def test_deleting_forgets_invitations_to_her_address_and_the_audit_says_a_former_members(
    client, community, coordinator, django_capture_on_commit_callbacks
):
    invitee = UserFactory(username="ines", email="ines@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        invitation_create(actor=coordinator, community=community, email="ines@example.org")
        invitation_create(actor=coordinator, community=community, email="someone.else@example.org")
    client.force_login(invitee)

    client.post(reverse("members:account_delete"), {"password": PASSWORD, "confirm": "on"})

    assert list(Invitation.objects.values_list("email", flat=True)) == ["someone.else@example.org"]
    details = set(AuditEntry.objects.filter(action="invitation_sent").values_list("detail", flat=True))
    assert details == {"a former member's address", "someone.else@example.org"}


def test_a_mention_of_her_keeps_the_authors_words_without_the_link(
    client, community, active_membership, member, coordinator
):
    thread = make_thread(community=community, author=coordinator, title="Pumps")
    post = make_reply(thread=thread, author=coordinator, body="Ask @mira about pumps.")
    assert 'href="/members/mira/"' in post.body_html
    client.force_login(member)

    client.post(reverse("members:account_delete"), {"password": PASSWORD, "confirm": "on"})

    post.refresh_from_db()
    assert post.body == "Ask @mira about pumps."
    assert "Ask @mira about pumps." in post.body_html and "href=" not in post.body_html
