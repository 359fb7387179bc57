"""Sessions read from the shared cache (Redis), kept in the database: one query less on every
signed-in page, nobody signed out by a Redis restart.

Django's cached_db engine: a session is written to the database and then to the cache; read
from the cache, and from the database on a miss (then cached again). The database stays the
truth, so a cache that is down (cop_platform/cache.py answers every read as a miss and drops
writes) only costs the query we save, and signing in works as before.

One difference from Django's: a cached copy lives at most SESSION_CACHE_SECONDS, not until the
session expires. A session deleted (signing out) or changed while this process could not reach
Redis leaves its old copy in Redis; that copy then expires within that time instead of
weeks later, and until then the database's rows still decide for everything that is not in the
session itself: a password change or a deactivated account signs the session out at once
(the user is read from the database on every request, never cached, and Django checks the
session's password hash against it).

Used only with a shared cache (settings: SESSION_ENGINE with CACHE_URL=redis://): an
in-process cache would keep a session that another process signed out.
"""

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.contrib.sessions.backends.db import SessionStore as DBStore


class SessionStore(CachedDBStore):
    cache_key_prefix = "cop.session."

    def _cache_seconds(self, expiry_age: int) -> int:
        return max(0, min(expiry_age, settings.SESSION_CACHE_SECONDS))

    def load(self):
        # The cache is cop_platform.cache's fail-open Redis: an error is a miss, not an exception.
        data = self._cache.get(self.cache_key)
        if data is None:
            row = self._get_session_from_db()
            if row:
                data = self.decode(row.session_data)
                self._cache.set(self.cache_key, data, self._cache_seconds(self.get_expiry_age(expiry=row.expire_date)))
            else:
                data = {}
        return data

    def save(self, must_create=False):
        DBStore.save(self, must_create)
        # A write Redis does not take is dropped (fail open): the database has the session.
        self._cache.set(self.cache_key, self._session, self._cache_seconds(self.get_expiry_age()))
