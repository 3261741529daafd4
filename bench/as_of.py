"""Benchmark: the dashboard as of a past day (回看) beside today's, at 10,000 items with a year of snapshots.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan .venv/bin/python bench/as_of.py [--items 10000]

Builds, in a throw-away test database, a published plan of 10,000 items
(tests.documents.bulk_plan), rolls it up, and writes a year of snapshots as the
nightly job leaves them: a plan and six section rows a day, and an item row
whenever an item's figures change (here 24 times a year per item). Then prints,
for the dashboard, a section page and a department page, today's view beside the
view as of 30 June: median time of N requests and the number of queries; and the
rows and the size the year of snapshots takes (on PostgreSQL: table + indexes).
Never part of the test suite.
"""

import argparse
import datetime
import random
import time
from decimal import Decimal

from harness import request_queries, throwaway_database, timed


def year_of_snapshots(plan, *, changes_per_item: int) -> None:
    from progress.models import ItemSnapshot, RollupSnapshot
    from tasks.models import Section, WorkItem

    rng = random.Random(plan.year)
    sections = list(Section.objects.filter(plan=plan).order_by("number"))
    start = datetime.date(plan.year, 1, 1)
    days = [start + datetime.timedelta(days=n) for n in range(366 if plan.year % 4 == 0 else 365)]
    rows = []
    for n, day in enumerate(days):
        share = Decimal(str(round(100 * n / len(days), 1)))
        rows.append(RollupSnapshot(plan=plan, section=None, date=day, percent=share, expected_percent=share,
                                   light="green", items_green=len(days)))
        rows += [RollupSnapshot(plan=plan, section=section, date=day, percent=share, expected_percent=share,
                                light="green") for section in sections]
    RollupSnapshot.objects.bulk_create(rows, batch_size=5000)
    items = list(WorkItem.objects.filter(section__plan=plan).values_list("pk", flat=True))
    batch = []
    for item in items:
        for change, day in enumerate(sorted(rng.sample(days, changes_per_item))):
            percent = Decimal(min(100, 4 * (change + 1)))
            batch.append(ItemSnapshot(item_id=item, date=day, percent=percent, reported_percent=percent,
                                      targets_percent=None, light=rng.choice(["green", "green", "yellow", "red"]),
                                      is_done=percent == 100, is_overdue=False))
            if len(batch) >= 10000:
                ItemSnapshot.objects.bulk_create(batch)
                batch = []
    ItemSnapshot.objects.bulk_create(batch)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--changes", type=int, default=24, help="changes of each item's figures in the year")
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    with throwaway_database() as connection:
        from django.contrib.auth import get_user_model
        from django.test import Client

        from departments.roles import LEADERSHIP_GROUP
        from departments.services import role_group
        from progress import services as progress_services
        from progress.models import ItemSnapshot, RollupSnapshot
        from tests.documents import bulk_plan

        started = time.perf_counter()
        plan = bulk_plan(items=args.items, departments=args.departments, reports=0, year=2030)
        progress_services.rollup_refresh(plan=plan, today=datetime.date(2030, 7, 1))
        year_of_snapshots(plan, changes_per_item=args.changes)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        built = time.perf_counter() - started
        leader = get_user_model().objects.create_user("bench-leader", password="bench-pass-1")
        leader.groups.add(role_group(LEADERSHIP_GROUP))
        client = Client()
        client.force_login(leader)
        section = plan.sections.get(number=1)
        department = plan.sections.get(number=1).items.first().responsibilities.get(role="lead").department
        pages = [
            ("dashboard", f"/dashboard/?year={plan.year}"),
            ("section page", f"/dashboard/sections/{section.pk}/"),
            ("department page", f"/dashboard/departments/{department.pk}/?year={plan.year}"),
        ]
        print(f"database: {connection.vendor}; {args.items} items, {args.departments} departments; "
              f"a year of snapshots built in {built:.1f} s")
        print(f"{'page':<18}{'today ms':>10}{'queries':>9}{'as of 30 June ms':>18}{'queries':>9}")
        from django.core.cache import cache

        for label, url in pages:
            as_of = url + ("&" if "?" in url else "?") + "as_of=2030-06-30"
            # The dashboard's body is cached per roll-up and day: time the first view (cache cleared).
            _r, today_ms, _b = timed(lambda: client.get(url), args.repeat, before=cache.clear)
            _r, as_of_ms, _b = timed(lambda: client.get(as_of), args.repeat, before=cache.clear)
            print(f"{label:<18}{today_ms:>10.1f}{request_queries(client, url, before=cache.clear):>9}"
                  f"{as_of_ms:>18.1f}{request_queries(client, as_of, before=cache.clear):>9}")
        item_rows, plan_rows = ItemSnapshot.objects.count(), RollupSnapshot.objects.count()
        print(f"snapshots of the year: {item_rows:,} item rows, {plan_rows:,} plan and section rows")
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_total_relation_size(%s), pg_total_relation_size(%s)",
                               [ItemSnapshot._meta.db_table, RollupSnapshot._meta.db_table])
                item_bytes, plan_bytes = cursor.fetchone()
            print(f"on disk (table + indexes): item snapshots {item_bytes / 2**20:.1f} MB, "
                  f"plan and section snapshots {plan_bytes / 2**20:.1f} MB")


if __name__ == "__main__":
    main()
