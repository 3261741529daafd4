"""Benchmark: parse and import plans, and render the plan page; prints figures.

    .venv/bin/python bench/import_plan.py [--items 1000]

Runs against a throw-away SQLite database under var/bench (or DATABASE_URL's
server, in a database it creates and drops). Never part of the test suite.
"""

import argparse
import time

from harness import throwaway_database, timed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=1000)
    args = parser.parse_args()

    with throwaway_database() as connection:
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from tasks.importer import parse_plan, read_document
        from tasks.services import plan_import_document
        from tests.documents import synthetic_plan_text

        seed = settings.SEED_PLAN_DOCUMENT.read_bytes()
        big = synthetic_plan_text(items=args.items).encode()

        _, parse_2020, _ = timed(lambda: parse_plan(read_document(seed, filename="2020.txt")))
        _, parse_big, _ = timed(lambda: parse_plan(read_document(big, filename="big.txt")), repeat=3)
        start = time.perf_counter()
        plan = plan_import_document(data=seed, filename="2020.txt").plan
        first_import = (time.perf_counter() - start) * 1000
        _, reimport, _ = timed(lambda: plan_import_document(data=seed, filename="2020.txt"), repeat=3)
        start = time.perf_counter()
        big_plan = plan_import_document(data=big, filename="big.txt").plan
        big_import = (time.perf_counter() - start) * 1000

        user = get_user_model().objects.create_user("bench", password="bench-pass-1")
        client = Client()
        client.force_login(user)
        figures = []
        for label, p in (("2020 plan (18 items)", plan), (f"synthetic ({args.items} items)", big_plan)):
            with CaptureQueriesContext(connection) as queries:
                client.get(p.get_absolute_url())
            _, median, best = timed(lambda: client.get(p.get_absolute_url()), repeat=5)
            figures.append((label, len(queries), median, best))

        print(f"database: {connection.vendor}")
        print(f"parse 2020 document:        {parse_2020:8.1f} ms (median of 5)")
        print(f"parse {args.items}-item document:   {parse_big:8.1f} ms (median of 3)")
        print(f"import 2020 (first):        {first_import:8.1f} ms")
        print(f"re-import 2020 (no change): {reimport:8.1f} ms (median of 3)")
        print(f"import {args.items} items (first):  {big_import:8.1f} ms")
        for label, count, median, best in figures:
            print(f"plan page, {label}: {count} queries, {median:.1f} ms median, {best:.1f} ms best")


if __name__ == "__main__":
    main()
