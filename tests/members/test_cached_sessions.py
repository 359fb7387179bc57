"""Sessions read from Redis, kept in the database (cop_platform/sessions.py, the engine production
uses with CACHE_URL=redis://): one query less on every signed-in page, and a session is still
revocable at once: signing out, a password change on another device and a deactivated account
each end it; with Redis down members still sign in and stay signed in (the database answers).
Real Redis, a key prefix of each test's own."""

import os
import uuid

import pytest
import redis
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.members.factories import UserFactory
from tests.redis_cache import fail_open_redis_caches

pytestmark = pytest.mark.django_db

REDIS_URL = os.environ.get("CACHED_SESSIONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
DEAD_REDIS = "redis://127.0.0.1:1/0"  # nothing listens on port 1: connection refused
PASSWORD = "correct horse battery staple"
LIGHT_PAGE = "/help/shortcuts/"


@pytest.fixture
def cached_sessions(settings):
    prefix = f"session-test-{uuid.uuid4().hex}"
    settings.CACHES = fail_open_redis_caches(REDIS_URL, key_prefix=prefix)
    settings.SESSION_ENGINE = "cop_platform.sessions"
    yield prefix
    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def signed_in_as(client) -> str | None:
    """The username the light page is drawn for, or None for a visitor."""
    user = client.get(LIGHT_PAGE).context["user"]
    return user.username if user.is_authenticated else None


def sign_in(client, member):
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]


def session_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIGHT_PAGE).status_code == 200
    return sum("django_session" in query["sql"] for query in queries)


def test_a_signed_in_page_reads_the_session_from_redis_not_the_database(cached_sessions, client, member):
    sign_in(client, member)
    assert signed_in_as(client) == member.username
    assert session_queries(client) == 0


def test_a_cached_copy_lives_at_most_session_cache_seconds(cached_sessions, settings, client, member):
    settings.SESSION_CACHE_SECONDS = 120
    sign_in(client, member)
    keys = list(redis.Redis.from_url(REDIS_URL).scan_iter(match=f"{cached_sessions}:*cop.session.*"))
    assert len(keys) == 1
    assert 0 < redis.Redis.from_url(REDIS_URL).ttl(keys[0]) <= 120


def test_the_database_answers_once_the_cached_copy_is_gone(cached_sessions, client, member):
    sign_in(client, member)
    client_redis = redis.Redis.from_url(REDIS_URL)
    client_redis.delete(*client_redis.scan_iter(match=f"{cached_sessions}:*cop.session.*"))
    assert signed_in_as(client) == member.username  # from the database, and cached again
    assert session_queries(client) == 0


def test_signing_out_ends_the_session_for_whoever_kept_the_cookie(cached_sessions, client, member):
    sign_in(client, member)
    stolen = client.cookies["sessionid"].value
    client.post(reverse("account_logout"))
    assert signed_in_as(client) is None
    client.cookies["sessionid"] = stolen
    assert signed_in_as(client) is None


def test_a_password_change_signs_the_other_devices_out(cached_sessions, client, member):
    laptop = client
    phone = type(client)()
    sign_in(laptop, member)
    sign_in(phone, member)
    assert signed_in_as(phone) == member.username
    response = laptop.post(
        reverse("account_change_password"),
        {"oldpassword": PASSWORD, "password1": "a new long passphrase 42", "password2": "a new long passphrase 42"},
    )
    assert response.status_code == 302, response.content[:500]
    assert signed_in_as(laptop) == member.username
    assert signed_in_as(phone) is None


def test_a_deactivated_account_is_signed_out_at_once(cached_sessions, client, member):
    sign_in(client, member)
    assert signed_in_as(client) == member.username
    type(member).objects.filter(pk=member.pk).update(is_active=False)
    assert signed_in_as(client) is None


def test_staff_rights_taken_away_apply_to_the_next_page(cached_sessions, client):
    staff = UserFactory(is_staff=True, is_superuser=True)
    sign_in(client, staff)
    assert client.get("/admin/").status_code == 200
    type(staff).objects.filter(pk=staff.pk).update(is_staff=False, is_superuser=False)
    assert client.get("/admin/").status_code == 302  # to the admin's sign-in page


def test_with_redis_down_members_sign_in_and_stay_signed_in(settings, client, member):
    settings.CACHES = fail_open_redis_caches(DEAD_REDIS, key_prefix="sessions-dead")
    settings.SESSION_ENGINE = "cop_platform.sessions"
    sign_in(client, member)
    assert signed_in_as(client) == member.username
    assert signed_in_as(client) == member.username
    client.post(reverse("account_logout"))
    assert signed_in_as(client) is None
