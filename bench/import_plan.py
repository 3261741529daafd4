"""Benchmark: parse and import plans (18, 900 and 5,000 items), re-import unchanged, render the plan page.

    .venv/bin/python bench/import_plan.py [--items 900 5000]

Runs against a throw-away SQLite database under var/bench (or DATABASE_URL's
server, in a database it creates and drops). Never part of the test suite.
Targets (issue 16): 900 items < 3 s, 5,000 < 15 s, re-import with no change < 1 s.

The plan page's queries are counted by harness.request_queries (Django empties
the query log when a request starts: the old capture always read 0); an import's
with a database execute wrapper, which no log size caps.
"""

import argparse
import contextlib
import time

from harness import request_queries, throwaway_database, timed


@contextlib.contextmanager
def counted(connection):
    """Every statement run inside the block, whatever resets the debug query log."""
    statements = []

    def wrapper(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        yield statements


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[900, 5000])
    args = parser.parse_args()

    with throwaway_database() as connection:
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.test import Client

        from tasks.importer import parse_source, read_source
        from tasks.services import plan_import_document
        from tests.documents import synthetic_breakdown_docx, synthetic_plan_text

        seed = settings.SEED_PLAN_DOCUMENT.read_bytes()
        rows = []

        def measure(label, data, filename, *, organization=None):
            _, parse, _ = timed(lambda: parse_source(read_source(data, filename=filename)), repeat=3)
            with counted(connection) as first_queries:
                start = time.perf_counter()
                plan = plan_import_document(data=data, filename=filename, organization=organization).plan
                first = (time.perf_counter() - start) * 1000
            with counted(connection) as again_queries:
                _, again, _ = timed(lambda: plan_import_document(data=data, filename=filename,
                                                                 organization=organization), repeat=3)
            rows.append((label, parse, first, len(first_queries), again, len(again_queries) // 3))
            return plan

        plans = [("2020 plan (18 items)", measure("2020 plan (18 items)", seed, "2020.txt"))]
        for items in args.items:
            data = synthetic_plan_text(items=items, year=2030 + items % 97, organization=f"测试{items}总工会").encode()
            plans.append((f"text ({items} items)", measure(f"text ({items} items)", data, f"{items}.txt")))
        for items in args.items:
            data = synthetic_breakdown_docx(items=items, year=2040 + items % 97, organization=f"分解{items}总工会")
            plans.append((f"分解表 .docx ({items} rows)", measure(f"分解表 .docx ({items} rows)", data, f"{items}.docx")))

        user = get_user_model().objects.create_user("bench", password="bench-pass-1")
        client = Client()
        client.force_login(user)
        pages = []
        for label, plan in plans:
            count = request_queries(client, plan.get_absolute_url())
            _, median, best = timed(lambda plan=plan: client.get(plan.get_absolute_url()), repeat=5)
            pages.append((label, count, median, best))

        print(f"database: {connection.vendor}")
        print(f"{'document':28} {'read+parse':>9} {'import ms':>10} {'queries':>8} {'re-import ms':>13} {'queries':>8}")
        for label, parse, first, first_count, again, again_count in rows:
            print(f"{label:28} {parse:9.1f} {first:10.1f} {first_count:8d} {again:13.1f} {again_count:8d}")
        for label, count, median, best in pages:
            print(f"plan page, {label}: {count} queries, {median:.1f} ms median, {best:.1f} ms best")


if __name__ == "__main__":
    main()
