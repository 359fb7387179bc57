"""A small fixed-window rate limiter on the cache (Redis in production, so it holds across
gunicorn processes). Used by services that must slow down floods of posts."""

import time

from django.core.cache import cache


def allow(key: str, *, limit: int, period: int) -> bool:
    """Count one attempt at `key`; True while at most `limit` attempts fell in the current
    `period`-second window."""
    if limit <= 0:
        return True
    window = int(time.time() // period)
    cache_key = f"ratelimit:{key}:{window}"
    cache.add(cache_key, 0, timeout=period + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=period + 1)
        count = 1
    return count <= limit
