"""The production cache (cop_platform/cache.py's fail-open Redis) as a test's CACHES setting."""


def fail_open_redis_caches(location: str, *, key_prefix: str = "") -> dict:
    """CACHES on the Redis at `location`, with the short timeouts production uses; give each
    xdist worker its own `key_prefix` when tests share one Redis database."""
    return {
        "default": {
            "BACKEND": "cop_platform.cache.FailOpenRedisCache",
            "LOCATION": location,
            "KEY_PREFIX": key_prefix,
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
