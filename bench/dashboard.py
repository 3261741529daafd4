"""Benchmark: the leadership dashboard on a big plan, against a floor and the admin.

    REDIS_URL=redis://127.0.0.1:6379/0 DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan \
        .venv/bin/python bench/dashboard.py

Production-like (bench/harness.py): DEBUG off, the Redis cache, no test instrumentation, tables
ANALYZEd after loading; query counts by an execute wrapper. bench/pages.py measures every page.

Builds, in a throw-away test database, a synthetic published plan of 10,000
items, 200 departments and 100,000 approved reports (tests.documents.bulk_plan),
rolls it up, then measures in one run the median latency of
  (a) the dashboard page, as a leader sees it (and once more with its cached
      body cleared before each request: the first view after a roll-up);
  (b) the floor: one aggregate SQL query returning the same six section figures,
      served by a bare Django view as JSON;
  (c) the Django admin change list of WorkItem;
and prints a/b and a/c. Never part of the test suite.
"""

import argparse
import datetime
import time

from harness import analyze, request_queries, throwaway_database, timed


urlpatterns = []  # filled in main(): the project's URLs plus the floor view


def floor_view(request):
    """(b): the six section figures straight from one aggregate query."""
    from django.db import connection
    from django.http import JsonResponse

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT s.number, s.title, AVG(r.percent), AVG(r.expected_percent),
                   SUM(CASE WHEN r.light = 'green' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.light = 'yellow' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.light = 'red' THEN 1 ELSE 0 END),
                   SUM(CASE WHEN r.is_done THEN 1 ELSE 0 END)
            FROM tasks_section s
            JOIN tasks_workitem i ON i.section_id = s.id
            JOIN tasks_itemrollup r ON r.item_id = i.id
            WHERE s.plan_id = %s
            GROUP BY s.number, s.title ORDER BY s.number
            """,
            [request.GET["plan"]],
        )
        rows = cursor.fetchall()
    return JsonResponse({"sections": [[str(value) for value in row] for row in rows]})


def median_ms(client, url, repeat, *, before=None):
    client.get(url)  # warm up
    response, median, _best = timed(lambda: client.get(url), repeat, before=before)
    assert response.status_code == 200, (url, response.status_code)
    return median


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--reports", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    import os

    if not os.environ.get("REDIS_URL"):
        raise SystemExit("bench/dashboard.py measures the cached dashboard with Redis: set REDIS_URL")
    with throwaway_database() as connection:
        from django.contrib.auth import get_user_model
        from django.test import Client
        from django.test.utils import override_settings
        from django.urls import include, path

        from departments.roles import LEADERSHIP_GROUP
        from departments.services import role_group
        from progress import services as progress_services
        from tests.documents import bulk_plan

        urlpatterns.extend([path("bench/floor/", floor_view), path("", include("unionplan.urls"))])

        start = time.perf_counter()
        plan = bulk_plan(items=args.items, departments=args.departments, reports=args.reports, year=2030)
        built = time.perf_counter() - start
        start = time.perf_counter()
        progress_services.rollup_refresh(plan=plan, today=datetime.date(2030, 7, 1))
        progress_services.snapshot_take(day=datetime.date(2030, 7, 1), plan=plan)
        rolled = time.perf_counter() - start
        analyze(connection)

        leader = get_user_model().objects.create_user("bench-leader", password="bench-pass-1")
        leader.groups.add(role_group(LEADERSHIP_GROUP))
        admin = get_user_model().objects.create_superuser("bench-admin", password="bench-pass-1")
        leader_client, admin_client = Client(), Client()
        leader_client.force_login(leader)
        admin_client.force_login(admin)
        with override_settings(ROOT_URLCONF=__name__):
            from django.core.cache import cache

            a = median_ms(leader_client, f"/dashboard/?year={plan.year}", args.repeat)
            a_cold = median_ms(leader_client, f"/dashboard/?year={plan.year}", args.repeat, before=cache.clear)
            b = median_ms(leader_client, f"/bench/floor/?plan={plan.pk}", args.repeat)
            c = median_ms(admin_client, "/admin/tasks/workitem/", args.repeat)
            queries = request_queries(leader_client, f"/dashboard/?year={plan.year}")
            cold_queries = request_queries(leader_client, f"/dashboard/?year={plan.year}", before=cache.clear)
        print(f"database: {connection.vendor}; plan: {args.items} items, {args.departments} departments, "
              f"{args.reports} reports (built in {built:.1f} s, rolled up in {rolled:.1f} s)")
        print(f"(a) dashboard page            {a:8.1f} ms (median of {args.repeat}; {queries} queries)")
        print(f"    same, body not cached     {a_cold:8.1f} ms (first view after a roll-up; {cold_queries} queries)")
        print(f"(b) floor: 1 query + JSON     {b:8.1f} ms")
        print(f"(c) admin WorkItem changelist {c:8.1f} ms")
        print(f"a/b = {a / b:.2f}   a/c = {a / c:.2f}")


if __name__ == "__main__":
    main()
