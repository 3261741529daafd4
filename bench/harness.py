"""The one way an in-process benchmark gets its database and times things.

    from harness import throwaway_database, timed
    with throwaway_database() as connection:
        ...

Django is set up with the project's settings; a test database is created (SQLite
under var/bench, or a database on DATABASE_URL's server) and dropped at the end,
so a benchmark never touches the portal's own data.
"""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionplan.settings")
os.environ.setdefault("UNIONPLAN_VAR_DIR", str(ROOT / "var" / "bench"))


@contextlib.contextmanager
def throwaway_database():
    """Django set up and a test database of its own for the block; yields the connection."""
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment, teardown_test_environment

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
        teardown_test_environment()


def timed(fn, repeat: int = 5, *, before=None):
    """Run `fn` `repeat` times; returns (its last result, median ms, minimum ms). `before` runs untimed first."""
    samples, result = [], None
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        result = fn()
        samples.append((time.perf_counter() - start) * 1000)
    return result, statistics.median(samples), min(samples)


def request_queries(client, url: str, *, before=None) -> int:
    """How many queries one request of `url` makes (after a warm-up request; `before` runs just before it).

    Django empties the connection's query log when a request starts, so a capture
    around `client.get` alone reads 0; the reset is held off for the request.
    """
    from django.core.signals import request_started
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    if before:
        before()
    request_started.disconnect(reset_queries)
    try:
        with CaptureQueriesContext(connection) as captured:
            client.get(url)
    finally:
        request_started.connect(reset_queries)
    return len(captured)
