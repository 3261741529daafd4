"""A living demo: a year of the 2020 plan's history, generated from its real items, departments and targets.

Everything goes through the services, on the day it would have happened (the clock
is moved with time-machine), so the demo's history is what users would have left:
monthly reports by each responsible department — most approved, some returned and
resubmitted, a few late or reported 滞后 — target readings rising through the year,
brand milestones, leadership instructions and answers, in-app notices, and a
snapshot at the end of every day. A fixed random seed gives the same data every time.

The texts come from `ops/demo/narratives.json` (data, like the plan document).
"""

from __future__ import annotations

import datetime
import json
import random
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import time_machine
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from brands import services as brand_services
from brands.models import Brand, Level
from departments.models import Membership
from notifications import services as notification_services
from notifications.models import Notification, OutboxMessage
from progress import services as progress_services
from progress.models import ProgressReport
from supervision import services as supervision_services
from tasks import selectors as plan_selectors
from tasks import services as plan_services
from tasks.models import Target, WorkItem, WorkPlan

ROLLUP_TASKS = ("progress.refresh_rollup",)
TEXTS = json.loads((Path(__file__).parent / "demo" / "narratives.json").read_text(encoding="utf-8"))
ZONE = zoneinfo.ZoneInfo(settings.TIME_ZONE)


class DemoExists(Exception):
    """The plan has reports already: a demo year is only written into a plan with no history."""


@dataclass
class DemoYear:
    plan: WorkPlan
    reports: int = 0
    returned: int = 0
    instructions: int = 0
    milestone_reports: int = 0
    snapshots: int = 0


@dataclass(order=True)
class _Step:
    at: datetime.datetime
    order: int
    run: Callable = field(compare=False)


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZONE)


def _people(plan: WorkPlan) -> dict[int, tuple]:
    """department id -> (a staff member, a head), from the demo accounts (seed_demo)."""
    found: dict[int, dict] = {}
    for membership in Membership.objects.filter(user__is_active=True).select_related("user").order_by("user__username"):
        found.setdefault(membership.department_id, {}).setdefault(membership.role, membership.user)
    return {department: (roles.get(Membership.Role.MEMBER), roles.get(Membership.Role.HEAD))
            for department, roles in found.items()}


class _Year:
    """The schedule of one demo year: steps at their moments, run in order, a snapshot after each day."""

    def __init__(self, plan: WorkPlan, *, seed: int):
        self.plan = plan
        self.rng = random.Random(seed)
        self.steps: list[_Step] = []
        self.people = _people(plan)
        self.result = DemoYear(plan=plan)

    def at(self, moment: datetime.datetime, run: Callable) -> None:
        self.steps.append(_Step(moment, len(self.steps), run))

    def text(self, kind: str, item: WorkItem, month: int) -> str:
        template = self.rng.choice(TEXTS[kind])
        return template.format(month=month, title=item.title, count=self.rng.randint(2, 12),
                               people=self.rng.randint(3, 60) * 10)

    def run(self, *, until: datetime.date | None = None) -> None:
        self.steps.sort()
        day = datetime.date(self.plan.year, 1, 1)
        last = min(until or self.plan.year_end, self.plan.year_end)
        pending = iter(self.steps)
        step = next(pending, None)
        while day <= last:
            while step is not None and step.at.date() == day:
                since = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
                with time_machine.travel(step.at, tick=False):
                    step.run()
                    # What a worker does within seconds (the notices) happens on the same day; the
                    # roll-up is taken each night below, and once more at the end.
                    notification_services.outbox_run_in_process(since_id=since, done_by_caller=ROLLUP_TASKS)
                step = next(pending, None)
            with time_machine.travel(_at(day + datetime.timedelta(days=1), 0, 10), tick=False):
                self.result.snapshots += progress_services.snapshot_take(day=day, plan=self.plan)
            day += datetime.timedelta(days=1)


def _fill_placeholders(year: _Year) -> None:
    """January: the office gives every target still 待定 a value, as a clerk would before publishing."""
    def fill():
        for target in Target.objects.filter(item__section__plan=year.plan, target_value__isnull=True):
            if target.kind == Target.Kind.COUNT:
                value = Decimal(year.rng.randint(3, 30))
            elif target.kind == Target.Kind.PERCENTAGE:
                value = Decimal(year.rng.choice([85, 90, 95]))
            elif target.kind == Target.Kind.COVERAGE:
                value = Decimal(100)
            else:
                plan_services.target_fill(target=target, value=None, no_number=True)
                continue
            plan_services.target_fill(target=target, value=value)
        try:
            plan_services.plan_publish(plan=year.plan)
        except plan_services.PlanNotReady:
            WorkPlan.objects.filter(pk=year.plan.pk).update(status=WorkPlan.Status.PUBLISHED)
    year.at(_at(datetime.date(year.plan.year, 1, 3), 9), fill)


