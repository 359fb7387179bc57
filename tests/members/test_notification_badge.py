"""The navigation's unread badge, kept in the cache (members/notifications.py): always the count
the notifications page would show, after new notifications, reading, a post hidden, a community
left; with the in-process cache, the real Redis, and a Redis that is down."""

import os
import uuid

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from communities.services import membership_leave
from discussions.services.moderating import post_hide
from members.models import Notification
from members.notifications import (
    UNREAD_COUNT_SECONDS,
    notification_create,
    notifications_create,
    notifications_mark_read,
)
from tests.communities.factories import CommunityFactory, MembershipFactory
from tests.discussions.factories import make_reply, make_thread
from tests.redis_cache import fail_open_redis_caches

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("NOTIFICATION_BADGE_TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
LIGHT_PAGE = "/help/shortcuts/"


@pytest.fixture(params=["locmem", "redis"])
def any_cache(request, settings):
    """Each test runs on the in-process cache and on the real Redis (its own key prefix, removed
    afterwards, so parallel runs never see each other's counts)."""
    if request.param == "locmem":
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
        }
        yield request.param
        return
    prefix = f"badge-test-{uuid.uuid4().hex}"
    settings.CACHES = fail_open_redis_caches(REDIS_URL, key_prefix=prefix)
    yield request.param
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def badge(client) -> int:
    return client.get(LIGHT_PAGE).context["unread_notifications"]


def listed(client) -> int:
    """How many unread notifications the notifications page shows."""
    return sum(1 for n in client.get(reverse("members:notifications")).context["notifications"] if n.read_at is None)


@pytest.fixture
def thread(community, active_membership, member):
    return make_thread(community=community, author=member, title="Chlorination doses")


def notify(recipient, post, kind="reply"):
    return notification_create(
        recipient=recipient, actor=None, kind=kind, target=post, title="A reply", url=post.get_absolute_url()
    )


def test_a_new_notification_shows_at_once_one_or_in_bulk(
    any_cache, client, member, other_member, coordinator, thread, django_capture_on_commit_callbacks
):
    client.force_login(member)
    assert badge(client) == 0
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, make_reply(thread=thread, author=coordinator))
    assert badge(client) == listed(client) == 1
    opening = thread.posts.order_by("pk").first()  # no new post: nothing else changes
    with django_capture_on_commit_callbacks(execute=True):
        notifications_create(
            actor=coordinator,
            target=opening,
            url="/",
            recipients=[(member, "mention", "t"), (other_member, "mention", "t")],
        )
    assert badge(client) == listed(client) == 2


def test_reading_empties_the_badge(any_cache, client, member, coordinator, thread, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = notify(member, make_reply(thread=thread, author=coordinator))
        notify(member, make_reply(thread=thread, author=coordinator))
    client.force_login(member)
    assert badge(client) == 2
    client.get(reverse("members:notification_open", args=[first.pk]))
    assert badge(client) == 1
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("members:notifications_read_all"))
    assert badge(client) == listed(client) == 0


def test_a_hidden_post_leaves_the_badge(
    any_cache, client, member, other_member, coordinator, community, thread, django_capture_on_commit_callbacks
):
    MembershipFactory(community=community, user=other_member)
    reply = make_reply(thread=thread, author=coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        notify(other_member, reply, kind="mention")
    client.force_login(other_member)
    assert badge(client) == 1
    with django_capture_on_commit_callbacks(execute=True):
        post_hide(actor=coordinator, post=reply, reason="Off topic")
    assert badge(client) == listed(client) == 0


def test_leaving_a_private_community_leaves_the_badge(
    any_cache, client, member, other_member, django_capture_on_commit_callbacks
):
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, user=member, role="coordinator")
    MembershipFactory(community=private, user=other_member)
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(community=private, author=member, title="Secret budget", body="@otto please review")
    client.force_login(other_member)
    assert badge(client) == 1
    with django_capture_on_commit_callbacks(execute=True):
        membership_leave(actor=other_member, community=private)
    assert badge(client) == listed(client) == 0


def test_redis_down_the_badge_is_still_right(
    settings, client, member, coordinator, thread, django_capture_on_commit_callbacks
):
    settings.CACHES = fail_open_redis_caches(DEAD_REDIS, key_prefix="badge-dead")
    client.force_login(member)
    assert badge(client) == 0
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, make_reply(thread=thread, author=coordinator))
    assert badge(client) == 1
    notifications_mark_read(actor=member)
    assert badge(client) == 0


def _queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIGHT_PAGE).status_code == 200
    return len(queries)


def test_a_light_page_with_no_unread_notification_costs_the_session_and_the_member(any_cache, client, member):
    client.force_login(member)
    # Counted once: the session, the member, the (empty) unread notifications.
    assert _queries(client) == 3
    # Then kept: the session and the member only.
    assert _queries(client) == 2


def test_a_light_page_with_five_unread_notifications(
    any_cache, client, member, coordinator, thread, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(5):
            notify(member, make_reply(thread=thread, author=coordinator))
    client.force_login(member)
    # Counted once: session, member, the unread notifications, their posts' communities, the
    # communities' slugs (the cache's generations are by slug), which posts the member may see.
    assert _queries(client) == 6
    assert client.get(LIGHT_PAGE).context["unread_notifications"] == 5
    assert _queries(client) == 2


def test_the_live_badge_poll_answers_the_kept_count(
    any_cache, client, member, coordinator, thread, django_capture_on_commit_callbacks
):
    client.force_login(member)
    url = reverse("members:notification_count")
    assert client.get(url).json()["unread"] == 0
    with django_capture_on_commit_callbacks(execute=True):
        notify(member, make_reply(thread=thread, author=coordinator))
    assert client.get(url).json()["unread"] == 1
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).json()["unread"] == 1
    assert len(queries) == 2  # the session and the member: the count is kept


def test_a_change_no_service_announces_is_seen_within_the_expiry(
    settings, client, member, other_member, monkeypatch, django_capture_on_commit_callbacks
):
    """A membership row deleted behind the services' back bumps no generation: the kept count
    lasts UNREAD_COUNT_SECONDS at most."""
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": uuid.uuid4().hex}
    }
    private = CommunityFactory(visibility="private")
    MembershipFactory(community=private, user=member, role="coordinator")
    membership = MembershipFactory(community=private, user=other_member)
    with django_capture_on_commit_callbacks(execute=True):
        make_thread(community=private, author=member, title="Secret budget", body="@otto please review")
    client.force_login(other_member)
    now = 1_000_000.0
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: now)
    assert badge(client) == 1
    membership.delete()
    now += UNREAD_COUNT_SECONDS - 1
    assert badge(client) == 1  # still kept
    now += 2
    assert badge(client) == listed(client) == 0
    assert Notification.objects.filter(recipient=other_member, read_at=None).count() == 1
