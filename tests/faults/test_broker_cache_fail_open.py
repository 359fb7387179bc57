"""The Redis cache backend fails open: with nothing listening on its port, every operation
answers as for a missing key, rate limits (ours and allauth's) allow and the log says so, and
after the first failure the backend does not try Redis again for REDIS_FAILURE_BACKOFF
seconds. No server needed: port 1 refuses connections."""

import logging
import time

import pytest
from allauth.core import ratelimit as allauth_ratelimit
from django.core.cache import caches
from django.test import RequestFactory

from cop_platform import circuit, ratelimit

DEAD_REDIS = "redis://127.0.0.1:1/0"


@pytest.fixture
def dead_cache(settings):
    settings.CACHES = {
        "default": {
            "BACKEND": "cop_platform.cache.FailOpenRedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    circuit.reset_all()
    yield caches["default"]
    circuit.reset_all()


def test_a_dead_redis_cache_answers_as_if_every_key_were_missing(dead_cache, caplog):
    with caplog.at_level(logging.WARNING):
        assert dead_cache.get("k", "default") == "default"
    assert "Cache unavailable" in caplog.text
    assert dead_cache.add("k", 1) is True
    dead_cache.set("k", 1)
    assert dead_cache.get_many(["k", "j"]) == {}
    assert dead_cache.delete("k") is False
    with pytest.raises(ValueError):
        dead_cache.incr("k")


def test_rate_limits_allow_while_the_cache_is_down(dead_cache, settings):
    settings.ACCOUNT_RATE_LIMITS = {"login_failed": "1/m/ip"}
    assert all(ratelimit.allow("posts:1", limit=1, period=60) for _ in range(5))
    request = RequestFactory().post("/accounts/login/", REMOTE_ADDR="127.0.0.1")
    assert all(allauth_ratelimit.consume(request, action="login_failed") for _ in range(5))


def test_after_one_failure_the_cache_skips_redis_for_a_while(dead_cache, settings):
    settings.REDIS_FAILURE_BACKOFF = 60
    dead_cache.get("first")  # fails, opens the circuit
    assert circuit.circuit_for(DEAD_REDIS, seconds=60).is_open
    started = time.monotonic()
    for number in range(200):
        dead_cache.get(f"key{number}")
    assert time.monotonic() - started < 0.1  # no connection attempted


def test_the_rate_limiter_allows_when_any_cache_backend_raises(settings, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": DEAD_REDIS}}
    with caplog.at_level(logging.WARNING):
        assert ratelimit.allow("posts:1", limit=1, period=60)
    assert "not counted, allowing" in caplog.text
