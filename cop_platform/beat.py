"""One beat at a time: the scheduler that `celery -A cop_platform beat` uses (settings:
CELERY_BEAT_SCHEDULER).

A second beat started by mistake (a copied unit, a second host) would fire every periodic task
twice. This scheduler holds a lock in the broker's Redis: a key with a random token and a TTL
of BEAT_LOCK_TTL seconds, set only if absent and renewed on every tick (at least every third of
the TTL) only while it still holds our token. A beat without the lock runs nothing and says so
in its log, and looks again every tenth of the TTL: when the running beat stops (cleanly: it
releases the lock; killed: the key expires), a standing-by beat takes over within about the
TTL. A beat that cannot reach Redis runs nothing either (it could not send the tasks anyway),
and takes the lock again once Redis is back.

Why Redis and not a Postgres advisory lock: beat only ever talks to the broker, an advisory
lock lives as long as one database session (a pooled or restarted connection silently drops
it), and Redis's SET NX PX gives expiry for free, so a killed beat never blocks the other.
Without a Redis broker (tasks run in-process) there is nothing to lock.
"""

import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler
from celery.utils.log import get_logger
from django.conf import settings

logger = get_logger(__name__)

# Renew the TTL only if the key still holds our token; release likewise.
RENEW = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"
RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"


class LockedScheduler(PersistentScheduler):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        broker_url = self.app.conf.broker_url or ""
        self.lock_ttl = float(getattr(settings, "BEAT_LOCK_TTL", 60))
        self.lock_key = f"cop_platform:beat-lock:{self.app.conf.task_default_queue}"
        self.token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.redis = None
        if broker_url.startswith(("redis://", "rediss://")):
            self.redis = redis.Redis.from_url(broker_url, socket_timeout=2, socket_connect_timeout=2)
        self.leading = None  # unknown until the first tick

    def tick(self, *args, **kwargs):
        if self.redis is None:
            return super().tick(*args, **kwargs)
        leading = self._hold_lock()
        if leading != self.leading:
            self._say(leading)
            self.leading = leading
        if not leading:
            # Look often enough that taking over adds little to the TTL.
            return self.lock_ttl / 10
        return min(super().tick(*args, **kwargs), self.lock_ttl / 3)

    def _hold_lock(self) -> bool:
        ttl_ms = int(self.lock_ttl * 1000)
        try:
            if self.redis.eval(RENEW, 1, self.lock_key, self.token, ttl_ms):
                return True
            return bool(self.redis.set(self.lock_key, self.token, nx=True, px=ttl_ms))
        except redis.RedisError as error:
            logger.warning("beat: cannot reach Redis for the beat lock (%s); running nothing until it answers", error)
            return False

    def _say(self, leading: bool) -> None:
        if leading:
            logger.warning("beat: holding the beat lock %s (%s); running the schedule", self.lock_key, self.token)
            return
        try:
            holder = (self.redis.get(self.lock_key) or b"nobody").decode()
        except redis.RedisError:
            holder = "unknown"
        logger.warning(
            "beat: another beat (%s) holds the beat lock %s; this one stands by and runs nothing, "
            "and takes over within %ss if that one stops. Run only one beat.",
            holder,
            self.lock_key,
            self.lock_ttl,
        )

    def close(self):
        super().close()
        if self.redis is not None and self.leading:
            try:
                self.redis.eval(RELEASE, 1, self.lock_key, self.token)
            except redis.RedisError:
                pass  # the key expires by itself
