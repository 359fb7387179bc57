"""Images and files in posts: uploaded through the library's checks (photos lose their GPS
position and camera details, HTML and SVG are refused beside the field), shown inline with
their size and alt text, and handed out only to those who may read the post: hidden posts to
their author and the coordinators, moved threads by their new community, deleted posts never
(their files are removed)."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import ExifTags, Image

from discussions.models import Post, PostAttachment
from discussions.services.attachments import attachment_upload
from discussions.services.moderating import post_hide, thread_move
from discussions.services.posting import post_delete, post_edit
from discussions.tasks import prune_pending_attachments
from members.account_deletion import account_delete
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.resources.test_image_metadata import TELLTALES, phone_jpeg

pytestmark = pytest.mark.django_db

HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(1)</script></svg>'


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Sand dams", body="Opening post")


def png(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 60)).save(buffer, format="PNG")
    return buffer.getvalue()


def upload(name, data):
    return SimpleUploadedFile(name, data)


def reply_url(thread):
    return reverse("discussions:reply", kwargs={"community_slug": thread.community.slug, "thread_id": thread.pk})


def post_with_photo(client, thread, member, body="Here is the dam"):
    client.force_login(member)
    response = client.post(
        reply_url(thread), {"body": body, "attachment_files": [upload("dam site.jpg", phone_jpeg())]}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return PostAttachment.objects.get(original_name="dam_site.jpg")


def test_photo_posted_without_javascript_is_listed_and_served_without_its_gps_position(client, thread, member):
    attachment = post_with_photo(client, thread, member)
    page = client.get(thread.get_absolute_url()).content.decode()
    assert f'src="{attachment.get_absolute_url()}"' in page  # listed under the post as a picture

    response = client.get(attachment.get_absolute_url())
    data = b"".join(response.streaming_content)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    stored = Image.open(io.BytesIO(data))
    assert not stored.getexif().get_ifd(ExifTags.IFD.GPSInfo)
    assert not [telltale for telltale in TELLTALES if telltale in data]
    # Upright, as the phone showed it: 256×128 stored with orientation 6 is 128×256.
    assert (attachment.width, attachment.height) == stored.size == (128, 256)


@pytest.mark.parametrize(("name", "data"), [("page.html", HTML), ("drawing.svg", SVG), ("photo.png", HTML)])
def test_html_and_svg_are_refused_beside_the_field_and_the_text_is_kept(client, thread, member, name, data):
    client.force_login(member)
    response = client.post(reply_url(thread), {"body": "My careful reply", "attachment_files": [upload(name, data)]})
    page = response.content.decode()
    assert response.status_code == 400
    field = re.search(r'<div class="field attachments-field has-error".*?attachments-pending', page, re.S)
    assert field and name in field.group(0)
    assert "My careful reply" in page
    assert not Post.objects.filter(body="My careful reply").exists()
    assert not PostAttachment.objects.exists()


def test_a_refused_submit_keeps_the_accepted_upload_for_the_next_try(client, thread, member):
    client.force_login(member)
    response = client.post(
        reply_url(thread),
        {"body": "Two files", "attachment_files": [upload("chart.png", png()), upload("x.svg", SVG)]},
    )
    assert response.status_code == 400
    kept = PostAttachment.objects.get()
    assert f'name="attachment_ids" value="{kept.pk}"' in response.content.decode()
    response = client.post(reply_url(thread), {"body": "Two files", "attachment_ids": [str(kept.pk)]})
    assert response.status_code == 302
    kept.refresh_from_db()
    assert kept.post.body == "Two files"


def test_composer_upload_returns_markdown_that_shows_the_image_inline_with_its_size(client, thread, member):
    client.force_login(member)
    response = client.post(
        reverse("discussions:attachment_upload", kwargs={"community_slug": thread.community.slug}),
        {"file": upload("water-tank.png", png())},
    )
    assert response.status_code == 201
    markdown = response.json()["markdown"]
    assert markdown == f"![water tank]({PostAttachment.objects.get().get_absolute_url()})"
    client.post(reply_url(thread), {"body": f"Look:\n\n{markdown}"})
    post = Post.objects.get(body__startswith="Look")
    assert post.attachments.count() == 1  # claimed through the Markdown alone
    assert re.search(r'<img src="/discussions/attachments/\d+/water-tank.png" alt="water tank" width="40" '
                     r'height="30" loading="lazy">', post.body_html)  # fmt: skip


def test_composer_upload_refuses_svg_with_a_reason(client, thread, member):
    client.force_login(member)
    response = client.post(
        reverse("discussions:attachment_upload", kwargs={"community_slug": thread.community.slug}),
        {"file": upload("logo.svg", SVG)},
    )
    assert response.status_code == 400
    assert "logo.svg" in response.json()["error"] and "not accepted" in response.json()["error"]


def test_non_member_cannot_upload(client, thread, other_member):
    client.force_login(other_member)
    response = client.post(
        reverse("discussions:attachment_upload", kwargs={"community_slug": thread.community.slug}),
        {"file": upload("a.png", png())},
    )
    assert response.status_code == 403
    assert not PostAttachment.objects.exists()


def test_outsider_gets_404_for_a_private_communitys_attachment(client, member):
    private = CommunityFactory(slug="inner", visibility="private", join_policy="approval")
    insider = MembershipFactory(community=private).user
    thread = make_thread(community=private, author=insider)
    attachment = post_with_photo(client, thread, insider)
    client.force_login(member)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_an_upload_not_yet_posted_is_its_uploaders_alone(client, community, active_membership, member, other_member):
    MembershipFactory(community=community, user=other_member)
    pending = attachment_upload(actor=member, community=community, upload=upload("draft.png", png()))
    client.force_login(other_member)
    assert client.get(pending.get_absolute_url()).status_code == 404
    client.force_login(member)
    assert client.get(pending.get_absolute_url()).status_code == 200
    # Nor can another member claim it by pasting its address into their own post.
    reply = make_reply(thread=make_thread(community=community, author=other_member), author=other_member,
                       body=f"![x]({pending.get_absolute_url()})")  # fmt: skip
    assert not reply.attachments.exists()


def test_hidden_posts_attachment_is_404_for_members_and_served_to_coordinator_and_author(
    client, thread, member, other_member, coordinator
):
    MembershipFactory(community=thread.community, user=other_member)
    attachment = post_with_photo(client, thread, member)
    post_hide(actor=coordinator, post=attachment.post, reason="Shows a private house")
    client.force_login(other_member)
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(coordinator)
    assert client.get(attachment.get_absolute_url()).status_code == 200
    client.force_login(member)
    assert client.get(attachment.get_absolute_url()).status_code == 200


def test_access_follows_a_thread_moved_to_a_private_community(client, thread, member, coordinator):
    attachment = post_with_photo(client, thread, member)
    private = CommunityFactory(slug="coordinators-only", visibility="private", join_policy="approval")
    MembershipFactory(community=private, user=coordinator, role="coordinator")
    thread_move(actor=coordinator, thread=thread, to_community=private)
    client.force_login(member)  # a member of the old community only
    assert client.get(attachment.get_absolute_url()).status_code == 404
    client.force_login(coordinator)
    assert client.get(attachment.get_absolute_url()).status_code == 200


def test_deleting_a_post_removes_its_files_after_the_commit(client, thread, member, django_capture_on_commit_callbacks):
    attachment = post_with_photo(client, thread, member)
    storage = storages["post_attachments"]
    assert storage.exists(attachment.stored_name)
    with django_capture_on_commit_callbacks(execute=True):
        post_delete(actor=member, post=attachment.post)
    assert not storage.exists(attachment.stored_name)
    assert not PostAttachment.objects.exists()
    assert client.get(attachment.get_absolute_url()).status_code == 404


def test_editing_a_post_keeps_its_attachments(client, thread, member):
    attachment = post_with_photo(client, thread, member)
    post_edit(actor=member, post=attachment.post, body="Here is the dam, seen from the north")
    assert PostAttachment.objects.get().post_id == attachment.post_id


def test_image_from_another_site_becomes_a_link_not_nothing(thread, member):
    post = make_reply(thread=thread, author=member, body="See ![the dam](https://example.org/dam.jpg) here")
    assert '<a href="https://example.org/dam.jpg" rel="nofollow ugc noopener">the dam</a>' in post.body_html
    assert "<img" not in post.body_html


def test_a_file_that_is_not_an_image_downloads_as_an_attachment(client, thread, member):
    client.force_login(member)
    client.post(reply_url(thread), {"body": "Notes", "attachment_files": [upload("notes.txt", b"Dig 2 m deep.\n")]})
    attachment = PostAttachment.objects.get()
    response = client.get(attachment.get_absolute_url())
    assert response["Content-Disposition"].startswith("attachment")
    assert not attachment.is_image
    assert "download>notes.txt</a>" in client.get(thread.get_absolute_url()).content.decode()


def test_a_post_takes_at_most_the_configured_number_of_files(client, thread, member, settings):
    settings.POST_ATTACHMENTS_PER_POST = 2
    client.force_login(member)
    files = [upload(f"{n}.png", png()) for n in range(3)]
    response = client.post(reply_url(thread), {"body": "Three charts", "attachment_files": files})
    assert response.status_code == 400
    assert "at most 2 attachments" in response.content.decode()
    assert not Post.objects.filter(body="Three charts").exists()


def test_oversized_file_is_refused_with_the_limit(client, thread, member, settings):
    settings.POST_ATTACHMENT_MAX_BYTES = 1000
    client.force_login(member)
    response = client.post(reply_url(thread), {"body": "Big", "attachment_files": [upload("big.txt", b"a" * 5000)]})
    assert response.status_code == 400
    assert "the limit is 1000" in response.content.decode()


def test_new_thread_form_takes_files_without_javascript(client, community, active_membership, member):
    client.force_login(member)
    response = client.post(
        reverse("discussions:new", kwargs={"community_slug": community.slug}),
        {
            "title": "Gabion walls",
            "kind": "discussion",
            "body": "Our first wall",
            "attachment_files": [upload("wall.png", png())],
        },
    )
    assert response.status_code == 302
    attachment = PostAttachment.objects.get()
    assert attachment.post.is_opening and attachment.post.thread.title == "Gabion walls"


def test_edit_form_adds_files_and_keeps_the_old_ones(client, thread, member):
    first = post_with_photo(client, thread, member)
    response = client.post(
        reverse("discussions:post_edit", kwargs={"post_id": first.post_id}),
        {"body": "Here is the dam", "attachment_files": [upload("plan.pdf", b"%PDF-1.4\n%%EOF\n")]},
    )
    assert response.status_code == 302
    assert sorted(first.post.attachments.values_list("original_name", flat=True)) == ["dam_site.jpg", "plan.pdf"]


def test_thread_page_without_files_asks_no_attachment_query(client, thread, member):
    make_reply(thread=thread, author=member, body="No pictures here")
    client.force_login(member)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(thread.get_absolute_url()).status_code == 200
    # (The posts query itself carries an EXISTS over attachments: that one rides along.)
    assert not [q for q in captured.captured_queries if q["sql"].startswith('SELECT "discussions_postattachment"')]


def test_uploads_per_hour_are_limited_with_a_message(community, active_membership, member, settings):
    settings.POST_ATTACHMENT_UPLOADS_PER_HOUR = 2
    for number in range(2):
        attachment_upload(actor=member, community=community, upload=upload(f"{number}.png", png()))
    with pytest.raises(ValidationError, match="many files in the last hour"):
        attachment_upload(actor=member, community=community, upload=upload("third.png", png()))
    assert PostAttachment.objects.count() == 2


def test_uploads_never_posted_expire_and_go_with_a_deleted_account(
    community, active_membership, member, django_capture_on_commit_callbacks
):
    old = attachment_upload(actor=member, community=community, upload=upload("old.png", png()))
    PostAttachment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(days=8))
    storage = storages["post_attachments"]
    with django_capture_on_commit_callbacks(execute=True):
        fresh = attachment_upload(actor=member, community=community, upload=upload("fresh.png", png()))
    assert list(PostAttachment.objects.all()) == [fresh]
    assert not storage.exists(old.stored_name)
    with django_capture_on_commit_callbacks(execute=True):
        account_delete(actor=member, user=member, password="correct horse battery staple")
    assert not PostAttachment.objects.exists()
    assert not storage.exists(fresh.stored_name)


def test_beat_removes_uploads_never_posted_of_members_who_never_came_back(
    settings, community, active_membership, member, django_capture_on_commit_callbacks
):
    old = attachment_upload(actor=member, community=community, upload=upload("old.png", png()))
    recent = attachment_upload(actor=member, community=community, upload=upload("recent.png", png()))
    PostAttachment.objects.filter(pk=old.pk).update(created_at=timezone.now() - timezone.timedelta(days=8))
    storage = storages["post_attachments"]

    with django_capture_on_commit_callbacks(execute=True):
        assert prune_pending_attachments.delay().get() == 1
    assert list(PostAttachment.objects.values_list("pk", flat=True)) == [recent.pk]
    assert not storage.exists(old.stored_name) and storage.exists(recent.stored_name)
    assert prune_pending_attachments.delay().get() == 0  # a second run removes nothing more
    assert settings.CELERY_BEAT_SCHEDULE["prune-pending-attachments"]["task"] == prune_pending_attachments.name
