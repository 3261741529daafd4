"""Cached, database-backed sessions (Django's cached_db) that take their cache entry from the request's
prefetched entries (core.prefetch) when the prefetch middleware read it: one round trip fewer."""

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore

from . import prefetch


class SessionStore(CachedDBStore):
    def load(self):
        data = prefetch.take(self.cache_key) if self.session_key else prefetch.MISSING
        if data is prefetch.MISSING or data is None:  # not prefetched, or not in the cache: as cached_db does
            return super().load()
        return data
