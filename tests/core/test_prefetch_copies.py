"""The prefetched entries' copies (core.prefetch._Copies): read from Redis once, again only after Redis said
they changed, against the real Redis (REDIS_URL); without it there are no copies and nothing to test."""

import time

import pytest
from django.conf import settings
from django.core.cache import cache

from core import prefetch
from tests.conftest import require_service

pytestmark = pytest.mark.django_db


@pytest.fixture
def asked(monkeypatch):
    """The keys of each round trip the copies make to Redis."""
    require_service("redis", bool(settings.REDIS_URL), "REDIS_URL is not set")
    prefetch._copies._drop(pause=False)
    prefetch._copies._paused_until = 0.0
    trips = []
    ask = prefetch._copies._ask
    monkeypatch.setattr(prefetch._copies, "_ask", lambda connection, names: (trips.append(
        [name.decode().rsplit(":", 1)[-1] for name in names]), ask(connection, names))[1])
    yield trips
    prefetch._copies._drop(pause=False)


def _read(*keys):
    token = prefetch.fetch(keys)
    try:
        return {key: prefetch.take(key) for key in keys}
    finally:
        prefetch.done(token)


def _other_client():
    import redis

    return redis.Redis.from_url(settings.REDIS_URL)


def _other_process_cache():
    """The cache as another process of the portal has it: its own backend and connections."""
    return prefetch.TrackedRedisCache(settings.CACHES["default"]["LOCATION"], {
        key: value for key, value in settings.CACHES["default"].items() if key not in ("BACKEND", "LOCATION")})


def test_an_entry_is_read_from_redis_once_and_again_only_once_anyone_changed_it(asked):
    cache.set_many({"copy-a": {"who": "甲"}, "copy-b": ["x"]})
    cache.delete("copy-c")
    assert _read("copy-a", "copy-b", "copy-c") == {"copy-a": {"who": "甲"}, "copy-b": ["x"], "copy-c": None}
    assert asked == [["copy-a", "copy-b", "copy-c"]]

    # a second read asks Redis nothing, and hands out fresh values (a caller changing one changes no copy)
    again = _read("copy-a", "copy-b", "copy-c")
    again["copy-a"]["who"] = "乙"
    assert _read("copy-a", "copy-b", "copy-c") == {"copy-a": {"who": "甲"}, "copy-b": ["x"], "copy-c": None}
    assert asked == [["copy-a", "copy-b", "copy-c"]]

    # written through the cache, deleted by another process, created: each is read anew
    cache.set("copy-a", {"who": "丙"})
    _other_process_cache().delete("copy-b")
    cache.set("copy-c", 3)
    assert _read("copy-a", "copy-b", "copy-c") == {"copy-a": {"who": "丙"}, "copy-b": None, "copy-c": 3}
    assert sorted(asked[-1]) == ["copy-a", "copy-b", "copy-c"]

    # and a flushed cache forgets every copy
    cache.clear()
    assert _read("copy-a", "copy-c") == {"copy-a": None, "copy-c": None}


def test_an_entry_that_expires_in_redis_is_not_served_from_its_copy(asked):
    _other_client().set(cache.make_key("copy-short"), cache.client.encode("soon gone"), px=100)
    assert _read("copy-short") == {"copy-short": "soon gone"}
    time.sleep(0.4)  # Redis expires it (and says so) within its expiry cycles, a tenth of a second each
    assert _read("copy-short") == {"copy-short": None}


def test_a_broken_tracking_connection_drops_the_copies_and_nothing_stale_is_served(asked):
    # given a copy, and the connection that would have heard of its change killed
    cache.set("copy-d", "before")
    assert _read("copy-d") == {"copy-d": "before"}
    port = prefetch._copies._connection_._sock.getsockname()[1]
    other = _other_client()
    killed = [client["id"] for client in other.client_list() if client["addr"].endswith(f":{port}")]
    assert len(killed) == 1
    other.client_kill_filter(_id=killed[0])
    cache.set("copy-d", "after")  # (the invalidation goes nowhere)

    # then the next read notices the connection is gone and reads the cache: the new value
    assert _read("copy-d") == {"copy-d": "after"}
    # and for a while the cache is read as before, each time (no copies to trust)
    cache.set("copy-d", "later")
    assert _read("copy-d") == {"copy-d": "later"}


def test_a_copy_is_trusted_for_a_few_seconds_at_most(asked, monkeypatch):
    cache.set("copy-e", "e")
    assert _read("copy-e") == _read("copy-e") == {"copy-e": "e"}
    assert len(asked) == 1
    monkeypatch.setattr(prefetch._Copies, "TRUSTED", 0.0)
    assert _read("copy-e") == {"copy-e": "e"}
    assert len(asked) == 2


def test_entries_larger_than_a_copy_are_read_each_time(asked, monkeypatch):
    monkeypatch.setattr(prefetch._Copies, "LARGEST", 100)
    cache.set("copy-big", "字" * 200)
    assert _read("copy-big") == _read("copy-big") == {"copy-big": "字" * 200}
    assert len(asked) == 2


def test_a_logged_out_session_is_not_honoured_by_any_process(asked, client, django_user_model, settings):
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.backends.cached_db import KEY_PREFIX
    from django.urls import reverse

    # given a logged-in user whose session this process has a copy of
    settings.SESSION_ENGINE = "core.session_store"
    user = django_user_model.objects.create_user("copy-user", password="x-Password-1")
    client.force_login(user)
    session_key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert _read(KEY_PREFIX + session_key)[KEY_PREFIX + session_key][SESSION_KEY] == str(user.pk)
    assert client.get(reverse("notifications:list")).status_code == 200

    # when another process ends the session in the cache (a log-out elsewhere, an admin's flush)
    _other_process_cache().delete(KEY_PREFIX + session_key)
    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=session_key).delete()

    # then this process no longer knows the session: the next page asks to log in
    response = client.get(reverse("notifications:list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize("writer", ["this process", "another process"])
def test_a_read_right_after_a_write_is_never_served_the_copy_it_replaced(asked, writer):
    # Redis sends a write's invalidations in the same turn as the writer's answer, not before it: without
    # the PING after each write, the read at once after a delete found its socket empty about 3 times in
    # 1,000 (this process) and 8 in 1,000 (another process), so 2,000 rounds fail without it.
    other = cache if writer == "this process" else _other_process_cache()
    served_stale = 0
    for round_ in range(2000):
        cache.set("copy-race", round_)
        assert _read("copy-race") == {"copy-race": round_}  # a copy now
        other.delete("copy-race")
        served_stale += _read("copy-race") != {"copy-race": None}
    assert served_stale == 0


def test_a_write_while_redis_is_gone_is_no_error():
    gone = prefetch.TrackedRedisCache("redis://127.0.0.1:1/0", {
        "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 0.2, "SOCKET_TIMEOUT": 0.2}})
    assert gone.set("anything", 1) is None and gone.delete_many(["anything"]) is None
