"""Reads of the leadership dashboard, the section and department views and the bulletins.

Everything comes from the stored roll-up (the job writes it); a page view never
recomputes. Each function runs a fixed number of queries, whatever the plan's size.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import (
    Count,
    Exists,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)

from departments.models import Department
from progress.models import Light, PlanRollup, ProgressReport, RollupSnapshot
from tasks.models import Responsibility, Section, Target, WorkItem, WorkPlan

LIGHTS = [Light.GREEN, Light.YELLOW, Light.RED]


@dataclass
class SectionCard:
    section: Section
    rollup: object | None  # SectionRollup, or None before the first roll-up
    departments: list[str] = field(default_factory=list)
    trend: list[tuple[str, float]] = field(default_factory=list)


@dataclass
class DepartmentRow:
    department: Department
    items: int
    red: int
    overdue: int
    done: int
    last_report: datetime.datetime | None

    @property
    def on_time_rate(self) -> int | None:
        return round(100 * (self.items - self.overdue) / self.items) if self.items else None


@dataclass
class Dashboard:
    plan: WorkPlan
    rollup: PlanRollup | None
    cards: list[SectionCard]
    departments: list[DepartmentRow]
    trend_dates: list[str]
    trend: dict[str, list[float | None]]  # "plan" and each section number -> values by date
    days_left: int


def plans_by_year() -> QuerySet[WorkPlan]:
    return WorkPlan.objects.order_by("-year", "organization")


def _rollup_or_none(obj):
    try:
        return obj.rollup
    except (PlanRollup.DoesNotExist, Section.rollup.RelatedObjectDoesNotExist):
        return None


def dashboard(*, plan: WorkPlan, today: datetime.date) -> Dashboard:
    """The six-section dashboard of `plan`: six queries."""
    plan_rollup = PlanRollup.objects.filter(plan=plan).first()
    sections = list(Section.objects.filter(plan=plan).select_related("rollup").order_by("number"))
    leads: dict[int, list[str]] = {}
    for section_id, name in (
        Responsibility.objects.filter(item__section__plan=plan, role=Responsibility.Role.LEAD)
        .order_by("item__section__number", "department__order")
        .values_list("item__section_id", "department__name")
        .distinct()
    ):
        if name not in leads.setdefault(section_id, []):
            leads[section_id].append(name)
    snapshots = list(
        RollupSnapshot.objects.filter(plan=plan).order_by("date").values_list("date", "section_id", "percent")
    )
    dates = sorted({day for day, _section, _percent in snapshots})
    index = {day: position for position, day in enumerate(dates)}
    series: dict[object, list[float | None]] = {"plan": [None] * len(dates)}
    for section in sections:
        series[section.pk] = [None] * len(dates)
    for day, section_id, percent in snapshots:
        series.setdefault(section_id or "plan", [None] * len(dates))[index[day]] = float(percent)
    cards = [
        SectionCard(
            section=section,
            rollup=_rollup_or_none(section),
            departments=leads.get(section.pk, []),
            trend=[(day.isoformat(), value) for day, value in zip(dates, series[section.pk]) if value is not None],
        )
        for section in sections
    ]
    return Dashboard(
        plan=plan,
        rollup=plan_rollup,
        cards=cards,
        departments=department_table(plan=plan),
        trend_dates=[day.isoformat() for day in dates],
        trend={"plan": series["plan"], **{str(s.number): series[s.pk] for s in sections}},
        days_left=max((plan.year_end - today).days, 0),
    )


def department_table(*, plan: WorkPlan, department_id: int | None = None) -> list[DepartmentRow]:
    """Items each department leads, with red, overdue and done counts and its last report: two queries."""
    lead = Q(responsibilities__role=Responsibility.Role.LEAD, responsibilities__item__section__plan=plan)
    departments = Department.objects.filter(is_active=True) if department_id is None else Department.objects.filter(pk=department_id)
    rows = departments.annotate(
        items=Count("responsibilities", filter=lead),
        red=Count("responsibilities", filter=lead & Q(responsibilities__item__rollup__light=Light.RED)),
        overdue=Count("responsibilities", filter=lead & Q(responsibilities__item__rollup__is_overdue=True)),
        done=Count("responsibilities", filter=lead & Q(responsibilities__item__rollup__is_done=True)),
    ).order_by("order", "name")
    last_reports = dict(
        ProgressReport.objects.filter(item__section__plan=plan)
        .values("department")
        .annotate(last=Max("created_at"))
        .values_list("department", "last")
    )
    return [
        DepartmentRow(department=d, items=d.items, red=d.red, overdue=d.overdue, done=d.done, last_report=last_reports.get(d.pk))
        for d in rows
        if d.items
    ]


def item_rows(*, plan: WorkPlan, section_id: int | None = None, department_id: int | None = None,
              light: str | None = None) -> list[WorkItem]:
    """Items for the drill-down pages with roll-up, lead department and latest report: three queries."""
    latest = ProgressReport.objects.filter(item=OuterRef("pk")).order_by("-created_at", "-pk")
    items = (
        WorkItem.objects.filter(section__plan=plan)
        .select_related("section", "rollup")
        .prefetch_related(
            Prefetch(
                "responsibilities",
                queryset=Responsibility.objects.select_related("department").order_by("order"),
            )
        )
        .annotate(
            latest_report_at=Subquery(latest.values("created_at")[:1]),
            latest_report_text=Subquery(latest.values("narrative")[:1]),
            latest_report_state=Subquery(latest.values("state")[:1]),
            open_instructions=Count("instructions", filter=Q(instructions__handled_at__isnull=True)),
        )
        .order_by("section__number", "number")
    )
    if section_id is not None:
        items = items.filter(section_id=section_id)
    if department_id is not None:
        items = items.filter(Exists(Responsibility.objects.filter(item=OuterRef("pk"), department_id=department_id)))
    if light in LIGHTS:
        items = items.filter(rollup__light=light)
    return list(items)


def bulletin_items(*, plan: WorkPlan) -> list[WorkItem]:
    """Every item with roll-up, departments, targets and latest report text: four queries."""
    latest = ProgressReport.objects.filter(item=OuterRef("pk"), state=ProgressReport.State.APPROVED).order_by(
        "-created_at", "-pk"
    )
    return list(
        WorkItem.objects.filter(section__plan=plan)
        .select_related("section", "rollup")
        .prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("department").order_by("order")),
            Prefetch("targets", queryset=Target.objects.order_by("order")),
        )
        .annotate(latest_report_text=Subquery(latest.values("narrative")[:1]))
        .order_by("section__number", "number")
    )


def body_cache_key(*, plan: WorkPlan, today: datetime.date, language: str) -> str:
    """The dashboard's body changes only when the roll-up is stored again, the day turns or
    the language differs: a key of those three serves every leader from one render (one query)."""
    computed = PlanRollup.objects.filter(plan=plan).values_list("computed_at", flat=True).first()
    stamp = computed.timestamp() if computed else "none"
    return f"dashboard-body:{plan.pk}:{stamp}:{today.isoformat()}:{language}"
