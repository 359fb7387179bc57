"""The pages' leak tests, repeated through the API: for an outsider, a visitor, a pending
member, a banned member and a coordinator of another community, every private object answers
404 and no list or search ever shows private content (0 leaks). Members and staff see it."""

import pytest
from rest_framework.test import APIClient

from discussions.services.moderating import thread_hide
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.events.factories import make_event
from tests.members.factories import UserFactory
from tests.resources.factories import make_link

from .conftest import client_for

pytestmark = pytest.mark.django_db

SECRET = "wombatsecret"
NO_ACCESS = ["anonymous", "outsider", "pending", "banned", "other_coordinator"]
ACCESS = ["member", "coordinator", "staff"]


@pytest.fixture
def world():
    private = CommunityFactory(slug="private-c", name="Private circle", visibility="private", join_policy="approval")
    hidden = CommunityFactory(
        slug="hidden-c", name=f"Hidden {SECRET} club", visibility="hidden", join_policy="invitation"
    )
    public = CommunityFactory(slug="public-c", name="Open water")
    other = CommunityFactory(slug="other-c", name="Other")
    coordinator = MembershipFactory(community=private, role="coordinator", user=UserFactory(username="pcoord")).user
    member = MembershipFactory(community=private, user=UserFactory(username="pmember")).user
    MembershipFactory(community=hidden, user=member)
    MembershipFactory(community=hidden, role="coordinator", user=coordinator)
    public_coord = MembershipFactory(community=public, role="coordinator", user=UserFactory(username="pubcoord")).user
    people = {
        "anonymous": None,
        "outsider": UserFactory(username="outsider"),
        "pending": MembershipFactory(community=private, state="pending", user=UserFactory(username="pend")).user,
        "banned": MembershipFactory(community=private, state="banned", user=UserFactory(username="banned")).user,
        "other_coordinator": MembershipFactory(
            community=other, role="coordinator", user=UserFactory(username="ocoord")
        ).user,
        "member": member,
        "coordinator": coordinator,
        "staff": UserFactory(username="boss", is_staff=True),
    }
    MembershipFactory(community=public, user=people["outsider"])
    thread = make_thread(community=private, author=member, title=f"The {SECRET} plan", body=f"About {SECRET}.")
    reply = make_reply(thread=thread, author=coordinator, body=f"Re {SECRET}")
    hidden_thread = make_thread(community=hidden, author=member, title=f"Hidden {SECRET} thread", body=SECRET)
    # A hidden (moderated) thread in a public community: coordinators of that community only.
    moderated = make_thread(community=public, author=public_coord, title=f"Moderated {SECRET}", body=SECRET)
    thread_hide(actor=public_coord, thread=moderated, reason="spam")
    resource = make_link(community=private, author=member, title=f"{SECRET} link", url="https://example.org/w")
    event = make_event(community=private, organiser=coordinator, title=f"{SECRET} meeting")
    occurrence = event.occurrences.first()
    return {
        "people": people,
        "private": private,
        "hidden": hidden,
        "thread": thread,
        "reply": reply,
        "hidden_thread": hidden_thread,
        "moderated": moderated,
        "resource": resource,
        "occurrence": occurrence,
    }


def as_role(world, role) -> APIClient:
    return client_for(world["people"][role], scope="read")


def private_urls(w):
    return [
        "/api/v1/communities/hidden-c/",
        "/api/v1/communities/private-c/members/",
        "/api/v1/communities/hidden-c/members/",
        f"/api/v1/threads/{w['thread'].pk}/",
        f"/api/v1/threads/{w['thread'].pk}/posts/",
        f"/api/v1/threads/{w['hidden_thread'].pk}/",
        f"/api/v1/threads/{w['moderated'].pk}/",
        f"/api/v1/posts/{w['reply'].pk}/",
        f"/api/v1/posts/{w['reply'].pk}/reactions/",
        f"/api/v1/resources/{w['resource'].pk}/",
        f"/api/v1/events/{w['occurrence'].pk}/",
        "/api/v1/threads/?community=private-c",
        "/api/v1/resources/?community=private-c",
        "/api/v1/events/?community=private-c",
    ]


