"""One cache round trip for the entries a request will read first.

A logged-in view of a cached page reads the session, the user's frame and the page's own entries
from the cache: three round trips one after the other, each as long as the rest of the view on a
small machine. The prefetch middleware (unionplan.middleware.PrefetchMiddleware) reads them all in
one `get_many` before the session is loaded; each reader then takes its entry from here with
`take` (once: a second read goes to the cache, so nothing in a request reads an entry older than
its own write), or reads the cache as before when it was not prefetched.

Pages say which entries of their own to prefetch with `register`.

With Redis, the round trip itself is mostly saved too (_Copies): the process keeps a copy of each entry it
prefetched, and Redis tells it when one changes.
"""

from __future__ import annotations

import contextvars
import functools
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.cache import cache, caches
from django_redis.cache import RedisCache

MISSING = object()  # not prefetched (a prefetched entry the cache did not have is None)
_found: contextvars.ContextVar[dict | None] = contextvars.ContextVar("prefetched", default=None)
_pages: dict[str, Callable] = {}  # URL name -> (request, user id) -> the page's cache keys


def register(url_name: str, keys: Callable) -> None:
    """`keys(request, user_id)`: the cache keys the page `url_name` reads first, for a logged-in user."""
    _pages[url_name] = keys


def registered() -> tuple[str, ...]:
    return tuple(_pages)


def page_keys(url_name: str | None, request, user_id: str) -> list[str]:
    keys = _pages.get(url_name) if url_name else None
    return list(keys(request, user_id)) if keys else []


def fetch(keys: Iterable[str]) -> contextvars.Token:
    """Read `keys` in one round trip for this request; `done(token)` when the request is over."""
    keys = list(keys)
    found = _copies.get_many(keys)
    if found is None:  # no Redis to keep copies with (or it failed): the cache, as any read
        found = cache.get_many(keys)
    return _found.set({key: found.get(key) for key in keys})


def done(token: contextvars.Token) -> None:
    _found.reset(token)


def take(key: str):
    """The entry prefetched for `key` (None when the cache had none), once; MISSING when not prefetched."""
    found = _found.get()
    if found is None:
        return MISSING
    return found.pop(key, MISSING)


def get(key: str):
    """cache.get(key), from the prefetched entries when it is there."""
    value = take(key)
    return cache.get(key) if value is MISSING else value


def get_many(keys: Iterable[str]) -> dict:
    """cache.get_many(keys), from the prefetched entries where they are: only the rest is read."""
    found, rest = {}, []
    for key in keys:
        value = take(key)
        if value is MISSING:
            rest.append(key)
        elif value is not None:
            found[key] = value
    if rest:
        found.update(cache.get_many(rest))
    return found