def _readings(item: WorkItem, share: float) -> dict[int, Decimal]:
    readings = {}
    for target in item.targets.all():
        if target.target_value is None:
            continue
        if target.kind == Target.Kind.COUNT:
            readings[target.pk] = Decimal(int(float(target.target_value) * share))
        elif target.kind in (Target.Kind.PERCENTAGE, Target.Kind.COVERAGE):
            readings[target.pk] = Decimal(str(round(min(float(target.target_value), 100.0) * share, 1)))
    return readings


def _storyline(year: _Year, *, item: WorkItem, department, role: str, day: datetime.date, status: str,
               percent: int, share: float, kind: str) -> None:
    """One monthly report: submitted, then approved a day or three later, or returned and resubmitted."""
    staff, head = year.people.get(department.pk, (None, None))
    if staff is None or head is None:
        return
    state = {}
    month = day.month
    narrative = year.text(kind, item, month)
    returned = year.rng.random() < 0.1

    def submit(text=narrative):
        # Read the targets on the day: the values the office filled in January count.
        fresh = WorkItem.objects.prefetch_related("targets").get(pk=item.pk)
        state["report"] = progress_services.report_submit(
            item=fresh, department=department, reporter=staff, status=status, percent=percent, narrative=text,
            readings=_readings(fresh, share) if role == "lead" else {}, evidence=[], base_version=fresh.version,
        )
        year.result.reports += 1

    def approve():
        progress_services.report_approve(report=state["report"], reviewer=head,
                                         comment=year.rng.choice(TEXTS["approve_comment"]))

    def send_back():
        progress_services.report_return(report=state["report"], reviewer=head,
                                        comment=year.rng.choice(TEXTS["return_comment"]))
        year.result.returned += 1

    hour = year.rng.randint(9, 16)
    year.at(_at(day, hour, year.rng.randint(0, 59)), submit)
    review_day = day + datetime.timedelta(days=year.rng.randint(1, 3))
    if returned:
        year.at(_at(review_day, 10), send_back)
        again = review_day + datetime.timedelta(days=1)
        year.at(_at(again, 15), lambda: submit(narrative + TEXTS["resubmitted"]))
        year.at(_at(again + datetime.timedelta(days=1), 10), approve)
    else:
        year.at(_at(review_day, 10, year.rng.randint(0, 59)), approve)


def _item_year(year: _Year, item: WorkItem, fate: str) -> None:
    """Twelve months of one item: the lead reports monthly, co-organizers each quarter."""
    finish = year.rng.randint(9, 12)
    final = {"done": 100, "late": year.rng.randint(55, 75), "behind": year.rng.randint(80, 90)}[fate]
    responsibilities = list(item.responsibilities.select_related("department"))
    percent = 0
    for month in range(1, 13):
        if fate == "done" and month > finish:
            break
        planned = round(final * min(month, finish) / finish)
        percent = min(max(percent, planned + year.rng.randint(-4, 3)), 100)
        if fate == "done" and month == finish:
            percent = 100
        elif percent >= 100:
            percent = 99
        status = "done" if percent == 100 else "delayed" if fate == "late" and month >= 9 else "in_progress"
        kind = "done" if status == "done" else "delayed" if status == "delayed" else "progress"
        late = year.rng.random() < 0.08  # after the reporting day: the cycle's reminder will have gone out
        day = datetime.date(year.plan.year, month, year.rng.randint(26, 28) if late else year.rng.randint(14, 24))
        for responsibility in responsibilities:
            if responsibility.role == "lead":
                _storyline(year, item=item, department=responsibility.department, role="lead", day=day,
                           status=status, percent=percent, share=percent / 100, kind=kind)
            elif month % 3 == 0:
                _storyline(year, item=item, department=responsibility.department, role="co_organizer",
                           day=day + datetime.timedelta(days=1), status=status, percent=percent,
                           share=percent / 100, kind="co_progress")


