"""One cache round trip for the entries a request will read first.

A logged-in view of a cached page reads the session, the user's frame and the page's own entries
from the cache: three round trips one after the other, each as long as the rest of the view on a
small machine. The prefetch middleware (unionplan.middleware.PrefetchMiddleware) reads them all in
one `get_many` before the session is loaded; each reader then takes its entry from here with
`take` (once: a second read goes to the cache, so nothing in a request reads an entry older than
its own write), or reads the cache as before when it was not prefetched.

Pages say which entries of their own to prefetch with `register`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterable

from django.core.cache import cache

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
