"""Benchmark: from a head's approval to the dashboard showing it, with a real Celery worker on Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan REDIS_URL=redis://127.0.0.1:6379/9 \
        .venv/bin/python bench/live_figures.py [--rounds 20]

In a throw-away test database: the 2020 plan and the demo accounts, a worker
started as a separate process (`celery -A unionplan worker`, solo pool) on its own
Redis queue. Each round a staff member reports on an item and its head approves;
the clock runs from the approval's commit until the plan's figures are computed
again (the roll-up the approval asked for through the outbox). Prints median
(min–max) seconds. Never part of the test suite.
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
import uuid

from harness import ROOT, throwaway_database


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    if not os.environ.get("REDIS_URL") or "postgres" not in os.environ.get("DATABASE_URL", ""):
        sys.exit("needs DATABASE_URL (PostgreSQL) and REDIS_URL: the worker is a separate process")
    queue = f"bench-{uuid.uuid4().hex[:8]}"

    with throwaway_database() as connection:
        from django.conf import settings
        from django.contrib.auth import get_user_model

        from departments.demo import seed_demo_accounts
        from progress import services as progress_services
        from progress.models import PlanRollup
        from tasks.models import WorkItem
        from tasks.services import plan_import_document
        from tests.factories import submit_report
        from unionplan.celery import app

        app.conf.task_default_queue = queue
        plan = plan_import_document(data=settings.SEED_PLAN_DOCUMENT.read_bytes(), filename="2020.txt").plan
        seed_demo_accounts()
        progress_services.rollup_refresh(plan=plan)
        database = connection.settings_dict["NAME"]
        env = os.environ | {"DATABASE_URL": os.environ["DATABASE_URL"].rsplit("/", 1)[0] + f"/{database}",
                            "DJANGO_SETTINGS_MODULE": "unionplan.settings"}
        worker = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "celery"), "-A", "unionplan", "worker", "--pool", "solo", "-Q", queue,
             "--loglevel", "WARNING"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            time.sleep(4)  # the worker connects and starts consuming
            users = get_user_model().objects
            samples = []
            items = list(WorkItem.objects.filter(section__plan=plan).order_by("number"))
            for round_number in range(args.rounds):
                item = items[round_number % len(items)]
                lead = item.responsibilities.get(role="lead").department
                staff = users.filter(memberships__department=lead, memberships__role="member").first()
                head = users.filter(memberships__department=lead, memberships__role="head").first()
                report = submit_report(item=item, department=lead, reporter=staff, percent=10 + round_number,
                                       narrative="推进中。")
                # The submission asked for a roll-up too: let it finish, so it cannot pass for the approval's.
                while (PlanRollup.objects.filter(plan=plan).values_list("computed_at", flat=True).first()
                       <= report.created_at):
                    time.sleep(0.02)
                approved_at = progress_services.report_approve(report=report, reviewer=head).reviewed_at
                committed = time.monotonic()
                deadline = committed + 60
                while time.monotonic() < deadline:
                    computed = PlanRollup.objects.filter(plan=plan).values_list("computed_at", flat=True).first()
                    if computed and computed > approved_at:
                        samples.append(time.monotonic() - committed)
                        break
                    time.sleep(0.02)
                else:
                    sys.exit(f"round {round_number}: the figures were not recomputed within 60 s")
            print(f"approval -> dashboard figures recomputed, {len(samples)} rounds, real worker on Redis: "
                  f"median {statistics.median(samples):.2f} s (min {min(samples):.2f}, max {max(samples):.2f})")
        finally:
            worker.terminate()
            worker.wait(timeout=20)


if __name__ == "__main__":
    main()
