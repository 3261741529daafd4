"""Reads of supervision: what waits for a department (我的工作), and leadership instructions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import F, Max, Prefetch, Q, Window
from django.db.models.functions import RowNumber
from django.core.cache import cache
from django.utils import timezone

from core.prepared import database_scoped

from notifications.audiences import staff_of
from departments.models import Department
from progress.models import ItemRollup, Light, ProgressReport
from progress.selectors import late_counts, late_q
from tasks.extensions import TimelineEvent
from tasks.models import Checkpoint, Responsibility, Section, WorkItem, WorkPlan

from .models import (
    Chase,
    ChaseTarget,
    CompletionCheck,
    Extension,
    Instruction,
    InstructionEntry,
    SummaryReport,
    SummaryRequirement,
)

DUE_SOON_DAYS = 30


def last_chase_key() -> str:
    return database_scoped("last-chase")


def last_chase_stamp(*, cached: str | None = None) -> str:
    """When anyone was last chased, as a stamp for the dashboard's cached body (its late list says 已催办):
    kept in the cache, forgotten by chase_create; `cached` is the entry when the caller read it already
    (in the round trip that read the plans). One query when the cache has forgotten it."""
    if cached is not None:
        return cached
    last = Chase.objects.aggregate(last=Max("created_at"))["last"]
    stamp = last.isoformat() if last else "none"
    cache.set(last_chase_key(), stamp, 60 * 60)
    return stamp


@dataclass
class MyWorkRow:
    """One item the user's department is responsible for, with what waits for them."""

    responsibility: Responsibility
    latest_state: str | None
    latest_status: str | None
    latest_percent: int | None
    latest_at: object
    open_instructions: list = field(default_factory=list)
    next_checkpoint: object = None

    @property
    def item(self) -> WorkItem:
        return self.responsibility.item

    def flags(self, today: datetime.date) -> list[str]:
        item = self.item
        flags = []
        if self.latest_at is None:
            flags.append("never_reported")
        elif self.latest_state == ProgressReport.State.RETURNED:
            flags.append("returned")
        elif self.latest_state == ProgressReport.State.SUBMITTED:
            flags.append("awaiting_review")
        if item.status != WorkItem.Status.DONE:
            if item.due_date < today:
                flags.append("overdue")
            elif (item.due_date - today).days <= DUE_SOON_DAYS:
                flags.append("due_soon")
        if self.open_instructions:
            flags.append("instruction")
        if item.status == WorkItem.Status.DONE and item.closed_at is None:
            flags.append("awaiting_check")
        return flags


MY_WORK_PAGE = 50  # rows a page of 我的工作 shows (as the plan page: tasks.selectors.PLAN_PAGE_ITEMS)


@dataclass
class MyWorkPage:
    """A page of the items of the user's departments (`rows`); `page` is its Paginator page, whose
    paginator counts every row of every page."""

    rows: list[MyWorkRow]
    page: object

    @property
    def total(self) -> int:
        return self.page.paginator.count


def my_work(*, user, plan: WorkPlan, page: int | str | None = 1, per_page: int | None = None) -> MyWorkPage:
    """A page of the items of the user's departments in `plan`, in document order: a fixed number of
    queries (the count of all rows, the page's rows, their latest reports, instructions, checkpoints)."""
    from django.core.paginator import Paginator

    responsibilities = (
        Responsibility.objects.filter(department__memberships__user=user, item__section__plan=plan)
        .select_related("item__section", "item__rollup", "department")
        .order_by("item__section__number", "item__number", "department__order")
    )
    shown = Paginator(responsibilities, per_page or MY_WORK_PAGE).get_page(page)
    on_page = list(shown.object_list)
    # The latest report of each (item, department) pair on the page: one ranked query (a window function)
    # rather than four correlated subqueries per row.
    latest = {
        (report["item_id"], report["department_id"]): report
        for report in ProgressReport.objects.filter(department__memberships__user=user, item__section__plan=plan,
                                                    item_id__in={r.item_id for r in on_page})
        .annotate(rank=Window(RowNumber(), partition_by=[F("item_id"), F("department_id")],
                              order_by=[F("created_at").desc(), F("pk").desc()]))
        .filter(rank=1)
        .values("item_id", "department_id", "state", "status", "percent", "created_at")
    }
    rows = []
    for r in on_page:
        report = latest.get((r.item_id, r.department_id)) or {}
        rows.append(MyWorkRow(
            responsibility=r,
            latest_state=report.get("state"),
            latest_status=report.get("status"),
            latest_percent=report.get("percent"),
            latest_at=report.get("created_at"),
        ))
    by_item: dict[int, list] = {}
    for instruction in Instruction.objects.filter(
        item_id__in={row.item.pk for row in rows}, state=Instruction.State.OPEN
    ).select_related("author").prefetch_related("departments"):
        by_item.setdefault(instruction.item_id, []).append(instruction)
    next_checkpoint: dict[int, Checkpoint] = {}
    for checkpoint in Checkpoint.objects.filter(item_id__in={row.item.pk for row in rows},
                                                due_date__gte=timezone.localdate()).order_by("due_date"):
        next_checkpoint.setdefault(checkpoint.item_id, checkpoint)
    for row in rows:
        row.open_instructions = [
            i for i in by_item.get(row.item.pk, [])
            if not i.departments.all() or row.responsibility.department_id in {d.pk for d in i.departments.all()}
        ]
        row.next_checkpoint = next_checkpoint.get(row.item.pk)
    return MyWorkPage(rows=rows, page=shown)


