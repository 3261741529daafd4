"""Benchmark: every page of the portal at 18 items and at 10,000 items, as production serves them.

    REDIS_URL=redis://127.0.0.1:6379/7 \
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan_bench \
    .venv/bin/python bench/pages.py [--sizes 18 10000] [--rounds 9] [--rebuild] [--pages search plan]

Each size has a database of its own (DATABASE_URL's name + "_<items>"), built once by
tests.documents.bulk_plan (6 sections, departments = items / 50 (at most 200, at least 6),
10 approved reports per item, a pending report on one item in five, a notice per five
items for the department head) and rolled up, then ANALYZEd; later runs migrate it and
reuse it (--rebuild builds it again). The pages are measured in a process of their own
with production-like settings: DEBUG off, the Redis cache, the cached template loader,
no test instrumentation (no template-rendered signal, no query log). Queries are
counted by a connection.execute_wrapper, which nothing caps. After a warm-up request
per page, N rounds interleave the pages; the table gives median (min–max) ms, the
queries and the HTML size of each page at each size. The process's resident memory is
read before and after the plan pages (/proc/self/status). --pages measures only the pages whose
label holds one of the words given (`--pages search` times the search page alone).

Never part of the test suite.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
PRODUCTION_LIKE = {"DEBUG": "0", "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}


def _database_url(items: int) -> str:
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        sys.exit("bench/pages.py measures PostgreSQL: set DATABASE_URL=postgres://…/<name>")
    return f"{base}_{items}"


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _setup_django():
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unionplan.settings")
    os.environ.setdefault("UNIONPLAN_VAR_DIR", str(ROOT / "var" / "bench"))
    import django

    django.setup()


@contextlib.contextmanager
def _server(url: str):
    """A cursor on the server's maintenance database, outside any transaction."""
    import psycopg2

    conn = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            yield cursor
    finally:
        conn.close()


def _ensure_database(url: str) -> bool:
    """Creates the database when missing; True when it was created."""
    name = url.rsplit("/", 1)[1]
    with _server(url) as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        exists = cursor.fetchone()
        if not exists:
            cursor.execute(f'CREATE DATABASE "{name}"')
    return not exists


def _drop_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with _server(url) as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# -- building (once per size) ------------------------------------------------------------------


