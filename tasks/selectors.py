"""Every read that a page, a job or an export needs, with its joins designed in."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Case, Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from departments.models import Membership

from .models import (
    Evidence,
    Instruction,
    ProgressReport,
    Responsibility,
    Section,
    Target,
    TargetReading,
    WorkItem,
    WorkPlan,
)


def plan_list() -> QuerySet[WorkPlan]:
    return WorkPlan.objects.annotate(item_count=Count("sections__items"))


def plan_current() -> WorkPlan | None:
    """The plan the portal opens on: the newest published one, else the newest (one query)."""
    published_first = Case(When(status=WorkPlan.Status.PUBLISHED, then=Value(0)), default=Value(1))
    return WorkPlan.objects.order_by(published_first, "-year", "-pk").first()


def _item_queryset() -> QuerySet[WorkItem]:
    return WorkItem.objects.prefetch_related(
        Prefetch(
            "responsibilities",
            queryset=Responsibility.objects.select_related("department__parent").order_by("order"),
        ),
        Prefetch("targets", queryset=Target.objects.order_by("order")),
    )


def plan_with_sections(*, plan_id: int) -> WorkPlan:
    """A plan with its sections, items, departments and targets: a fixed number of queries."""
    return (
        WorkPlan.objects.prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("number").prefetch_related(
                    Prefetch("items", queryset=_item_queryset().order_by("number"))
                ),
            )
        )
        .get(pk=plan_id)
    )


def item_detail_queryset() -> QuerySet[WorkItem]:
    return _item_queryset().select_related("section__plan")


def item_detail(*, item_id: int) -> WorkItem:
    return item_detail_queryset().get(pk=item_id)


# ---------------------------------------------------------------------------
# Progress pages.

DUE_SOON_DAYS = 30


@dataclass
class MyWorkRow:
    """One item the user's department is responsible for, with what waits for them."""

    responsibility: Responsibility
    latest_state: str | None
    latest_status: str | None
    latest_percent: int | None
    latest_at: object
    open_instructions: list = field(default_factory=list)

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
        return flags