def my_chases(*, user, plan: WorkPlan) -> list[ChaseTarget]:
    """Chases to the user's departments not answered yet, newest first: one query."""
    return list(ChaseTarget.objects.filter(chase__plan=plan, department__memberships__user=user, answered_at__isnull=True)
                .select_related("chase__created_by", "department").prefetch_related("items")
                .order_by("-chase__created_at").distinct())


def my_summaries(*, user, plan: WorkPlan, today: datetime.date | None = None) -> list:
    """The summary reports the user's departments still owe and that are due within a month (or late)."""
    from departments.models import Membership

    horizon = (today or timezone.localdate()) + datetime.timedelta(days=DUE_SOON_DAYS)
    mine = Membership.objects.filter(user=user).values("department_id")
    return [row for row in summary_rows(plan=plan, department_ids=mine)
            if row.latest is None and row.requirement.due_date <= horizon]


def item_instructions(*, item_id: int) -> list[Instruction]:
    """An item's instructions, newest first, with their departments and every step of their loop: three queries."""
    return list(Instruction.objects.filter(item_id=item_id).select_related("author", "handled_by", "closed_by")
                .prefetch_related("departments", Prefetch("entries", queryset=InstructionEntry.objects.select_related(
                    "author", "department"))))


def instruction_events(instructions) -> list[TimelineEvent]:
    """Instructions and every step of their loop as history lines (no query: prefetched)."""
    events = []
    for instruction in instructions:
        to = "、".join(d.name for d in instruction.departments.all())
        text = f"{instruction.text}" + (f"（{to}）" if to else "")
        events.append(TimelineEvent(instruction.created_at, instruction.author, "instruction", text))
        for entry in instruction.entries.all():
            label = entry.get_kind_display() if entry.kind != InstructionEntry.Kind.REPLY else ""
            events.append(TimelineEvent(entry.created_at, entry.author, entry.kind,
                                        f"{label} {entry.text}".strip() or label))
    return events


def instruction_for_reply(*, instruction_id: int) -> Instruction:
    return Instruction.objects.select_related("item__section__plan").get(pk=instruction_id)


# ---------------------------------------------------------------------------
# The 督办 loop: chases, extensions, completion checks, summaries.


@dataclass
class ChaseStatus:
    """How a chased department stands: read it, answered it (in words or with a report), or is late."""

    target: ChaseTarget
    read: bool
    replied_at: datetime.datetime | None
    overdue: bool


def chase_statuses(*, chases, today: datetime.date) -> dict[int, list[ChaseStatus]]:
    """chase id -> its departments' statuses: four queries, whatever the number of chases."""
    from notifications.models import Notification

    chase_ids = [chase.pk for chase in chases]
    targets = list(ChaseTarget.objects.filter(chase_id__in=chase_ids).select_related("department", "chase", "answered_by")
                   .prefetch_related("items").order_by("chase_id", "department__order"))
    read = set(Notification.objects.filter(reminder__subject__in=[f"chase:{pk}" for pk in chase_ids],
                                           read_at__isnull=False)
               .values_list("reminder__subject", "reminder__audience").distinct())
    item_ids = {item.pk for target in targets for item in target.items.all()}
    first_after: dict[tuple[int, int], list] = {}
    for item_id, department_id, created_at in ProgressReport.objects.filter(item_id__in=item_ids).values_list(
            "item_id", "department_id", "created_at"):
        first_after.setdefault((item_id, department_id), []).append(created_at)
    statuses: dict[int, list[ChaseStatus]] = {pk: [] for pk in chase_ids}
    for target in targets:
        reports = [at for item in target.items.all() for at in first_after.get((item.pk, target.department_id), [])
                   if at > target.chase.created_at]
        replied = min(reports + ([target.answered_at] if target.answered_at else []), default=None)
        statuses[target.chase_id].append(ChaseStatus(
            target=target,
            read=(f"chase:{target.chase_id}", staff_of(target.department_id)) in read,
            replied_at=replied,
            overdue=replied is None and today > target.chase.reply_by,
        ))
    return statuses