def _brands_year(year: _Year, item: WorkItem) -> None:
    """The brands of the item that names them: milestones in January, reported in June and December."""
    brands = list(Brand.objects.filter(plan=year.plan, item=item).select_related("owner").order_by("order"))

    def create():
        for position, brand in enumerate(brands):
            steps = [(_("Work plan and pilot sites settled"), datetime.date(year.plan.year, 6, 30)),
                     (_("Recognized as a city-level brand"), datetime.date(year.plan.year, 12, 31)),
                     (_("Provincial-level brand applied for"), brand.target_date)]
            for order, (title, due) in enumerate(steps, 1):
                brand_services.milestone_create(brand=brand, title=title, due_date=due, order=order)
            if position % 2 == 0:
                Brand.objects.filter(pk=brand.pk).update(level=Level.CITY if position == 0 else Level.COUNTY)
    year.at(_at(datetime.date(year.plan.year, 1, 6), 10), create)

    for month, milestone_order, percent in ((6, 1, 100), (12, 2, None)):
        for position, brand in enumerate(brands):
            staff, head = year.people.get(brand.owner_id, (None, None)) if brand.owner_id else (None, None)
            if staff is None or head is None:
                continue
            done = percent or (100 if position % 3 else 70)

            def report(brand=brand, staff=staff, head=head, done=done, milestone_order=milestone_order, month=month):
                milestone = brand.milestones.get(order=milestone_order)
                fresh = WorkItem.objects.get(pk=item.pk)
                link = brand_services.milestone_report_submit(
                    milestone=milestone, department=brand.owner, reporter=staff,
                    status="done" if done == 100 else "in_progress", percent=done,
                    narrative=TEXTS["milestone"][milestone_order - 1], evidence=[], base_version=fresh.version,
                )
                if link.report.state == ProgressReport.State.SUBMITTED:
                    progress_services.report_approve(report=link.report, reviewer=head, comment="")
                year.result.milestone_reports += 1
            year.at(_at(datetime.date(year.plan.year, month, 20 + position), 11), report)


def _instructions(year: _Year, items: list[WorkItem], late: list[WorkItem]) -> None:
    leader = get_user_model().objects.filter(username="leader").first()
    if leader is None:
        return
    days = [(3, 10), (4, 20), (6, 5), (8, 18), (10, 9), (11, 25)]
    chosen = late + [i for i in year.rng.sample(items, len(items)) if i not in late]
    for position, ((month, day_of_month), item) in enumerate(zip(days, chosen)):
        day = datetime.date(year.plan.year, month, day_of_month)
        text = TEXTS["instructions"][2] if item in late else TEXTS["instructions"][position % len(TEXTS["instructions"])]
        state = {}

        def write(item=item, text=text, state=state):
            state["instruction"] = supervision_services.instruction_create(item=item, author=leader, text=text)
            year.result.instructions += 1
        year.at(_at(day, 9, 30), write)
        lead = item.responsibilities.get(role="lead").department
        staff, _head = year.people.get(lead.pk, (None, None))
        if staff is not None and position < 4:
            def answer(staff=staff, state=state, position=position):
                supervision_services.instruction_reply(instruction=state["instruction"], user=staff,
                                                       text=TEXTS["replies"][position % len(TEXTS["replies"])])
            year.at(_at(day + datetime.timedelta(days=year.rng.randint(3, 6)), 16), answer)


def seed_year(*, plan: WorkPlan | None = None, seed: int = 2020, until: datetime.date | None = None) -> DemoYear:
    """Write a year of history into `plan` (the current one by default), or its first part up to `until`;
    refused if the plan has reports."""
    plan = plan or plan_selectors.plan_current()
    if ProgressReport.objects.filter(item__section__plan=plan).exists():
        raise DemoExists(_("%(title)s has reports already; the demo year is written into a plan without history.")
                         % {"title": plan.title})
    year = _Year(plan, seed=seed)
    items = list(WorkItem.objects.filter(section__plan=plan).prefetch_related("targets", "brands")
                 .order_by("section__number", "number"))
    with_brands = [item for item in items if item.brands.all()]
    regular = [item for item in items if item not in with_brands]
    late = year.rng.sample(regular, 3) if len(regular) > 6 else []
    behind = [i for i in year.rng.sample(regular, 2) if i not in late] if len(regular) > 6 else []
    with translation.override(settings.LANGUAGE_CODE):
        _fill_placeholders(year)
        for item in regular:
            _item_year(year, item, "late" if item in late else "behind" if item in behind else "done")
        for item in with_brands:
            _brands_year(year, item)
        _instructions(year, regular, late)
        # One transaction: a year of history is written in seconds, not one disk sync per change.
        with transaction.atomic():
            year.run(until=until)
    # What people read long ago is read; the last fortnight's notices are still new.
    last = min(until or plan.year_end, plan.year_end)
    Notification.objects.filter(created_at__lt=_at(last - datetime.timedelta(days=14), 0)).update(
        read_at=timezone.now())
    progress_services.rollup_refresh(plan=plan)
    return year.result
