"""A small fixed-window rate limiter on the cache (Redis in production, so it holds across
gunicorn processes). Used by services that must slow down floods of posts.

A failing cache never fails a request: the limiter then allows and logs it (the Redis backend
in cop_platform/cache.py already answers "missing" when Redis is down; this also covers any
other cache backend that raises)."""

import logging
import time

from django.core.cache import cache

logger = logging.getLogger(__name__)


def allow(key: str, *, limit: int, period: int) -> bool:
    """Count one attempt at `key`; True while at most `limit` attempts fell in the current
    `period`-second window, or when the cache cannot count."""
    if limit <= 0:
        return True
    window = int(time.time() // period)
    cache_key = f"ratelimit:{key}:{window}"
    try:
        cache.add(cache_key, 0, timeout=period + 1)
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr, or the cache lost it
            cache.set(cache_key, 1, timeout=period + 1)
            count = 1
    except Exception as error:  # noqa: BLE001 - whatever the cache raises, the request goes on
        logger.warning("Rate limit %s not counted, allowing (cache error: %s)", key, error)
        return True
    return count <= limit
