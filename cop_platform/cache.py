"""The Redis cache backend, made to fail open: a cache that is down never fails a request.

Everything this project keeps in the cache can be lost: rate-limit counters (ours in
cop_platform/ratelimit.py and allauth's), digest sections computed once per run. So when
Redis errors or times out, each operation answers as if the key were missing: `get` gives the
default, `add` reports the key stored (allauth's lock is taken, the limiter counts from one),
writes are dropped. Rate limits therefore allow while the cache is down, and the log says so.
After one failure the process skips that Redis for REDIS_FAILURE_BACKOFF seconds (a circuit
breaker, shared with the broker when both are on the same Redis), so a page that touches the
cache ten times and queues tasks pays one short socket timeout (CACHE_SOCKET_TIMEOUT), not
ten. Sessions are only read from the cache: the database keeps them (cop_platform/sessions.py),
so nobody is signed out by a Redis restart and a dead Redis costs a session one query.
"""

import logging
from functools import wraps

import redis
from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

from .circuit import circuit_for

logger = logging.getLogger(__name__)


def _fail_open(method_name: str, miss):
    """Wrap RedisCacheClient.<method_name>: on a Redis error (or while the circuit is open)
    answer `miss(*args)`, what that method answers for a missing key."""
    original = getattr(RedisCacheClient, method_name)

    @wraps(original)
    def call(self, *args):
        circuit = circuit_for(self._servers[0], seconds=settings.REDIS_FAILURE_BACKOFF)
        if circuit.is_open:
            return miss(*args)
        try:
            return original(self, *args)
        except redis.RedisError as error:
            circuit.trip(error)
            logger.warning("Cache unavailable: every read is a miss and rate limits allow meanwhile")
            return miss(*args)

    return call


def _incr_miss(key, delta):
    # What Django raises for a missing key: the rate limiter then starts a new count at one.
    raise ValueError(f"Key {key!r} not found (cache unavailable).")


class FailOpenRedisCacheClient(RedisCacheClient):
    add = _fail_open("add", lambda key, value, timeout: True)
    get = _fail_open("get", lambda key, default: default)
    set = _fail_open("set", lambda key, value, timeout: None)
    touch = _fail_open("touch", lambda key, timeout: False)
    delete = _fail_open("delete", lambda key: False)
    get_many = _fail_open("get_many", lambda keys: {})
    has_key = _fail_open("has_key", lambda key: False)
    incr = _fail_open("incr", _incr_miss)
    set_many = _fail_open("set_many", lambda data, timeout: None)
    delete_many = _fail_open("delete_many", lambda keys: None)
    clear = _fail_open("clear", lambda: False)


class FailOpenRedisCache(RedisCache):
    """BACKEND for CACHE_URL=redis://... (see settings "--- Cache ---")."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = FailOpenRedisCacheClient
