"""Writes go through the pages' services, so their rules hold through the API too."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from communities.health.snapshots import snapshot_take
from communities.models import Membership
from discussions.models import Post, Reaction, Thread
from resources.models import Resource
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_thread
from tests.members.factories import UserFactory
from tests.resources.factories import make_file_resource, pdf

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_member_starts_a_thread_and_replies(community, active_membership, member):
    api = client_for(member)
    created = api.post(
        "/api/v1/threads/",
        {
            "community": community.slug,
            "title": "Sand dams",
            "body": "How **deep**?",
            "kind": "question",
            "tags": ["dams"],
        },
        format="json",
    )
    assert created.status_code == 201, created.content
    thread = Thread.objects.get(pk=created.json()["id"])
    assert thread.kind == "question" and list(thread.tags.names()) == ["dams"]
    reply = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "Two _metres_."}, format="json")
    assert reply.status_code == 201, reply.content
    body = reply.json()
    assert body["body"] == "Two _metres_." and "<em>metres</em>" in body["body_html"]
    posts = api.get(f"/api/v1/threads/{thread.pk}/posts/").json()["results"]
    assert [p["is_opening"] for p in posts] == [True, False]
    assert "<strong>deep</strong>" in posts[0]["body_html"]


def test_html_in_a_post_comes_back_sanitised(community, active_membership, member):
    api = client_for(member)
    thread = make_thread(community=community, author=member)
    reply = api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "<script>alert(1)</script> hi"}, format="json")
    assert "<script>" not in reply.json()["body_html"]


def test_a_retried_reply_with_the_same_key_posts_once(community, active_membership, member):
    api = client_for(member)
    thread = make_thread(community=community, author=member)
    for _ in range(2):
        api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "once", "submission_key": "k-1"}, format="json")
    assert Post.objects.filter(thread=thread, body="once").count() == 1


def test_non_member_cannot_post_in_a_members_only_community(member):
    private = CommunityFactory(slug="closed", visibility="private")
    coordinator = MembershipFactory(community=private, role="coordinator").user
    thread = make_thread(community=private, author=coordinator)
    api = client_for(member)
    # They cannot see it, so it does not exist for them.
    assert api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "hi"}, format="json").status_code == 404
    response = api.post("/api/v1/threads/", {"community": "closed", "title": "x", "body": "y"}, format="json")
    assert response.status_code == 404
    assert Post.objects.filter(thread=thread).count() == 1


def test_non_member_of_a_public_community_is_told_to_join(community, coordinator, member):
    thread = make_thread(community=community, author=coordinator)
    response = client_for(member).post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "hi"}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"] == "Only active members can reply here."


def test_locked_thread_refuses_members_with_the_reason(community, active_membership, member, coordinator):
    thread = make_thread(community=community, author=coordinator)
    Thread.objects.filter(pk=thread.pk).update(is_locked=True)
    response = client_for(member).post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "hi"}, format="json")
    assert response.status_code == 403 and "locked" in response.json()["detail"]
    assert (
        client_for(coordinator).post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "ok"}, format="json").status_code
        == 201
    )


def test_banned_member_cannot_post_or_react(community, coordinator):
    banned = MembershipFactory(community=community, state="banned").user
    thread = make_thread(community=community, author=coordinator)
    api = client_for(banned)
    assert api.post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "hi"}, format="json").status_code == 403
    opening = thread.posts.get()
    assert api.post(f"/api/v1/posts/{opening.pk}/reactions/", {"kind": "thanks"}, format="json").status_code == 403
    assert not Reaction.objects.exists()


def test_reacting_sets_and_takes_back(community, active_membership, member, coordinator):
    opening = make_thread(community=community, author=coordinator).posts.get()
    api = client_for(member)
    on = api.post(f"/api/v1/posts/{opening.pk}/reactions/", {"kind": "helpful"}, format="json")
    assert on.json() == {"kind": "helpful", "active": True, "count": 1}
    again = api.post(f"/api/v1/posts/{opening.pk}/reactions/", {"kind": "helpful"}, format="json")
    assert again.json()["count"] == 1  # stating the same reaction twice keeps one
    listed = api.get(f"/api/v1/posts/{opening.pk}/reactions/").json()["results"]
    assert [(r["user"]["username"], r["kind"]) for r in listed] == [("mira", "helpful")]
    off = api.delete(f"/api/v1/posts/{opening.pk}/reactions/helpful/")
    assert off.json() == {"kind": "helpful", "active": False, "count": 0}
    assert api.post(f"/api/v1/posts/{opening.pk}/reactions/", {"kind": "love"}, format="json").status_code == 400


def test_join_open_and_ask_to_join_approval_then_coordinator_approves(community, member, coordinator):
    api = client_for(member)
    joined = api.post(f"/api/v1/communities/{community.slug}/membership/", {}, format="json")
    assert joined.status_code == 201 and joined.json()["state"] == "active"
    assert api.delete(f"/api/v1/communities/{community.slug}/membership/").status_code == 204
    assert not Membership.objects.filter(user=member, community=community).exists()

    gated = CommunityFactory(slug="gated", join_policy="approval")
    gate_keeper = MembershipFactory(community=gated, role="coordinator").user
    asked = api.post("/api/v1/communities/gated/membership/", {"message": "Hydrologist"}, format="json")
    assert asked.status_code == 202 and asked.json()["state"] == "pending"
    request_id = asked.json()["id"]
    # Neither the requester nor a coordinator elsewhere can approve it.
    assert api.post(f"/api/v1/communities/gated/join-requests/{request_id}/approve/").status_code == 403
    assert (
        client_for(coordinator).post(f"/api/v1/communities/gated/join-requests/{request_id}/approve/").status_code
        == 403
    )
    approved = client_for(gate_keeper).post(f"/api/v1/communities/gated/join-requests/{request_id}/approve/")
    assert approved.status_code == 200 and approved.json()["state"] == "active"
    assert api.get("/api/v1/communities/gated/membership/").json()["state"] == "active"


def test_invitation_only_and_banned_cannot_join(member):
    CommunityFactory(slug="invite-only", join_policy="invitation")
    api = client_for(member)
    response = api.post("/api/v1/communities/invite-only/membership/", {}, format="json")
    assert response.status_code == 403 and "invitation" in response.json()["detail"]
    banned_from = CommunityFactory(slug="banned-from")
    MembershipFactory(community=banned_from, user=member, state="banned")
    assert api.post("/api/v1/communities/banned-from/membership/", {}, format="json").status_code == 403


def test_last_coordinator_cannot_leave(community, coordinator):
    response = client_for(coordinator).delete(f"/api/v1/communities/{community.slug}/membership/")
    assert response.status_code == 400 and "last coordinator" in response.json()["detail"]


def test_member_uploads_a_file_through_the_library_checks(community, active_membership, member):
    api = client_for(member)
    response = api.post(
        "/api/v1/resources/",
        {"community": community.slug, "kind": "file", "title": "Logbook", "upload": pdf(), "tags": "wells, logs"},
        format="multipart",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["current_version"]["original_name"] == "report.pdf"
    assert (
        body["current_version"]["download_url"].endswith("/download/")
        or "/download" in body["current_version"]["download_url"]
    )
    resource = Resource.objects.get(pk=body["id"])
    assert sorted(resource.tags.names()) == ["logs", "wells"]
    # The download goes through the site's visibility-checked view.
    download = api.get(body["current_version"]["download_url"])
    assert download.status_code == 200


def test_an_upload_the_library_refuses_is_refused_by_the_api_with_the_same_words(community, active_membership, member):
    page = SimpleUploadedFile("evil.html", b"<html><script>alert(1)</script></html>", content_type="text/html")
    response = client_for(member).post(
        "/api/v1/resources/",
        {"community": community.slug, "kind": "file", "title": "Evil", "upload": page},
        format="multipart",
    )
    assert response.status_code == 400
    assert "upload" in response.json()["errors"]
    assert not Resource.objects.exists()


def test_adding_a_link_needs_membership(community, coordinator):
    outsider = UserFactory(username="walker")
    data = {"community": community.slug, "kind": "link", "title": "WHO", "url": "https://who.int/"}
    assert client_for(outsider).post("/api/v1/resources/", data, format="json").status_code == 403
    assert client_for(coordinator).post("/api/v1/resources/", data, format="json").status_code == 201


def test_notifications_mark_read(community, active_membership, member, coordinator, committed):
    thread = make_thread(community=community, author=member)
    with committed():
        client_for(coordinator).post(f"/api/v1/threads/{thread.pk}/posts/", {"body": "Answer"}, format="json")
    api = client_for(member)
    listed = api.get("/api/v1/notifications/").json()["results"]
    assert listed and listed[0]["is_read"] is False
    assert api.post("/api/v1/notifications/mark-read/", {}, format="json").json()["marked"] >= 1
    assert api.get("/api/v1/notifications/").json()["results"][0]["is_read"] is True


def test_token_holders_download_private_files_through_the_librarys_check(member):
    private = CommunityFactory(slug="vault", visibility="private")
    MembershipFactory(community=private, user=member)
    resource = make_file_resource(community=private, author=member)
    api = client_for(member, scope="read")
    detail = api.get(f"/api/v1/resources/{resource.pk}/").json()
    download = api.get(detail["current_version"]["api_download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    outsider = client_for(UserFactory(username="peeker"), scope="read")
    assert outsider.get(f"/api/v1/resources/{resource.pk}/download/").status_code == 404
    assert client_for(None).get(f"/api/v1/resources/{resource.pk}/download/?version=1").status_code == 404


def test_coordinators_invite_by_email_for_provisioning(community, coordinator, active_membership, member, committed):
    with committed():
        response = client_for(coordinator).post(
            f"/api/v1/communities/{community.slug}/invitations/", {"email": "New.Hire@Example.org"}, format="json"
        )
    assert response.status_code == 201, response.content
    assert response.json()["email"] == "new.hire@example.org" and "token" not in response.json()
    assert [m.to for m in mail.outbox] == [["new.hire@example.org"]]
    refused = client_for(member).post(
        f"/api/v1/communities/{community.slug}/invitations/", {"email": "x@example.org"}, format="json"
    )
    assert refused.status_code == 403
    again = client_for(coordinator).post(
        f"/api/v1/communities/{community.slug}/invitations/", {"email": member.email}, format="json"
    )
    assert again.status_code == 400 and "already a member" in again.json()["errors"]["email"][0]


def test_coordinators_read_the_health_figures_of_the_page(community, coordinator, active_membership, member):
    make_thread(community=community, author=member)
    snapshot_take(community=community, day=timezone.now().date())
    body = client_for(coordinator, scope="read").get(f"/api/v1/communities/{community.slug}/health/").json()
    assert body["latest"]["figures"]["members_total"] == 2
    assert body["critical_mass"] == community.critical_mass and body["critical_mass_reached"] is False
    assert body["days"][-1]["day"] == str(timezone.now().date())
    assert "members_total" in body["glossary"]
