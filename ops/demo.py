"""A living demo: a year of the 2020 plan's history, generated from its real items, departments and targets.

Everything goes through the services, on the day it would have happened (the clock
is moved with time-machine), so the demo's history is what users would have left:
monthly reports by each responsible department — most approved, some returned and
resubmitted, a few late or reported 滞后 — target readings rising through the year,
brand milestones, in-app notices, checkpoints (节点: quarterly ones set in January for a
section and the late items, one of them moved and one with a target's expected value; the lead's
reports answer the next one), and the 督办 loop: leadership instructions
answered, confirmed or returned, two 交办事项, the office's quarterly chases of
late departments, extension requests approved and refused, items checked and
closed (销号) or returned, half-year and year-end summaries — and a snapshot at
the end of every day. A fixed random seed gives the same data every time.

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

from assessment import services as assessment_services
from brands import services as brand_services
from brands.models import Brand, Level
from departments.models import Department, Membership
from notifications import services as notification_services
from notifications.models import Notification, OutboxMessage
from progress import services as progress_services
from progress.models import ProgressReport
from supervision import services as supervision_services
from tasks import selectors as plan_selectors
from tasks import services as plan_services
from tasks.models import Checkpoint, Responsibility, Target, WorkItem, WorkPlan

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
    chases: int = 0
    extensions: int = 0
    checks: int = 0
    assignments: int = 0
    summaries: int = 0
    self_assessments_sent: int = 0
    scores_signed: int = 0


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
            while step is not None and step.at.date() <= day:
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
            progress_services.plans_forget()
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


def _checkpoints(year: _Year, items: list[WorkItem], late: list[WorkItem]) -> None:
    """5 January: the office gives section 三's items and the late ones quarterly checkpoints in one action,
    then on one item moves the half-year checkpoint to mid-July and expects half of its first target by then."""
    office = _user("duban")
    if office is None:
        return
    third = [item for item in items if item.section.number == 3]
    chosen = [item.pk for item in third] + [item.pk for item in late]

    def set_up():
        plan_services.checkpoints_quarterly(plan=year.plan, item_ids=chosen, percents=(20, 50, 75, 100), user=office)
        measured = next((item for item in third if any(t.target_value for t in item.targets.all())), None)
        if measured is None:
            return
        fresh = plan_selectors.item_detail(item_id=measured.pk)
        summer = Checkpoint.objects.filter(item=fresh, due_date=datetime.date(year.plan.year, 6, 30)).first()
        target = next(t for t in fresh.targets.all() if t.target_value)
        if summer is not None:
            plan_services.checkpoint_update(
                checkpoint=summer, user=office, due_date=datetime.date(year.plan.year, 7, 15), title=summer.title,
                expected_percent=50, target_values={target.pk: (target.target_value / 2).quantize(Decimal(1))})
    year.at(_at(datetime.date(year.plan.year, 1, 5), 10), set_up)


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
        # The lead's report answers the item's next checkpoint (节点), as the form offers it.
        answers = (Checkpoint.objects.filter(item=fresh, due_date__gte=day).order_by("due_date").first()
                   if role == "lead" else None)
        state["report"] = progress_services.report_submit(
            item=fresh, department=department, reporter=staff, status=status, percent=percent, narrative=text,
            readings=_readings(fresh, share) if role == "lead" else {}, evidence=[], base_version=fresh.version,
            checkpoint=answers,
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


def _user(username: str):
    return get_user_model().objects.filter(username=username, is_active=True).first()


def _instructions(year: _Year, items: list[WorkItem], late: list[WorkItem]) -> None:
    """Six 批示 through the whole loop: to the lead and a co-organizer with a 时限, answered, confirmed (办结),
    one returned and answered again, one waiting for confirmation, two still open (one past its 时限)."""
    leader, office = _user("leader"), _user("duban")
    if leader is None:
        return
    days = [(3, 10), (4, 20), (6, 5), (8, 18), (10, 9), (11, 25)]
    chosen = late + [i for i in year.rng.sample(items, len(items)) if i not in late]
    for position, ((month, day_of_month), item) in enumerate(zip(days, chosen)):
        day = datetime.date(year.plan.year, month, day_of_month)
        text = TEXTS["instructions"][2] if item in late else TEXTS["instructions"][position % len(TEXTS["instructions"])]
        responsibilities = list(item.responsibilities.select_related("department").order_by("order"))
        departments = [r.department for r in responsibilities[:2]]
        lead = responsibilities[0].department
        staff, _head = year.people.get(lead.pk, (None, None))
        state = {}

        def write(item=item, text=text, state=state, departments=departments, day=day):
            state["instruction"] = supervision_services.instruction_create(
                item=item, author=leader, text=text, departments=departments,
                due_date=day + datetime.timedelta(days=14))
            year.result.instructions += 1
        year.at(_at(day, 9, 30), write)
        if staff is None or position >= 4:
            continue

        def reply(staff=staff, state=state, position=position, department=lead, text=None):
            supervision_services.instruction_reply(
                instruction=state["instruction"], user=staff, department=department,
                text=text or TEXTS["replies"][position % len(TEXTS["replies"])])

        def close(state=state, by=leader):
            supervision_services.instruction_close(instruction=state["instruction"], user=by,
                                                   comment=year.rng.choice(TEXTS["instruction_close"]))

        def send_back(state=state):
            supervision_services.instruction_return(instruction=state["instruction"], user=leader,
                                                    comment=TEXTS["instruction_return"][0])
        answered = day + datetime.timedelta(days=year.rng.randint(3, 5))
        year.at(_at(answered, 16), reply)
        if position in (0, 2):
            year.at(_at(answered + datetime.timedelta(days=2), 10), close)
        elif position == 1:
            year.at(_at(answered + datetime.timedelta(days=1), 11), send_back)
            year.at(_at(answered + datetime.timedelta(days=3), 15),
                    lambda reply=reply: reply(text=TEXTS["replies"][0] + TEXTS["resubmitted"]))
            if office is not None:
                year.at(_at(answered + datetime.timedelta(days=4), 10), lambda close=close: close(by=office))


def _lead_departments(plan: WorkPlan) -> list:
    return list(Department.objects.filter(responsibilities__role="lead", responsibilities__item__section__plan=plan,
                                          is_active=True).distinct().order_by("order"))


def _department_named(names: list[str], fallback):
    found = list(Department.objects.filter(name__in=names, is_active=True))
    found.sort(key=lambda d: names.index(d.name))
    return found or fallback


def _assignments(year: _Year, departments: list) -> None:
    """Two 交办事项 from meetings, each an item of its own: reported, reviewed, one done and closed (销号)."""
    leader, office = _user("leader"), _user("duban")
    if leader is None or len(departments) < 2:
        return
    plan_year = year.plan.year
    for position, (start, due, months) in enumerate((
            (datetime.date(plan_year, 3, 20), datetime.date(plan_year, 10, 31), (4, 6, 8, 10)),
            (datetime.date(plan_year, 6, 28), datetime.date(plan_year, 8, 31), (7, 8)))):
        assignment = TEXTS["assignments"][position]
        chosen = _department_named(assignment.get("departments", []), departments[position:position + 2])
        lead = chosen[0]
        staff, head = year.people.get(lead.pk, (None, None))
        state = {}

        def assign(assignment=assignment, chosen=chosen, due=due, state=state):
            instruction = supervision_services.assignment_create(
                plan=year.plan, author=leader, title=assignment["title"], text=assignment["text"],
                departments=chosen, due_date=due)
            state["item"] = instruction.item
            state["instruction"] = instruction
            year.result.assignments += 1
        year.at(_at(start, 10), assign)
        if staff is None or head is None:
            continue
        for step, month in enumerate(months, 1):
            percent = round(100 * step / len(months))

            def report(state=state, percent=percent, month=month, staff=staff, head=head, lead=lead):
                item = WorkItem.objects.get(pk=state["item"].pk)
                submitted = progress_services.report_submit(
                    item=item, department=lead, reporter=staff, status="done" if percent == 100 else "in_progress",
                    percent=percent, narrative=year.text("done" if percent == 100 else "progress", item, month),
                    readings={}, evidence=[], base_version=item.version)
                progress_services.report_approve(report=submitted, reviewer=head,
                                                 comment=year.rng.choice(TEXTS["approve_comment"]))
            day = min(datetime.date(plan_year, month, 20), due)
            year.at(_at(day, 15), report)
        if office is not None:
            def check(state=state):
                item = WorkItem.objects.get(pk=state["item"].pk)
                if item.status == WorkItem.Status.DONE and item.closed_at is None:
                    year.result.checks += 1
                    supervision_services.completion_close(item=item, user=office,
                                                          comment=TEXTS["completion_close"][0])
            year.at(_at(min(datetime.date(plan_year, months[-1], 24), due + datetime.timedelta(days=3)), 10), check)

        def answer(state=state, staff=staff, lead=lead):
            instruction = state["instruction"]
            instruction.refresh_from_db()
            if instruction.is_open:
                supervision_services.instruction_reply(instruction=instruction, user=staff, department=lead,
                                                       text=TEXTS["replies"][0])
        year.at(_at(start + datetime.timedelta(days=4), 16), answer)


def _chases(year: _Year) -> None:
    """After each quarter the office chases the departments that are late (一键催办); one answers in writing,
    the others answer with their next report."""
    office = _user("duban")
    if office is None:
        return
    for month, day_of_month in ((4, 3), (7, 3), (10, 10)):
        day = datetime.date(year.plan.year, month, day_of_month)
        state = {}

        def chase(day=day, state=state):
            progress_services.rollup_refresh(plan=year.plan, today=day)
            late = supervision_services.late_departments(plan=year.plan)[:4]
            if not late:
                return
            state["chase"] = supervision_services.chase_create(
                plan=year.plan, author=office, message=year.rng.choice(TEXTS["chase"]),
                reply_by=day + datetime.timedelta(days=5), targets={entry.department: list(entry.items) for entry in late})
            year.result.chases += 1
        year.at(_at(day, 9, 15), chase)

        def answer(state=state):
            chase = state.get("chase")
            if chase is None:
                return
            target = chase.targets.select_related("department").order_by("pk").first()
            staff, _head = year.people.get(target.department_id, (None, None))
            if staff is not None and target.answered_at is None:
                supervision_services.chase_answer(target=target, user=staff, text=year.rng.choice(TEXTS["chase_answer"]))
        year.at(_at(day + datetime.timedelta(days=2), 11), answer)


def _extensions(year: _Year, late: list[WorkItem]) -> None:
    """Two requests for more time on late items: one checked by the office and approved by leadership,
    one refused by the office."""
    leader, office = _user("leader"), _user("duban")
    if leader is None or office is None:
        return
    plan_year = year.plan.year
    for position, item in enumerate(late[:2]):
        lead = item.responsibilities.get(role="lead").department
        _staff, head = year.people.get(lead.pk, (None, None))
        if head is None:
            continue
        day = datetime.date(plan_year, 9 + position, 15)
        new_due = datetime.date(plan_year + 1, 3, 31) if position == 0 else datetime.date(plan_year + 1, 1, 31)
        state = {}

        def ask(item=item, head=head, lead=lead, new_due=new_due, state=state, position=position):
            fresh = WorkItem.objects.get(pk=item.pk)
            state["extension"] = supervision_services.extension_request(
                item=fresh, user=head, department=lead, new_due=new_due, reason=TEXTS["extension_reason"][position])
            year.result.extensions += 1
        year.at(_at(day, 14), ask)
        if position == 0:
            year.at(_at(day + datetime.timedelta(days=1), 10), lambda state=state: supervision_services.extension_check(
                extension=state["extension"], user=office, approve=True, comment=TEXTS["extension_check"][0]))
            year.at(_at(day + datetime.timedelta(days=3), 9), lambda state=state: supervision_services.extension_decide(
                extension=state["extension"], user=leader, approve=True, comment=TEXTS["instruction_close"][0]))
        else:
            year.at(_at(day + datetime.timedelta(days=1), 10), lambda state=state: supervision_services.extension_check(
                extension=state["extension"], user=office, approve=False, comment=TEXTS["extension_refuse"][0]))


def _completion_checks(year: _Year) -> None:
    """At the start of each month the office checks what was reported done (销号); the first is returned
    (退回重办), reported done again with what was missing four days later, and closed the month after."""
    office = _user("duban")
    if office is None or not year.plan.completion_check_required:
        return
    state = {"returned": None, "redone": False}
    for month in range(2, 13):
        day = datetime.date(year.plan.year, month, 3)

        def check():
            waiting = WorkItem.objects.filter(section__plan=year.plan, status=WorkItem.Status.DONE,
                                              closed_at__isnull=True).order_by("section__number", "number")
            for item in waiting:
                year.result.checks += 1
                if state["returned"] is None:
                    state["returned"] = item
                    supervision_services.completion_return(item=item, user=office,
                                                           comment=TEXTS["completion_return"][0])
                else:
                    supervision_services.completion_close(item=item, user=office, comment=TEXTS["completion_close"][0])
        year.at(_at(day, 9), check)

        def again(month=month):
            # The schedule is fixed before the year runs: each month has a slot for the one redo.
            if state["returned"] is None or state["redone"]:
                return
            state["redone"] = True
            item = state["returned"]
            lead = item.responsibilities.get(role="lead").department
            staff, head = year.people.get(lead.pk, (None, None))
            if staff is None or head is None:
                return
            fresh = WorkItem.objects.prefetch_related("targets").get(pk=item.pk)
            report = progress_services.report_submit(
                item=fresh, department=lead, reporter=staff, status="done", percent=100,
                narrative=year.text("done", fresh, month) + TEXTS["resubmitted"], readings=_readings(fresh, 1.0),
                evidence=[], base_version=fresh.version)
            progress_services.report_approve(report=report, reviewer=head, comment=TEXTS["approve_comment"][0])
        year.at(_at(day + datetime.timedelta(days=4), 15), again)


def _summaries(year: _Year) -> None:
    """半年总结 and 年终总结 from the responsible departments: most on time, a few late, one missing."""
    requirements = list(year.plan.summary_requirements.order_by("due_date"))
    departments = list(Department.objects.filter(responsibilities__role="lead",
                                                 responsibilities__item__section__plan=year.plan)
                       .distinct().order_by("order"))
    for requirement in requirements:
        for position, department in enumerate(departments):
            staff, _head = year.people.get(department.pk, (None, None))
            if staff is None or (position == len(departments) - 1 and requirement == requirements[-1]):
                continue
            offset = year.rng.randint(-9, -1) if position % 4 else year.rng.randint(1, 3)
            day = min(requirement.due_date + datetime.timedelta(days=offset), year.plan.year_end)

            def send(requirement=requirement, department=department, staff=staff):
                supervision_services.summary_submit(
                    requirement=requirement, department=department, user=staff,
                    text=TEXTS["summary"][0].format(department=department.name, name=requirement.name))
                year.result.summaries += 1
            year.at(_at(day, 16), send)


def _assessment(year: _Year) -> None:
    """December: the year-end 考核 under way. Most departments write their 自评 and their heads send it (one a
    few days late, one returned once and sent again); one is written but not yet put forward, one waits for its
    head, one has not begun. The office gives a bonus and a deduction; leadership adjusts and signs off one."""
    scheme = assessment_services.scheme_ensure(plan=year.plan)
    leader, office = _user("leader"), _user("duban")
    departments = _lead_departments(year.plan)
    for position, department in enumerate(departments):
        staff, head = year.people.get(department.pk, (None, None))
        if staff is None or position == len(departments) - 1:
            continue  # not begun
        written = datetime.date(year.plan.year, 12, 2 + position % 12)

        def write(department=department, staff=staff):
            sa = assessment_services.self_assessment_ensure(scheme=scheme, department=department)
            for responsibility in (Responsibility.objects.filter(department=department, item__section__plan=year.plan)
                                   .select_related("item").order_by("item__number")):
                assessment_services.entry_save(self_assessment=sa, item=responsibility.item, user=staff,
                                               text=year.text("self_assessment", responsibility.item, 12))
        year.at(_at(written, 15), write)
        if position % 7 == 5:
            continue  # written, not yet put forward

        def put_forward(department=department, staff=staff):
            sa = assessment_services.self_assessment_ensure(scheme=scheme, department=department)
            assessment_services.self_assessment_put_forward(self_assessment=sa, user=staff)
        year.at(_at(written + datetime.timedelta(days=1), 10), put_forward)
        if head is None or position % 7 == 6:
            continue  # waiting for its head
        if position == 1:
            def send_back(department=department, head=head):
                sa = assessment_services.self_assessment_ensure(scheme=scheme, department=department)
                assessment_services.self_assessment_return(self_assessment=sa, head=head,
                                                           comment=TEXTS["self_return"][0])
            year.at(_at(written + datetime.timedelta(days=2), 9), send_back)
            year.at(_at(written + datetime.timedelta(days=3), 10), put_forward)
        sent = written + datetime.timedelta(days=4)
        if position == 2:
            sent = scheme.due_on + datetime.timedelta(days=3)  # late: it costs the 自评 part

        def send(department=department, head=head):
            sa = assessment_services.self_assessment_ensure(scheme=scheme, department=department)
            assessment_services.self_assessment_send(self_assessment=sa, head=head)
            year.result.self_assessments_sent += 1
        year.at(_at(sent, 11), send)
    if office is None or leader is None or len(departments) < 4:
        return
    manual = scheme.parts.filter(kind="manual").first()
    if manual is not None:
        year.at(_at(datetime.date(year.plan.year, 12, 27), 10), lambda: assessment_services.manual_score_add(
            scheme=scheme, department=departments[0], part=manual, points=Decimal(3),
            reason=TEXTS["assessment_bonus"][0], user=office))
        year.at(_at(datetime.date(year.plan.year, 12, 27), 11), lambda: assessment_services.manual_score_add(
            scheme=scheme, department=departments[3], part=manual, points=Decimal(-1),
            reason=TEXTS["assessment_deduction"][0], user=office))

    def sign():
        assessment_services.adjustment_set(scheme=scheme, department=departments[0], points=Decimal(1),
                                           comment=TEXTS["assessment_adjust"][0], user=leader)
        assessment_services.sign_off(scheme=scheme, department=departments[0], user=leader)
        year.result.scores_signed += 1
    year.at(_at(datetime.date(year.plan.year, 12, 30), 16), sign)


def seed_year(*, plan: WorkPlan | None = None, seed: int = 2020, until: datetime.date | None = None) -> DemoYear:
    """Write a year of history into `plan` (the current one by default), or its first part up to `until`;
    refused if the plan has reports."""
    plan = plan or plan_selectors.plan_current()
    if ProgressReport.objects.filter(item__section__plan=plan).exists():
        raise DemoExists(_("%(title)s has reports already; the demo year is written into a plan without history.")
                         % {"title": plan.title})
    year = _Year(plan, seed=seed)
    items = list(WorkItem.objects.filter(section__plan=plan).select_related("section")
                 .prefetch_related("targets", "brands").order_by("section__number", "number"))
    with_brands = [item for item in items if item.brands.all()]
    regular = [item for item in items if item not in with_brands]
    late = year.rng.sample(regular, 3) if len(regular) > 6 else []
    behind = [i for i in year.rng.sample(regular, 2) if i not in late] if len(regular) > 6 else []
    with translation.override(settings.LANGUAGE_CODE):
        _fill_placeholders(year)
        _checkpoints(year, regular, late)
        for item in regular:
            _item_year(year, item, "late" if item in late else "behind" if item in behind else "done")
        for item in with_brands:
            _brands_year(year, item)
        _instructions(year, regular, late)
        _assignments(year, _lead_departments(plan))
        _chases(year)
        _extensions(year, late)
        _completion_checks(year)
        _summaries(year)
        _assessment(year)
        # One transaction: a year of history is written in seconds, not one disk sync per change.
        with transaction.atomic():
            year.run(until=until)
    # What people read long ago is read; the last fortnight's notices are still new.
    last = min(until or plan.year_end, plan.year_end)
    old = Notification.objects.filter(created_at__lt=_at(last - datetime.timedelta(days=14), 0))
    recipients = set(old.values_list("recipient_id", flat=True))
    old.update(read_at=timezone.now())
    notification_services.frame_forget(user_ids=recipients)  # their unread counts changed
    progress_services.rollup_refresh(plan=plan)
    return year.result