def chase_page(*, chase_id: int) -> Chase:
    return Chase.objects.select_related("plan", "item", "section", "created_by").get(pk=chase_id)


def chases_of(*, plan: WorkPlan, item_id: int | None = None, limit: int | None = None) -> list[Chase]:
    chases = Chase.objects.filter(plan=plan).select_related("created_by", "item", "section")
    if item_id is not None:
        chases = chases.filter(Q(item_id=item_id) | Q(targets__items=item_id)).distinct()
    return list(chases[:limit] if limit else chases)


def chase_target(*, target_id: int) -> ChaseTarget:
    return ChaseTarget.objects.select_related("chase", "department__group").get(pk=target_id)


def item_extensions(*, item_id: int) -> list[Extension]:
    return list(Extension.objects.filter(item_id=item_id).select_related(
        "checkpoint", "requested_by", "checked_by", "decided_by", "item__section__plan"))


def item_completion_checks(*, item_id: int) -> list[CompletionCheck]:
    return list(CompletionCheck.objects.filter(item_id=item_id).select_related("decided_by"))


def extension_for_decision(*, extension_id: int) -> Extension:
    return Extension.objects.select_related("item__section__plan", "checkpoint", "department").get(pk=extension_id)


@dataclass
class Desk:
    """The supervision office's desk (督办台): what waits for it, and who is late."""

    plan: WorkPlan
    awaiting_check: list  # items reported done, not yet closed (销号)
    extensions: list  # pending or checked requests
    instructions_answered: list  # answers waiting for confirmation
    instructions_overdue: list  # open past their deadline
    chases: list  # recent chases
    statuses: dict  # chase id -> ChaseStatus list
    late: list  # services.Late: who is late on what


def desk(*, plan: WorkPlan, today: datetime.date, late) -> Desk:
    awaiting = list(WorkItem.objects.filter(section__plan=plan, status=WorkItem.Status.DONE, closed_at__isnull=True)
                    .select_related("section").order_by("section__number", "number")) \
        if plan.completion_check_required else []
    extensions = list(Extension.objects.filter(item__section__plan=plan, state__in=[
        Extension.State.PENDING, Extension.State.CHECKED]).select_related("item", "checkpoint", "requested_by", "department"))
    instructions = Instruction.objects.filter(item__section__plan=plan).select_related("item", "author")
    chases = chases_of(plan=plan, limit=10)
    return Desk(
        plan=plan, awaiting_check=awaiting, extensions=extensions,
        instructions_answered=list(instructions.filter(state=Instruction.State.ANSWERED)),
        instructions_overdue=list(instructions.filter(state=Instruction.State.OPEN, due_date__lt=today)),
        chases=chases, statuses=chase_statuses(chases=chases, today=today), late=late,
    )


@dataclass
class SummaryRow:
    requirement: SummaryRequirement
    department: object
    latest: SummaryReport | None


def summary_rows(*, plan: WorkPlan, department_ids=None) -> list[SummaryRow]:
    """Each requirement × each responsible department, with its latest summary: three queries."""
    from departments.models import Department

    requirements = list(SummaryRequirement.objects.filter(plan=plan).order_by("due_date"))
    responsible = Department.objects.filter(responsibilities__item__section__plan=plan).distinct().order_by("order")
    if department_ids is not None:
        responsible = responsible.filter(pk__in=department_ids)
    responsible = list(responsible)
    latest: dict[tuple[int, int], SummaryReport] = {}
    for report in SummaryReport.objects.filter(requirement__in=requirements).select_related("author").order_by("created_at"):
        latest[(report.requirement_id, report.department_id)] = report
    return [SummaryRow(r, d, latest.get((r.pk, d.pk))) for r in requirements for d in responsible]


# ---------------------------------------------------------------------------
# Who is late: the roll-up's rule (progress.selectors.late_q), which 一键催办, the desk and the dashboard read.


@dataclass(frozen=True)
class Late:
    """A department and the items it is late on (overdue, red, or not reported this cycle)."""

    department: Department
    items: tuple[WorkItem, ...]