def build(items: int) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from departments.models import Department, Membership
    from departments.roles import LEADERSHIP_GROUP
    from departments.services import membership_set, role_group
    from notifications.models import Notification
    from progress import services as progress_services
    from progress.models import ProgressReport
    from tasks.models import WorkItem
    from tests.documents import bulk_plan

    departments = max(6, min(200, items // 50))
    start = time.perf_counter()
    plan = bulk_plan(items=items, departments=departments, reports=10 * items, year=2030)
    User = get_user_model()
    leader = User.objects.create_user("bench-leader", password="bench-pass-1")
    leader.groups.add(role_group(LEADERSHIP_GROUP))
    first = Department.objects.order_by("order").first()
    head = User.objects.create_user("bench-head", password="bench-pass-1")
    staff = User.objects.create_user("bench-staff", password="bench-pass-1")
    membership_set(user=head, department=first, role=Membership.Role.HEAD)
    membership_set(user=staff, department=first, role=Membership.Role.MEMBER)
    reporter = User.objects.get(username="bulk-reporter-2030")
    # One item in five has a report waiting for its lead department's head.
    pending = []
    for n, item in enumerate(WorkItem.objects.filter(section__plan=plan).order_by("number")
                             .prefetch_related("responsibilities")):
        if n % 5:
            continue
        lead = next(r for r in item.responsibilities.all() if r.role == "lead")
        pending.append(ProgressReport(item=item, department_id=lead.department_id, role="lead", reporter=reporter,
                                      status="in_progress", percent=60, narrative="待审核报告", state="submitted"))
    ProgressReport.objects.bulk_create(pending, batch_size=5000)
    Notification.objects.bulk_create(
        (Notification(recipient=head, kind="due_soon", title=f"提醒{n}", body="即将到期", url="/my/",
                      read_at=None if n % 3 else timezone.now())
         for n in range(max(4, items // 5))),
        batch_size=5000,
    )
    built = time.perf_counter() - start
    start = time.perf_counter()
    progress_services.rollup_refresh(plan=plan, today=datetime.date(2030, 7, 1))
    # The as-of row reads 30 June's snapshot (the one-truth issue's view of a past day), 1 July the trend's last.
    for day in (datetime.date(2030, 6, 30), datetime.date(2030, 7, 1)):
        progress_services.snapshot_take(day=day, plan=plan)
    print(f"  built {items} items, {departments} departments in {built:.1f} s; "
          f"rolled up in {time.perf_counter() - start:.1f} s", file=sys.stderr)


def prepare(items: int, rebuild: bool) -> None:
    """(In its own process.) The size's database, migrated, built when new, ANALYZEd."""
    url = _database_url(items)
    if rebuild:
        _drop_database(url)
    created = _ensure_database(url)
    os.environ["DATABASE_URL"] = url
    _setup_django()
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from tasks.models import WorkPlan

    if created or not WorkPlan.objects.filter(year=2030).exists():
        build(items)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


# -- measuring -----------------------------------------------------------------------------------


def measure(items: int, rounds: int, only: list[str] | None = None) -> dict:
    """(In its own process.) Every page's timings, query counts and size at this size, on 2 July of the
    bench plan's year: the plan is in its year, so 30 June is a past day (an as-of view, read from its
    snapshot) and not a day to come (which the dashboard shows as today's figures)."""
    import time_machine

    with time_machine.travel(datetime.datetime(2030, 7, 2, 10, 0, tzinfo=datetime.timezone.utc), tick=True):
        return _measure(items, rounds, only)


def _measure(items: int, rounds: int, only: list[str] | None) -> dict:
    os.environ["DATABASE_URL"] = _database_url(items)
    _setup_django()
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client

    from departments.models import Department
    from progress.models import ProgressReport
    from tasks.models import Section, WorkItem, WorkPlan

    plan = WorkPlan.objects.get(year=2030)
    section = Section.objects.filter(plan=plan).order_by("number").first()
    department = Department.objects.order_by("order").first()
    item = WorkItem.objects.filter(section__plan=plan, reports__isnull=False).order_by("number").first()
    User = get_user_model()
    clients = {}
    for name in ("bench-leader", "bench-head", "bench-staff"):
        clients[name] = Client()
        clients[name].force_login(User.objects.get(username=name))
    year = plan.year
    pages = [
        ("plan page", "bench-leader", f"/plans/{plan.pk}/", None),
        ("section page", "bench-leader", f"/dashboard/sections/{section.pk}/", None),
        ("department page", "bench-leader", f"/dashboard/departments/{department.pk}/?year={year}", None),
        ("item page", "bench-head", f"/items/{item.pk}/", None),
        ("我的工作 (head)", "bench-head", "/my/", None),
        ("我的工作 (staff)", "bench-staff", "/my/", None),
        ("review queue", "bench-head", "/reviews/", None),
        ("notifications", "bench-head", "/notifications/", None),
        # cached: the round's roll-up and as-of rows clear the cache, so this row warms it again first
        ("dashboard, cached body", "bench-leader", f"/dashboard/?year={year}",
         lambda: clients["bench-leader"].get(f"/dashboard/?year={year}")),
        ("dashboard, after a roll-up", "bench-leader", f"/dashboard/?year={year}", cache.clear),
        ("dashboard as of 30 June", "bench-leader", f"/dashboard/?year={year}&as_of={year}-06-30", cache.clear),
        # the search box: a two-character word in every item's title (no trigram to narrow it: the whole
        # table read, 10,000 matches counted), a word found nowhere (the trigram indexes answer), and
        # leadership's search for the words of every one of the reports (100,000 matches counted)
        ("search: 工作, in every item", "bench-staff", "/search/?" + urlencode({"q": "工作"}), None),
        ("search: 会员服务, found nowhere", "bench-staff", "/search/?" + urlencode({"q": "会员服务"}), None),
        ("search: 合成报告, in every report", "bench-leader", "/search/?" + urlencode({"q": "合成报告"}), None),
    ]
    if only:
        pages = [page for page in pages if any(word in page[0] for word in only)]
    counter = {"n": 0}

    def count(execute, sql, params, many, context):
        counter["n"] += 1
        return execute(sql, params, many, context)

    results = {}
    rss_before = _rss_mb()
    rss_after_plan = None
    with connection.execute_wrapper(count):
        for label, user, url, before in pages:  # warm-up, then query count and size
            clients[user].get(url)
            if before:
                before()
            counter["n"] = 0
            response = clients[user].get(url)
            assert response.status_code == 200, (label, url, response.status_code)
            results[label] = {"queries": counter["n"], "bytes": len(response.content), "samples": []}
            if label == "plan page" or rss_after_plan is None:
                rss_after_plan = _rss_mb()
        for _round in range(rounds):
            for label, user, url, before in pages:
                if before:
                    before()
                start = time.perf_counter()
                clients[user].get(url)
                results[label]["samples"].append((time.perf_counter() - start) * 1000)
    return {"results": results, "rss_before": rss_before, "rss_after_plan": rss_after_plan, "rss_end": _rss_mb(),
            "reports": ProgressReport.objects.count(), "departments": Department.objects.count()}


def _child(args) -> None:
    if args.prepare:
        prepare(args.prepare, args.rebuild)
    else:
        print(json.dumps(measure(args.measure, args.rounds, args.pages)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[18, 10_000])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--pages", nargs="+", metavar="WORD",
                        help="measure only the pages whose label holds one of these words (e.g. search)")
    parser.add_argument("--prepare", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--measure", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    for name, value in PRODUCTION_LIKE.items():
        os.environ[name] = value
    if not os.environ.get("REDIS_URL"):
        sys.exit("bench/pages.py measures with the Redis cache: set REDIS_URL")
    if args.prepare or args.measure:
        return _child(args)
    me = [sys.executable, __file__, "--rounds", str(args.rounds)] + (["--rebuild"] if args.rebuild else []) + (
        ["--pages", *args.pages] if args.pages else [])
    runs = {}
    for items in args.sizes:
        print(f"preparing {items} items …", file=sys.stderr)
        subprocess.run([*me, "--prepare", str(items)], check=True)
        print(f"measuring {items} items …", file=sys.stderr)
        out = subprocess.run([*me, "--measure", str(items)], check=True, capture_output=True, text=True).stdout
        runs[items] = json.loads(out.strip().splitlines()[-1])
    labels = list(next(iter(runs.values()))["results"])
    header = "| page | " + " | ".join(f"{n:,} items: median (min–max) ms · queries · KB" for n in args.sizes) + " |"
    print(f"\nPostgreSQL, DEBUG off, Redis cache, ANALYZEd; {args.rounds} interleaved rounds after a warm-up\n")
    print(header)
    print("|---|" + "---|" * len(args.sizes))
    for label in labels:
        cells = []
        for items in args.sizes:
            r = runs[items]["results"][label]
            s = r["samples"]
            cells.append(f"{statistics.median(s):.0f} ({min(s):.0f}–{max(s):.0f}) · {r['queries']} · "
                         f"{r['bytes'] / 1024:.0f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    for items in args.sizes:
        run = runs[items]
        print(f"\n{items:,} items ({run['departments']} departments, {run['reports']:,} reports): RSS "
              f"{run['rss_before']:.0f} MB before the pages, {run['rss_after_plan']:.0f} MB after the plan page, "
              f"{run['rss_end']:.0f} MB after all rounds")


if __name__ == "__main__":
    main()
