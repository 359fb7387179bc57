"""What a shared cache or proxy is told about each page: pages drawn for a signed-in member are
private (the sensitive ones not stored at all) and vary on the cookie; pages for visitors stay
as they were; a response that chose its own caching keeps it."""

import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from cop_platform.cache_headers import MemberPagesPrivateMiddleware
from tests.discussions.factories import make_thread
from tests.resources.factories import make_file_resource

pytestmark = pytest.mark.django_db


def cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def varies_on_cookie(response) -> bool:
    return "cookie" in {part.strip().lower() for part in response.get("Vary", "").split(",")}


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Dry season borehole readings")


@pytest.mark.parametrize(
    ("who", "address", "expected"),
    [
        ("member", "thread", {"private", "no-cache"}),
        ("member", "/", {"private", "no-cache"}),
        ("member", "/notifications/", {"private", "no-store"}),
        ("member", "/settings/", {"private", "no-store"}),
        ("coordinator", "health_export", {"private", "no-store"}),
        ("coordinator", "/manage/", {"private", "no-store"}),
    ],
)
def test_pages_for_a_signed_in_member_are_private_and_vary_on_the_cookie(
    client, community, thread, member, coordinator, who, address, expected
):
    client.force_login({"member": member, "coordinator": coordinator}[who])
    path = {
        "thread": thread.get_absolute_url(),
        "health_export": reverse("communities:health_export", kwargs={"slug": community.slug}),
    }.get(address, address)

    response = client.get(path)

    print(f"{who} GET {path}: {response.status_code} Cache-Control={response.get('Cache-Control')!r}")
    assert response.status_code == 200
    assert expected <= cache_control(response)
    assert "public" not in cache_control(response)
    assert varies_on_cookie(response)


def test_a_public_thread_for_a_visitor_is_not_marked_private(client, thread):
    response = client.get(thread.get_absolute_url())
    print(f"visitor GET thread: Cache-Control={response.get('Cache-Control')!r} Vary={response.get('Vary')!r}")
    assert response.status_code == 200
    assert "private" not in cache_control(response) and "no-store" not in cache_control(response)


def test_the_community_feed_for_a_visitor_keeps_its_headers_and_a_member_s_is_private(
    client, community, thread, member
):
    feed = reverse("community_feed", kwargs={"slug": community.slug})
    anonymous = client.get(feed)
    client.force_login(member)
    signed_in = client.get(feed)
    assert anonymous.status_code == signed_in.status_code == 200
    assert "private" not in cache_control(anonymous)
    assert {"private", "no-cache"} <= cache_control(signed_in)


def test_a_library_download_keeps_the_header_its_view_chose(client, community, active_membership, member):
    resource = make_file_resource(community=community, author=member)
    client.force_login(member)
    response = client.get(
        reverse("resources:download", kwargs={"community_slug": community.slug, "resource_id": resource.pk})
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "private"


def test_a_response_with_its_own_cache_control_is_left_alone_without_loading_the_user():
    """The 503 page says no-store and is drawn while the database is away: the member behind
    it must not be looked up (that needs the database)."""

    def unreachable_user():
        raise AssertionError("the user was loaded")

    request = RequestFactory().get("/c/water/")
    request.user = SimpleLazyObject(unreachable_user)
    answer = HttpResponse("Back in a moment", status=503, headers={"Cache-Control": "no-store"})

    response = MemberPagesPrivateMiddleware(lambda request: answer)(request)

    assert response["Cache-Control"] == "no-store" and not response.has_header("Vary")


def test_the_middleware_sees_the_member_and_never_the_static_files():
    middleware = settings.MIDDLEWARE
    ours = middleware.index("cop_platform.cache_headers.MemberPagesPrivateMiddleware")
    assert middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware") < ours
    assert middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") < ours  # answers static files above us