def late_departments(*, plan: WorkPlan, section: Section | None = None, item: WorkItem | None = None,
                     department: Department | None = None) -> list[Late]:
    """The lead departments of the scope's items that are late, each with its late items: two queries."""
    rollups = ItemRollup.objects.filter(late_q(), item__section__plan=plan).select_related("item__section")
    if section is not None:
        rollups = rollups.filter(item__section=section)
    if item is not None:
        rollups = rollups.filter(item=item)
    late_items = {r.item_id: r.item for r in rollups}
    by_department: dict[int, list[WorkItem]] = {}
    departments: dict[int, Department] = {}
    for responsibility in Responsibility.objects.filter(item_id__in=late_items, role="lead").select_related("department"):
        if department is not None and responsibility.department_id != department.pk:
            continue
        departments[responsibility.department_id] = responsibility.department
        by_department.setdefault(responsibility.department_id, []).append(late_items[responsibility.item_id])
    return [Late(departments[pk], tuple(sorted(items, key=lambda i: (i.section.number, i.number))))
            for pk, items in sorted(by_department.items(), key=lambda pair: departments[pair[0]].order)]


def _late_leads(plan: WorkPlan):
    return Responsibility.objects.filter(late_q("item__rollup__"), role=Responsibility.Role.LEAD,
                                         item__section__plan=plan)


def late_items(*, plan: WorkPlan):
    """The lead responsibilities of the plan's late items, worst first, with item, roll-up and department.

    The roll-up ranked the late items (progress.rollup.late_ranks): the first twenty come down the rank's
    index, not from sorting every late item of the plan."""
    return (_late_leads(plan).select_related("item__section", "item__rollup", "department")
            .order_by("item__rollup__late_rank", "department__order", "department_id"))


@dataclass
class LateItem:
    """One late item with its lead department and why it is late (worst first: overdue, red, unreported)."""

    item: WorkItem
    department: Department
    overdue: bool
    red: bool
    unreported: bool


@dataclass
class LateDepartment:
    """A lead department with how many of its items are late, and when it was last chased on this plan."""

    department: Department
    items: int
    overdue: int
    red: int
    unreported: int
    last_chased: datetime.datetime | None


@dataclass
class LateBoard:
    """Who is late, by name, worst first: the first `limit` items and departments, and how many in all."""

    items: list[LateItem]
    departments: list[LateDepartment]
    items_total: int
    departments_total: int
    chase_ids: list[int]  # the late departments (every one, not only those shown) not chased today
    page: object = None  # the full list's page of items (django.core.paginator.Page), else None


def late_board(*, plan: WorkPlan, today: datetime.date, limit: int | None = 20, page: int | str | None = None,
               per_page: int = 100, counted: list[LateDepartment] | None = None) -> LateBoard:
    """The late items and departments of `plan` by `late_q`, worst first: three queries, whatever the plan's
    size (the departments are grouped in the database; only the first `limit` items are loaded). With
    `page`, the items come a page at a time (one query more: their count) and every department is listed.
    `counted`: each lead department's late counts (`late_counts`), already grouped by the caller (the
    dashboard counts them with its own figures): one query fewer.

    Worst first: overdue before red before not reported, then the earliest due date; departments by
    overdue items, then red ones, then late ones."""
    leads = _late_leads(plan)
    rows = late_items(plan=plan)
    shown = None
    if page is not None:  # the full list, a page of items at a time
        from django.core.paginator import Paginator

        shown = Paginator(rows, per_page).get_page(page)
        rows = shown.object_list
    elif limit:
        rows = rows[:limit]
    items = [LateItem(item=r.item, department=r.department, overdue=r.item.rollup.is_overdue,
                      red=r.item.rollup.light == Light.RED, unreported=not r.item.rollup.reported_this_cycle)
             for r in rows]
    if shown is not None:
        shown.object_list = items
    # When each department was last chased on the plan: grouped on its own (as a subquery of the counts it
    # ran once per late item).
    last_chased = dict(ChaseTarget.objects.filter(chase__plan=plan).order_by().values("department_id")
                       .annotate(last=Max("chase__created_at")).values_list("department_id", "last"))
    if counted is None:
        groups = leads.order_by().values_list("department_id").annotate(
            **late_counts(), order=Max("department__order"), name=Max("department__name"))
        counted = [LateDepartment(department=Department(pk=pk, name=name, order=order), items=n, overdue=overdue,
                                  red=red, unreported=unreported, last_chased=None)
                   for pk, n, overdue, red, unreported, order, name in groups]
    departments = sorted((d for d in counted if d.items), key=lambda d: (
        -d.overdue, -d.red, -d.items, d.department.order, d.department.name))
    for department in departments:
        department.last_chased = last_chased.get(department.department.pk)
    chase_ids = [d.department.pk for d in departments
                 if d.last_chased is None or timezone.localtime(d.last_chased).date() != today]
    return LateBoard(items=items, departments=departments[:limit] if limit and page is None else departments,
                     items_total=sum(d.items for d in departments), departments_total=len(departments),
                     chase_ids=chase_ids, page=shown)