LISTS = [
    "/api/v1/communities/",
    "/api/v1/threads/",
    "/api/v1/threads/?community=public-c",
    "/api/v1/resources/",
    "/api/v1/events/",
    f"/api/v1/search/?q={SECRET}",
    f"/api/v1/search/?q={SECRET}&type=post",
]


@pytest.mark.parametrize("role", NO_ACCESS)
def test_private_objects_answer_404_to_those_who_may_not_see_them(world, role):
    api = as_role(world, role)
    for url in private_urls(world):
        response = api.get(url)
        assert response.status_code == 404, f"{role} got {response.status_code} for {url}"
        assert response["Content-Type"] == "application/problem+json"
        assert SECRET not in response.content.decode()


@pytest.mark.parametrize("role", NO_ACCESS)
def test_lists_and_search_never_show_private_content(world, role):
    api = as_role(world, role)
    for url in LISTS:
        response = api.get(url)
        assert response.status_code == 200, (url, response.content)
        assert SECRET not in response.content.decode(), f"{role} sees private content in {url}"


@pytest.mark.parametrize("role", ACCESS)
def test_members_coordinators_and_staff_read_the_private_community(world, role):
    api = as_role(world, role)
    for url in private_urls(world):
        if "moderated" in url or url.endswith(f"/threads/{world['moderated'].pk}/"):
            continue
        assert api.get(url).status_code == 200, (role, url)
    threads = api.get("/api/v1/threads/?community=private-c").json()["results"]
    assert [t["title"] for t in threads] == [f"The {SECRET} plan"]
    found = api.get(f"/api/v1/search/?q={SECRET}&type=thread").json()["results"]
    assert f"The {SECRET} plan" in {hit["title"] for hit in found}  # the leak checks are not vacuous


def test_a_moderated_thread_is_seen_by_its_communitys_coordinators_only(world):
    url = f"/api/v1/threads/{world['moderated'].pk}/"
    assert as_role(world, "coordinator").get(url).status_code == 404  # coordinates elsewhere
    assert as_role(world, "staff").get(url).status_code == 200


def test_health_is_for_the_communitys_coordinators(world):
    url = "/api/v1/communities/private-c/health/"
    assert as_role(world, "coordinator").get(url).status_code == 200
    assert as_role(world, "member").get(url).status_code == 403
    assert as_role(world, "other_coordinator").get(url).status_code == 403
    assert as_role(world, "outsider").get("/api/v1/communities/hidden-c/health/").status_code == 404


def test_join_requests_are_for_coordinators(world):
    url = "/api/v1/communities/private-c/join-requests/"
    rows = as_role(world, "coordinator").get(url).json()["results"]
    assert [r["user"]["username"] for r in rows] == ["pend"]
    for role in ("member", "pending", "other_coordinator"):
        assert as_role(world, role).get(url).status_code == 403


def test_meeting_links_only_for_members(world):
    url = f"/api/v1/events/{world['occurrence'].pk}/"
    assert as_role(world, "member").get(url).json()["meeting_url"] == "https://meet.example.org/room"
    public_event = make_event(community=CommunityFactory(slug="pub-events"), title="Open meeting")
    listed = client_for(None).get("/api/v1/events/?community=pub-events").json()["results"]
    assert listed[0]["title"] == public_event.title and listed[0]["meeting_url"] is None
    everywhere = client_for(None).get("/api/v1/events/").json()["results"]
    assert [(e["title"], e["going_count"]) for e in everywhere] == [(public_event.title, 0)]


def test_profiles_follow_the_profile_rule(world):
    UserFactory(username="shy", profile_visibility="members")
    UserFactory(username="open", profile_visibility="public")
    anonymous = client_for(None)
    assert anonymous.get("/api/v1/members/shy/").status_code == 404
    assert anonymous.get("/api/v1/members/open/").status_code == 200
    names = {m["username"] for m in anonymous.get("/api/v1/members/?page_size=100").json()["results"]}
    assert "shy" not in names and "open" in names
    body = as_role(world, "outsider").get("/api/v1/members/shy/").json()
    assert body["username"] == "shy" and "email" not in body


def test_notifications_are_the_callers_own_and_need_sign_in(world):
    assert client_for(None).get("/api/v1/notifications/").status_code == 401
    assert as_role(world, "member").get("/api/v1/notifications/").status_code == 200