class _Copies:
    """This process's copies of the entries it prefetched, each kept until Redis says it changed.

    The entries a logged-in view reads first (its session, the user's frame, the plans, the page's pointer)
    change seldom and are read on every view. They are read over a connection of their own with Redis's
    client tracking on (CLIENT TRACKING, RESP3): for every key read on it, Redis sends that connection an
    "invalidate" as soon as the key is written, deleted, expired, evicted or flushed, by anyone. A fetch
    first takes what Redis sent (a look at the socket, no round trip) and drops those copies (Redis tracks
    a key it answered "none" for too: its copy is that it is absent, until it is written), then asks
    Redis only for the keys it has no copy of: a view that changed nothing reads no cache at all.

    Redis sends the invalidations of a write in the same turn of its loop as the writer's answer, but not
    before it: a writer that goes on at once can find its own next read's socket still empty (68 times in
    20,000 here, a delete then a look). So every write through the cache waits for one PING after it
    (TrackedRedisCache): Redis answers it in a later turn, when the invalidations of the write are in every
    tracking connection's socket. Once a write is done (a log-out, a deactivation, a read notification),
    the request that follows it, in this process or another, is not served the copy it replaced. A write
    that bypasses the cache (redis-cli) has no such bound but TRUSTED. A failed connection drops every
    copy (a change may have gone unheard), and for PAUSE seconds fetches read the cache as before. A copy
    older than TRUSTED seconds is read again: the bound on what a connection that stopped hearing without
    failing could serve.
    """

    KEPT = 4096  # copies; each a session, a frame, a pointer or the plans (a few KB at most), or "none"
    LARGEST = 64 * 1024  # bytes: a larger entry is read each time, never copied
    TRUSTED = 10.0
    PAUSE = 5.0

    def __init__(self):
        self._lock = threading.Lock()
        self._copies: OrderedDict[bytes, tuple[float, bytes]] = OrderedDict()
        self._connection_ = None  # the tracking connection, made on first use in each process
        self._made_for = None  # (process, cache location) the connection was made for
        self._paused_until = 0.0

    def get_many(self, keys: list[str]) -> dict | None:
        """key -> value of those the cache has; None when there is no Redis to ask (read the cache)."""
        backend = caches["default"]
        if not isinstance(backend, TrackedRedisCache):  # (no write would wait for its invalidations)
            return None
        names = [backend.make_key(key).encode() for key in keys]
        with self._lock:
            try:
                connection = self._connection()
                if connection is None:
                    return None
                while connection.can_read():  # what Redis sent since the last fetch: the invalidations
                    connection.read_response(push_request=True)
                now = time.monotonic()
                raw = {}
                for name in names:
                    copy = self._copies.get(name)
                    if copy is not None and now - copy[0] < self.TRUSTED:
                        self._copies.move_to_end(name)
                        raw[name] = copy[1]
                missing = [name for name in names if name not in raw]
                if missing:
                    for name, value in zip(missing, self._ask(connection, missing), strict=True):
                        raw[name] = value
                        self._keep(name, value, now)
            except Exception:  # any failure of Redis or of the connection: forget everything heard on it
                self._drop(pause=True)
                return None
        return {key: backend.client.decode(raw[name]) for key, name in zip(keys, names) if raw[name] is not None}

    def _ask(self, connection, names: list[bytes]) -> list:
        """One round trip: MGET over the tracking connection (Redis tracks each key it answers)."""
        connection.send_command("MGET", *names)
        return connection.read_response()

    def _keep(self, name: bytes, value, now: float) -> None:
        if value is not None and len(value) > self.LARGEST:
            self._copies.pop(name, None)
            return
        self._copies[name] = (now, value)
        self._copies.move_to_end(name)
        while len(self._copies) > self.KEPT:
            self._copies.popitem(last=False)

    def _connection(self):
        import redis

        made_for = (os.getpid(), settings.CACHES["default"].get("LOCATION"))
        if made_for != self._made_for:  # a forked worker, or other settings (tests): not this connection's copies
            self._drop(pause=False)
            self._made_for, self._paused_until = made_for, 0.0
        if self._connection_ is None:
            if time.monotonic() < self._paused_until:
                return None
            options = settings.CACHES["default"].get("OPTIONS", {})
            location = made_for[1]
            connection = redis.Redis.from_url(
                location[0] if isinstance(location, (list, tuple)) else location, protocol=3,
                socket_connect_timeout=options.get("SOCKET_CONNECT_TIMEOUT"),
                socket_timeout=options.get("SOCKET_TIMEOUT")).connection_pool.get_connection()
            connection.register_connect_callback(self._tracking_on)
            if connection._sock is not None:  # (connected before the callback was registered)
                self._tracking_on(connection)
            self._connection_ = connection
        return self._connection_

    def _tracking_on(self, connection) -> None:
        """On each (re)connection: the copies heard on an earlier one are dropped, tracking starts."""
        self._copies.clear()
        connection._parser.set_invalidation_push_handler(self._invalidated)
        connection.send_command("CLIENT", "TRACKING", "ON")
        if connection.read_response() not in (b"OK", "OK"):
            raise ConnectionError("Redis did not turn client tracking on")

    def _invalidated(self, message) -> None:
        names = message[1] if len(message) > 1 else None
        if names is None:  # the database was flushed
            self._copies.clear()
        else:
            for name in names:
                self._copies.pop(name, None)

    def _drop(self, *, pause: bool) -> None:
        self._copies.clear()
        if self._connection_ is not None:
            try:
                self._connection_.disconnect()
            except Exception:
                pass
        self._connection_ = None
        if pause:
            self._paused_until = time.monotonic() + self.PAUSE


_copies = _Copies()


class TrackedRedisCache(RedisCache):
    """django-redis's cache, each write of which returns once Redis has sent its invalidations (_Copies).

    The PING after a write is answered in a later turn of Redis's loop than the write, and Redis has by
    then written the write's invalidations to every tracking connection: after the write returns, no
    process's copy of what it changed is served. One round trip more per write; reads are unchanged.
    """

    # (the set, hash and sorted-set writes are left as they are: nothing here keeps such entries)
    WRITES = ("set", "add", "set_many", "delete", "delete_many", "delete_pattern", "clear", "incr", "decr",
              "incr_version", "touch", "expire", "expire_at", "pexpire", "pexpire_at", "persist")

    def _written(self) -> None:
        try:
            self.client.get_client(write=True).ping()
        except Exception:  # Redis is gone: the tracking connection breaks too, and every copy with it
            pass


def _waits_for_invalidations(name):
    write = getattr(RedisCache, name)

    @functools.wraps(write)
    def written(self, *args, **kwargs):
        result = write(self, *args, **kwargs)
        self._written()
        return result

    return written


for _name in TrackedRedisCache.WRITES:
    setattr(TrackedRedisCache, _name, _waits_for_invalidations(_name))
