"""Plan documents written for tests and benchmarks: the same shape as a real 工作要点."""

NUMERALS = "一二三四五六七八九十"


def synthetic_plan_text(*, items: int, sections: int = 6, year: int = 2030, organization: str = "测试市总工会") -> str:
    """A plan of `items` items spread over `sections` sections, each with departments and targets."""
    lines = [f"{organization}{year}年工作要点", f"{year}年的总体要求是：稳中求进。"]
    per_section = -(-items // sections)
    number = 0
    for s in range(sections):
        lines.append(f"{NUMERALS[s]}、第{NUMERALS[s]}部分工作")
        for _ in range(per_section):
            number += 1
            if number > items:
                break
            lines.append(
                f"{number}.第{number}项工作。年内创建X家示范点，为{number}名职工送体检，实现档案全覆盖。"
                f"（责任部室：部门{number % 7}、部门{(number + 1) % 7}<科室{number % 3}>）"
            )
    return "\n".join(lines) + "\n"


def bulk_plan(*, items: int, departments: int = 200, reports: int = 0, year: int = 2030, organization: str = "合成总工会"):
    """A large published plan written in bulk (the importer numbers items to 999): six sections,
    `departments` departments, a lead and a co-organizer per item, two targets per item and
    `reports` approved reports spread over the items. For query-count tests and benchmarks."""
    import datetime
    import random

    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django.utils import timezone

    from departments.models import Department
    from progress.models import ProgressReport
    from tasks.models import Responsibility, Section, Target, WorkItem, WorkPlan

    rng = random.Random(year)
    plan = WorkPlan.objects.create(organization=organization, year=year, title=f"{organization}{year}年工作要点",
                                   status="published")
    sections = Section.objects.bulk_create(
        Section(plan=plan, number=n, numeral=NUMERALS[n - 1], title=f"第{NUMERALS[n - 1]}部分") for n in range(1, 7)
    )
    groups = Group.objects.bulk_create(
        Group(name=f"bulk:{year}:{n}:{kind}") for n in range(departments) for kind in ("members", "heads")
    )
    depts = Department.objects.bulk_create(
        Department(name=f"{organization}部门{n}", order=1000 + n, group=groups[2 * n], head_group=groups[2 * n + 1])
        for n in range(departments)
    )
    due = datetime.date(year, 12, 31)
    created = WorkItem.objects.bulk_create(
        (WorkItem(section=sections[n % 6], number=n, title=f"第{n}项工作", body="", due_date=due,
                  status=rng.choice(["not_started", "in_progress", "delayed", "done"]),
                  progress_percent=rng.randint(0, 100))
         for n in range(1, items + 1)),
        batch_size=2000,
    )
    Responsibility.objects.bulk_create(
        (Responsibility(item=item, department=depts[(i + k) % departments], role=role, order=k)
         for i, item in enumerate(created) for k, role in ((0, "lead"), (1, "co_organizer"))),
        batch_size=4000,
    )
    Target.objects.bulk_create(
        (Target(item=item, order=k, phrase="", subject="示范点", kind=kind, unit=unit, target_value=value,
                current_value=rng.randint(0, 12))
         for item in created for k, kind, unit, value in ((0, "count", "家", 10), (1, "coverage", "%", 100))),
        batch_size=4000,
    )
    if reports:
        reporter, _created = get_user_model().objects.get_or_create(username=f"bulk-reporter-{year}")
        start = timezone.make_aware(datetime.datetime(year, 1, 1))
        ProgressReport.objects.bulk_create(
            (ProgressReport(item=created[n % items], department=depts[(n % items) % departments], role="lead",
                            reporter=reporter, status="in_progress", percent=rng.randint(0, 100),
                            narrative="合成报告", state="approved", created_at=start + datetime.timedelta(minutes=n))
             for n in range(reports)),
            batch_size=5000,
        )
    return plan
