"""Benchmark: the roll-up of the 2020 plan and of a synthetic 10,000-item plan, and the 2020 reminder count.

    .venv/bin/python bench/rollup.py [--items 10000 [50000 …]] [--no-reminders]

Prints, for each plan: the pure rule alone (facts in memory), the job's
compute (four queries + the rule) and compute + store (upserts of every row).
Then simulates the reminder job on every day of 2020 with the defaults (the
plan published, nobody reporting, nothing done — the most reminders there can
be) and counts reminders by kind and the messages they become.

Runs against a throw-away database (SQLite under var/bench, or DATABASE_URL's
server, in a test database it creates and drops). Never part of the test suite.
"""

import argparse
import datetime
import time
from collections import Counter

from harness import throwaway_database, timed



def bench_plan(label, plan, today, repeat):
    from progress import rollup
    from progress import services as progress_services

    rules = rollup.Rules(today=today, plan_start=datetime.date(plan.year, 1, 1), margin=float(plan.rollup_margin))
    result = progress_services.rollup_compute(plan=plan, today=today)
    # the rule alone, on facts already in memory
    sections = {}
    for item in plan_items(plan):
        sections.setdefault(item[0], []).append(item[1])
    facts = list(sections.items())
    items = sum(len(v) for _k, v in facts)
    _, rule_ms, _ = timed(lambda: rollup.rollup(plan.pk, facts, rules), repeat)
    _, compute_ms, _ = timed(lambda: progress_services.rollup_compute(plan=plan, today=today), repeat)
    _, store_ms, _ = timed(lambda: progress_services.rollup_refresh(plan=plan, today=today), repeat)
    print(f"{label:<28} {items:>6} items  rule {rule_ms:8.1f} ms   compute {compute_ms:8.1f} ms   "
          f"compute+store {store_ms:8.1f} ms   plan {result.plan.percent}% {result.plan.light}")
    print(f"BENCH-ROW | roll-up of {items:,} items: compute / compute + store (every row rewritten) | "
          f"{compute_ms:.0f} / {store_ms:.0f} ms")


def plan_items(plan):
    from progress import rollup
    from tasks.models import WorkItem

    for pk, section_id, due in WorkItem.objects.filter(section__plan=plan).values_list("pk", "section_id", "due_date"):
        yield section_id, rollup.ItemFacts(
            key=pk, due_date=due, targets=(rollup.TargetFacts("count", 4.0, 1.0, due),
                                           rollup.TargetFacts("coverage", 100.0, 40.0, due))
        )


def synthetic_plan(items: int, year: int = 2030):
    """A plan of `items` items in 6 sections, written in bulk (the importer's documents number items to 999).

    Each item has a count target, a coverage target and a placeholder (待定); a third
    have an approved report, one in ten reported delayed.
    """
    import random

    from django.utils import timezone

    from tasks.models import Section, Target, WorkItem, WorkPlan

    rng = random.Random(2030)
    plan = WorkPlan.objects.create(organization="bench", year=year, title=f"bench {year}", status="published")
    sections = Section.objects.bulk_create(
        Section(plan=plan, number=n, numeral=str(n), title=f"section {n}") for n in range(1, 7)
    )
    due = datetime.date(year, 12, 31)
    reported_at = timezone.make_aware(datetime.datetime(year, 6, 20, 10))
    rows = []
    for n in range(1, items + 1):
        reported = n % 3 == 0
        rows.append(WorkItem(
            section=sections[n % 6], number=n, title=f"item {n}", body="", due_date=due,
            status=("delayed" if n % 10 == 0 else "in_progress") if reported else "not_started",
            progress_percent=rng.randint(0, 100) if reported else 0, last_report_at=reported_at if reported else None,
        ))
    created = WorkItem.objects.bulk_create(rows, batch_size=2000)
    Target.objects.bulk_create(
        [Target(item=item, order=order, phrase="", subject="t", kind=kind, target_value=value,
                current_value=current, unit="")
         for item in created
         for order, kind, value, current in ((0, "count", 10, rng.randint(0, 12)),
                                             (1, "coverage", 100, rng.randint(0, 100)),
                                             (2, "count", None, None))],
        batch_size=3000,
    )
    return plan


def count_reminders(plan):
    """Every day of the plan's year: the job's own rule and facts, a key counted once as the log would."""
    from notifications.audiences import department_recipients
    from supervision import reminders
    from supervision.services import reminder_job as supervision_services

    seen, by_kind = set(), Counter()
    escalated_on: list[datetime.date] = []  # the days a 督办 went out, as the log would say
    day = datetime.date(plan.year, 1, 1)
    while day.year == plan.year:
        rules = supervision_services.reminder_rules(plan, today=day)
        facts = supervision_services._reminder_facts(plan, today=day, catch_up_days=rules.catch_up_days)
        for entry in reminders.due_reminders(plan.pk, facts.item_facts, rules, instructions=facts.instruction_facts,
                                             chases=facts.chase_facts, summaries=facts.summary_facts,
                                             escalated_on=escalated_on):
            if entry.key not in seen:
                seen.add(entry.key)
                by_kind[entry.kind] += 1
                if entry.kind == reminders.ESCALATION:
                    escalated_on.append(day)
        day += datetime.timedelta(days=1)
    departments = {k[1] for k in seen if k[1].startswith("department:")}
    recipients = department_recipients(department_ids={int(a.split(":")[1]) for a in departments})
    posts = sum(1 for k in seen if k[1].startswith("department:"))
    people = sum(
        len(recipients[int(k[1].split(":")[1])].heads if k[1].endswith(":heads") else recipients[int(k[1].split(":")[1])].staff)
        for k in seen if k[1].startswith("department:")
    )
    return by_kind, len(seen), posts, people


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, nargs="+", default=[10000])
    parser.add_argument("--no-reminders", action="store_true", help="only the roll-ups")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database() as connection:
        from django.conf import settings

        from departments.demo import seed_demo_accounts
        from tasks.services import plan_import_document

        plan = plan_import_document(data=settings.SEED_PLAN_DOCUMENT.read_bytes(), filename="2020.txt").plan
        plan.status = "published"
        plan.save()
        bench_plan("2020 plan", plan, datetime.date(2020, 6, 30), args.repeat)
        for n, size in enumerate(args.items):
            start = time.perf_counter()
            big = synthetic_plan(size, year=2030 + n)
            print(f"(built the {size}-item plan in {time.perf_counter() - start:.1f} s; database: {connection.vendor})")
            bench_plan("synthetic plan", big, datetime.date(big.year, 6, 30), max(1, args.repeat // 2))
        if args.no_reminders:
            return

        seed_demo_accounts()  # a head and a staff member per department, as `make run` has
        by_kind, total, posts, people = count_reminders(plan)
        print(f"\n2020 plan, every day of 2020, defaults (lead times {plan.reminder_lead_days}, reporting day "
              f"{plan.reporting_day}, escalation after {plan.escalation_days} days), nobody reporting, nothing done:")
        for kind, count in sorted(by_kind.items()):
            print(f"  {kind:<12} {count:>5}")
        print(f"  {'total':<12} {total:>5} reminders (unique keys)")
        print(f"  = {people} in-app notices (+ as many e-mails to those with an address) for the demo accounts,"
              f" and {posts} posts per group robot kind if every department had one")


if __name__ == "__main__":
    main()