def my_work(*, user, plan: WorkPlan) -> list[MyWorkRow]:
    """The items of the user's departments in `plan`, in document order: a fixed number of queries."""
    latest = ProgressReport.objects.filter(item=OuterRef("item"), department=OuterRef("department")).order_by(
        "-created_at", "-pk"
    )
    responsibilities = (
        Responsibility.objects.filter(department__memberships__user=user, item__section__plan=plan)
        .select_related("item__section", "department")
        .annotate(
            latest_state=Subquery(latest.values("state")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_percent=Subquery(latest.values("percent")[:1]),
            latest_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("item__section__number", "item__number", "department__order")
    )
    rows = [
        MyWorkRow(
            responsibility=r,
            latest_state=r.latest_state,
            latest_status=r.latest_status,
            latest_percent=r.latest_percent,
            latest_at=r.latest_at,
        )
        for r in responsibilities
    ]
    by_item: dict[int, list] = {}
    for instruction in Instruction.objects.filter(
        item_id__in={row.item.pk for row in rows}, handled_at__isnull=True
    ).select_related("author"):
        by_item.setdefault(instruction.item_id, []).append(instruction)
    for row in rows:
        row.open_instructions = by_item.get(row.item.pk, [])
    return rows


def item_page(*, item_id: int) -> WorkItem:
    """An item with everything its page shows: departments, targets, reports, instructions."""
    return (
        _item_queryset()
        .select_related("section__plan")
        .prefetch_related(
            Prefetch(
                "reports",
                queryset=ProgressReport.objects.select_related(
                    "department__head_group", "reporter", "reviewer"
                ).prefetch_related(
                    Prefetch("readings", queryset=TargetReading.objects.select_related("target").order_by("target__order")),
                    "evidence",
                ),
            ),
            Prefetch("instructions", queryset=Instruction.objects.select_related("author", "handled_by")),
        )
        .get(pk=item_id)
    )


def item_recent_reports(*, item_id: int, limit: int = 3) -> list[ProgressReport]:
    """The newest reports on an item, for the conflict message of the report form."""
    return list(
        ProgressReport.objects.filter(item_id=item_id).select_related("department", "reporter", "reviewer")[:limit]
    )


def report_for_review(*, report_id: int) -> ProgressReport:
    return ProgressReport.objects.select_related("item__section__plan", "department__head_group").get(pk=report_id)


def review_queue(*, user) -> QuerySet[ProgressReport]:
    """Reports awaiting review in the departments the user heads, oldest first."""
    return (
        ProgressReport.objects.filter(
            state=ProgressReport.State.SUBMITTED,
            department__memberships__user=user,
            department__memberships__role=Membership.Role.HEAD,
        )
        .select_related("item__section", "department", "reporter")
        .prefetch_related(Prefetch("readings", queryset=TargetReading.objects.select_related("target")), "evidence")
        .order_by("created_at", "pk")
    )


def evidence_file(*, evidence_id: int) -> Evidence:
    return Evidence.objects.select_related("report__item__section__plan").get(pk=evidence_id)


@dataclass(frozen=True)
class TimelineEvent:
    at: object
    actor: object
    kind: str  # report, review, instruction, reply, change
    text: str


_ITEM_FIELDS = ("status", "progress_percent", "due_date", "title")
_TARGET_FIELDS = ("target_value", "current_value", "due_date")


def _field_changes(records, fields, model) -> list[tuple]:
    """(record, [(verbose name, old, new)]) for consecutive historical records of each object."""
    changes, previous = [], {}
    for record in sorted(records, key=lambda r: (r.history_date, r.history_id)):
        before = previous.get(record.id)
        previous[record.id] = record
        if before is None:
            continue
        diffs = [
            (model._meta.get_field(name).verbose_name, getattr(before, name), getattr(record, name))
            for name in fields
            if getattr(before, name) != getattr(record, name)
        ]
        if diffs:
            changes.append((record, diffs))
    return changes


def item_timeline(*, item: WorkItem) -> list[TimelineEvent]:
    """Who did what and when on an item (留痕): reports, reviews, instructions and field changes.

    Expects `item` from `item_page` (reports and instructions prefetched); adds two queries.
    """
    from django.utils.translation import gettext as _

    events = []
    for report in item.reports.all():
        events.append(
            TimelineEvent(
                report.created_at,
                report.reporter,
                "report",
                _("%(department)s reported: %(status)s, %(percent)d%%")
                % {"department": report.department, "status": report.get_status_display(), "percent": report.percent},
            )
        )
        if report.reviewed_at:
            comment = f"{report.get_state_display()} {report.review_comment}".strip()
            events.append(TimelineEvent(report.reviewed_at, report.reviewer, "review", comment))
    for instruction in item.instructions.all():
        events.append(TimelineEvent(instruction.created_at, instruction.author, "instruction", instruction.text))
        if instruction.handled_at:
            events.append(TimelineEvent(instruction.handled_at, instruction.handled_by, "reply", instruction.reply))
    item_history = WorkItem.history.filter(id=item.pk).select_related("history_user")
    for record, diffs in _field_changes(item_history, _ITEM_FIELDS, WorkItem):
        text = "; ".join(f"{name}: {_display(old)} → {_display(new)}" for name, old, new in diffs)
        events.append(TimelineEvent(record.history_date, record.history_user, "change", text))
    target_history = Target.history.filter(item_id=item.pk).select_related("history_user")
    for record, diffs in _field_changes(target_history, _TARGET_FIELDS, Target):
        text = f"{record.subject}: " + "; ".join(f"{name} {_display(old)} → {_display(new)}" for name, old, new in diffs)
        events.append(TimelineEvent(record.history_date, record.history_user, "change", text))
    return sorted(events, key=lambda e: e.at, reverse=True)


def _display(value) -> str:
    from django.utils.translation import gettext as _

    if value is None or value == "":
        return _("(none)")
    if isinstance(value, str) and value in WorkItem.Status.values:
        return str(WorkItem.Status(value).label)
    return str(value)


# ---------------------------------------------------------------------------
# Plan set-up.


@dataclass
class SetupProblems:
    """What is missing before a plan can be published; every list is blocking."""

    placeholder_targets: list  # 待定 and not marked "no number"
    items_without_lead: list
    departments_without_members: list
    departments_without_head: list  # only when reports need a head's approval

    @property
    def blocking(self) -> bool:
        return bool(
            self.placeholder_targets
            or self.items_without_lead
            or self.departments_without_members
            or self.departments_without_head
        )

    @property
    def count(self) -> int:
        return (
            len(self.placeholder_targets)
            + len(self.items_without_lead)
            + len(self.departments_without_members)
            + len(self.departments_without_head)
        )


def plan_setup_problems(*, plan: WorkPlan) -> SetupProblems:
    """Four queries, whatever the size of the plan."""
    from departments.models import Department

    placeholders = list(
        Target.objects.filter(Target.to_be_set(), item__section__plan=plan)
        .select_related("item__section")
        .order_by("item__section__number", "item__number", "order")
    )
    without_lead = list(
        WorkItem.objects.filter(section__plan=plan)
        .exclude(responsibilities__role=Responsibility.Role.LEAD)
        .select_related("section")
        .order_by("section__number", "number")
    )
    departments = list(
        Department.objects.filter(responsibilities__item__section__plan=plan)
        .distinct()
        .annotate(
            members=Count("memberships", filter=Q(memberships__user__is_active=True), distinct=True),
            heads=Count(
                "memberships",
                filter=Q(memberships__user__is_active=True, memberships__role=Membership.Role.HEAD),
                distinct=True,
            ),
        )
        .order_by("order", "name")
    )
    return SetupProblems(
        placeholder_targets=placeholders,
        items_without_lead=without_lead,
        departments_without_members=[d for d in departments if not d.members],
        departments_without_head=[d for d in departments if d.members and not d.heads] if plan.review_required else [],
    )


def department_open_items(*, department) -> list[Responsibility]:
    return list(
        Responsibility.objects.filter(department=department)
        .exclude(item__section__plan__status=WorkPlan.Status.CLOSED)
        .select_related("item__section__plan")
        .order_by("item__section__plan__year", "item__section__number", "item__number")
    )
