"""Benchmark: scoring a whole plan's year-end 考核 (every department's parts, with the lines behind them).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/unionplan .venv/bin/python bench/assessment.py

Builds, in a throw-away test database, synthetic published plans (tests.documents.bulk_plan: a lead and a
co-organizer per item, two targets, approved reports) at two sizes — 1,000 and 10,000 items over 200
departments — adds a year of 督办 history (quarterly checkpoints on every item, a chase of a tenth of the
items, an extension per fiftieth, a 批示 per twentieth), rolls it up, ANALYZEs, then measures with DEBUG off:
  - selectors.results(): every department's score, ranked (time, queries);
  - the ranking page as a leader sees it (time, queries);
  - the 考核表 workbook (one sheet per department) and the Word document.
Queries are counted with a connection.execute_wrapper (Django's query log stops at 9,000 entries).
Never part of the test suite.
"""

import argparse
import datetime
import zoneinfo

import time_machine

from harness import throwaway_database, timed

ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


class Counter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def counted(connection, fn):
    counter = Counter()
    with connection.execute_wrapper(counter):
        result = fn()
    return result, counter.count


def history(plan, leader, office_user) -> None:
    from decimal import Decimal

    from supervision.models import Chase, ChaseTarget, Extension, Instruction
    from tasks.models import Checkpoint, Responsibility

    from tasks.models import WorkItem

    items = list(WorkItem.objects.filter(section__plan=plan).order_by("number"))
    lead = dict(Responsibility.objects.filter(item__section__plan=plan, role="lead").values_list("item_id",
                                                                                                  "department_id"))
    year = plan.year
    Checkpoint.objects.bulk_create(
        Checkpoint(item=item, order=q, due_date=datetime.date(year, 3 * q, 30 if q in (2, 3) else 31),
                   title=f"第{q}季度", expected_percent=Decimal(25 * q))
        for item in items for q in (1, 2, 3, 4))
    chased = items[::10]
    chase = Chase.objects.create(plan=plan, created_by=office_user, message="请按时报送", reply_by=datetime.date(year, 7, 8))
    by_department: dict[int, list] = {}
    for item in chased:
        by_department.setdefault(lead[item.pk], []).append(item)
    targets = ChaseTarget.objects.bulk_create(ChaseTarget(chase=chase, department_id=d) for d in by_department)
    through = ChaseTarget.items.through
    through.objects.bulk_create(through(chasetarget_id=t.pk, workitem_id=i.pk)
                                for t in targets for i in by_department[t.department_id])
    Extension.objects.bulk_create(
        Extension(item=item, department_id=lead[item.pk], requested_by=office_user, current_due=item.due_date,
                  new_due=datetime.date(year + 1, 3, 31), reason="跨年", state=Extension.State.APPROVED)
        for item in items[::50])
    Instruction.objects.bulk_create(Instruction(item=item, author=leader, text="请加快进度", due_date=datetime.date(year, 9, 30))
                                    for item in items[::20])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000")
    parser.add_argument("--departments", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    with throwaway_database() as connection:
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.test import Client

        from assessment import documents, selectors, services
        from departments.roles import LEADERSHIP_GROUP, SUPERVISION_GROUP
        from departments.services import role_group
        from progress import services as progress_services
        from tests.documents import bulk_plan

        settings.DEBUG = False
        leader = get_user_model().objects.create_user("bench-leader", password="bench-pass-1")
        leader.groups.add(role_group(LEADERSHIP_GROUP))
        office_user = get_user_model().objects.create_user("bench-duban", password="bench-pass-1")
        office_user.groups.add(role_group(SUPERVISION_GROUP))
        client = Client()
        client.force_login(leader)
        print(f"database: {connection.vendor}; {args.departments} departments; median of {args.repeat}")
        print(f"{'items':>6} {'reports':>8} | {'results()':>10} {'q':>3} | {'ranking page':>12} {'q':>3} | "
              f"{'考核表 xlsx':>11} {'docx':>8}")
        for n, size in enumerate(int(s) for s in args.sizes.split(",")):
            year = 2030 + n
            plan = bulk_plan(items=size, departments=args.departments, reports=size * 10, year=year,
                             organization=f"合成总工会{n}")
            history(plan, leader, office_user)
            progress_services.rollup_refresh(plan=plan, today=datetime.date(year, 12, 31))
            scheme = services.scheme_ensure(plan=plan)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            day = datetime.date(year, 12, 31)
            _r, results_q = counted(connection, lambda: selectors.results(scheme=scheme, today=day))
            found, results_ms, _best = timed(lambda: selectors.results(scheme=scheme, today=day), args.repeat)
            url = f"/assessment/?plan={plan.pk}"
            # The page scores as of today: on the plan's last day, as the office would look at it.
            with time_machine.travel(datetime.datetime(year, 12, 31, 18, 0, tzinfo=ZONE), tick=True):
                client.force_login(leader)  # a session of that day
                client.get(url)
                _p, page_q = counted(connection, lambda: client.get(url))
                page, page_ms, _best = timed(lambda: client.get(url), args.repeat)
            assert page.status_code == 200
            _x, xlsx_ms, _best = timed(lambda: documents.assessment_excel(scheme=scheme, results=found), 1)
            _w, docx_ms, _best = timed(lambda: documents.assessment_word(scheme=scheme, results=found), 1)
            print(f"{size:>6} {size * 10:>8} | {results_ms:>8.0f}ms {results_q:>3} | {page_ms:>10.0f}ms {page_q:>3} | "
                  f"{xlsx_ms:>9.0f}ms {docx_ms:>6.0f}ms   ({len(found)} departments ranked)")


if __name__ == "__main__":
    main()
