"""The one way an in-process benchmark gets its database and times things.

    from harness import throwaway_database, timed
    with throwaway_database() as connection:
        ...

Django is set up with the project's settings as production runs them: DEBUG off (no query log),
the cached template loader, no test instrumentation (no template-rendered signal; only the test
environment's ALLOWED_HOSTS and e-mail outbox are set), the Redis cache when REDIS_URL is set (the
benches that compare pages require it). A test database is created (SQLite under var/bench, or a
database on DATABASE_URL's server) and dropped at the end, so a benchmark never touches the
portal's own data; `analyze(connection)` refreshes the planner's statistics after loading.
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
os.environ.setdefault("DEBUG", "0")  # read by the settings: every query logged would be measured too
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")


@contextlib.contextmanager
def throwaway_database():
    """Django set up and a test database of its own for the block; yields the connection."""
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection

    # Not setup_test_environment(): its template instrumentation (a signal and a context copy per
    # template rendered) costs more than some pages; only what a test client needs is set.
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    old_name = connection.creation.create_test_db(verbosity=0)
    try:
        yield connection
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def analyze(connection) -> None:
    """The planner's statistics of the freshly loaded tables (without them PostgreSQL plans for empty tables)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


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

    Counted by a connection.execute_wrapper: neither the query log's reset when a request starts nor
    its 9,000-entry cap (nor DEBUG off, where there is no log) changes the count.
    """
    from django.db import connection

    client.get(url)
    if before:
        before()
    count = [0]

    def counter(execute, sql, params, many, context):
        count[0] += 1
        return execute(sql, params, many, context)

    with connection.execute_wrapper(counter):
        client.get(url)
    return count[0]
