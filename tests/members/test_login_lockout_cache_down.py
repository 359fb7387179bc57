"""A cache outage never keeps a member from signing in: the login limits are skipped (and
logged) while the cache (Redis) is down. Real Redis on its own port, stopped mid-test."""

import os
import shutil
import socket
import subprocess
import time

import pytest
from django.urls import reverse

from tests.loopback import free_port

PASSWORD = "correct horse battery staple"


@pytest.fixture
def own_redis():
    """A redis-server of this test's own on a free loopback port (never the shared 6379)."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is required in CI")
        pytest.skip("redis-server is not installed")
    port = free_port()
    process = subprocess.Popen(  # noqa: S603 - a fixed binary, loopback only, no persistence
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],  # noqa: S607
        stdout=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)
    yield process, port
    process.kill()
    process.wait()


@pytest.mark.integration
@pytest.mark.django_db
def test_members_sign_in_while_the_cache_is_down(client, member, settings, own_redis, caplog):
    process, port = own_redis
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0"}
    }
    # allauth's own per-view limit on the login page also lives in the cache; that one is not
    # part of these limits (README "Signing in and lockout"), so it is left out here.
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "login": None}
    login = reverse("account_login")
    assert b"are not correct" in client.post(login, {"login": member.email, "password": "guess"}).content

    process.terminate()
    process.wait()
    started = time.monotonic()
    wrong = client.post(login, {"login": member.email, "password": "guess"})
    right = client.post(login, {"login": member.email, "password": PASSWORD})
    elapsed = time.monotonic() - started

    print(f"cache down: wrong password {wrong.status_code}, right password {right.status_code}, {elapsed:.2f} s")
    assert b"are not correct" in wrong.content
    assert right.status_code == 302
    assert "the cache failed" in caplog.text
