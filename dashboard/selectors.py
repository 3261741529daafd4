"""Reads of the leadership dashboard, the section and department views and the bulletins.

Everything comes from the stored roll-up (the jobs write it): today's figures from
the *Rollup tables, a past day's (`as_of`, 回看) from the daily snapshots — plans and
sections a row a day, items a row whenever their figures changed. A page view never
recomputes. Each function runs a fixed number of queries, whatever the plan's size.

Pages read the same attributes from today's rows and from a past day's (`percent`,
`light`, `is_done`, `is_overdue`, `reported_percent`, `targets_percent` of an item;
`percent`, `expected_percent`, `light`, `items_*`, `targets_*` of a section or plan),
so one template shows both.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone

from assessment import selectors as assessment_selectors
from departments.models import Department
from progress import permissions as progress_permissions
from progress import selectors as progress_selectors
from progress.models import ItemRollup, Light, PlanRollup, ProgressReport, RollupSnapshot, SectionRollup
from supervision import selectors as supervision_selectors
from tasks.models import Responsibility, Section, Target, WorkItem, WorkPlan

LIGHTS = [Light.GREEN, Light.YELLOW, Light.RED]


@dataclass
class SectionCard:
    section: Section
    rollup: object | None  # SectionRollup (today) or RollupSnapshot (as of a day); None before the first
    departments: list[str] = field(default_factory=list)
    trend: list[tuple[str, float]] = field(default_factory=list)
    links: list = field(default_factory=list)  # what other apps link under the section (tasks.extensions)


@dataclass
class DepartmentRow:
    department: Department
    items: int
    red: int
    overdue: int
    done: int
    last_report: datetime.datetime | None
    percent: float | None = None  # the mean official progress of the items it leads

    @property
    def on_time_rate(self) -> int | None:
        return round(100 * (self.items - self.overdue) / self.items) if self.items else None


@dataclass
class Dashboard:
    plan: WorkPlan
    rollup: object | None  # PlanRollup (today) or the plan's RollupSnapshot (as of a day)
    cards: list[SectionCard]
    departments: list[DepartmentRow]
    trend_dates: list[str]
    trend: dict[str, list[float | None]]  # "plan" and each section number -> values by date
    days_left: int
    as_of: datetime.date | None = None  # None: today's figures
    computed_at: datetime.datetime | None = None  # when today's figures were computed
    # Today: each lead department's late items counted (supervision.selectors.late_board's `counted`)
    late_counted: list | None = None


def _rollup_or_none(section: Section):
    try:
        return section.rollup
    except SectionRollup.DoesNotExist:
        return None


def plans_by_year() -> QuerySet[WorkPlan]:
    return WorkPlan.objects.order_by("-year", "organization")


def plans_with_computed_at(*, also=()) -> tuple[list[WorkPlan], dict]:
    """plans_by_year, each with when its figures were computed (progress.selectors.plans_with_computed_at),
    and the cache's entries of the keys `also`, read in the same round trip."""
    return progress_selectors.plans_with_computed_at_and(keys=also)


def late_board(*, plan: WorkPlan, today: datetime.date, limit: int | None = 20, page=None, counted=None):
    """Who is late on `plan`, by name, worst first (supervision's one rule of late, read there); `counted`:
    the dashboard's own count of them (Dashboard.late_counted)."""
    return supervision_selectors.late_board(plan=plan, today=today, limit=limit, page=page, counted=counted)


def default_as_of(*, plan: WorkPlan, today: datetime.date) -> datetime.date | None:
    """A plan whose year is over is shown as it stood on its last day, not as "0 days left, all overdue"."""
    return plan.year_end if today > plan.year_end else None


def _section_lead_names(groups, departments) -> dict[int, list[str]]:
    """section id -> the names of the departments leading items in it, in the departments' order."""
    sections_of: dict[int, list[int]] = {}
    for (section_id, dept), group in groups.items():
        if group.items:
            sections_of.setdefault(dept, []).append(section_id)
    leads: dict[int, list[str]] = {}
    for department in departments:  # in order
        for section_id in sections_of.get(department.pk, []):
            if department.name not in leads.setdefault(section_id, []):
                leads[section_id].append(department.name)
    return leads


def dashboard(*, plan: WorkPlan, today: datetime.date, as_of: datetime.date | None = None) -> Dashboard:
    """The six-section dashboard of `plan`, today or as of a past day: seven queries either way."""
    sections = Section.objects.filter(plan=plan).order_by("number")
    sections = list(sections.select_related("rollup") if as_of is None else sections)
    trend_upto = as_of or today
    snapshots = list(
        RollupSnapshot.objects.filter(plan=plan, date__lte=trend_upto).order_by("date")
    )
    if as_of is None:
        plan_figures = PlanRollup.objects.filter(plan=plan).first()
        section_figures = {s.pk: _rollup_or_none(s) for s in sections}
    else:
        day = max((s.date for s in snapshots), default=None)
        plan_figures = next((s for s in snapshots if s.date == day and s.section_id is None), None)
        section_figures = {s.section_id: s for s in snapshots if s.date == day and s.section_id is not None}
    dates = sorted({snapshot.date for snapshot in snapshots})
    index = {day: position for position, day in enumerate(dates)}
    series: dict[object, list[float | None]] = {"plan": [None] * len(dates)}
    for section in sections:
        series[section.pk] = [None] * len(dates)
    for snapshot in snapshots:
        series.setdefault(snapshot.section_id or "plan", [None] * len(dates))[index[snapshot.date]] = float(snapshot.percent)
    groups = _lead_groups(plan=plan, as_of=as_of)
    departments = _lead_departments(plan=plan, groups=groups, as_of=as_of)
    leads = _section_lead_names(groups, departments)
    cards = [
        SectionCard(
            section=section,
            rollup=section_figures.get(section.pk),
            departments=leads.get(section.pk, []),
            trend=[(day.isoformat(), value) for day, value in zip(dates, series[section.pk]) if value is not None],
        )
        for section in sections
    ]
    return Dashboard(
        plan=plan,
        rollup=plan_figures,
        cards=cards,
        departments=department_table(plan=plan, as_of=as_of, groups=groups, departments=departments),
        trend_dates=[day.isoformat() for day in dates],
        trend={"plan": series["plan"], **{str(s.number): series[s.pk] for s in sections}},
        days_left=max((plan.year_end - trend_upto).days, 0),
        as_of=as_of,
        computed_at=plan_figures.computed_at if as_of is None and plan_figures is not None else None,
        late_counted=_late_counted(groups, departments) if as_of is None else None,
    )


def _late_counted(groups, departments) -> list:
    """Each lead department's late items, summed over its sections, as late_board counts them."""
    totals: dict[int, list[int]] = {}
    for (_section, dept), group in groups.items():
        total = totals.setdefault(dept, [0, 0, 0, 0])
        for n, value in enumerate((group.late, group.late_overdue, group.late_red, group.late_unreported)):
            total[n] += value
    return [supervision_selectors.LateDepartment(department=d, items=t[0], overdue=t[1], red=t[2], unreported=t[3],
                                                 last_chased=None)
            for d in departments if (t := totals.get(d.pk)) and t[0]]


def _end_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time.min))


@dataclass
class _LeadGroup:
    """The items one department leads in one section, counted (from the roll-up or the day's snapshots)."""

    items: int = 0
    shown: int = 0  # items with figures
    red: int = 0
    overdue: int = 0
    done: int = 0
    percent_sum: float = 0.0
    late: int = 0  # late items (supervision's rule), and of those: overdue, red, not reported this cycle
    late_overdue: int = 0
    late_red: int = 0
    late_unreported: int = 0


def _lead_groups(*, plan: WorkPlan, as_of: datetime.date | None,
                 department_id: int | None = None) -> dict[tuple[int, int], _LeadGroup]:
    """(section id, department id) -> what the department leads there: one query of the counts the roll-up
    stored (LeadRollup) for today's figures, two grouped queries for a past day's; a few hundred rows back
    whatever the plan's size (no row per item reaches Python)."""
    from django.db.models import Sum

    groups: dict[tuple[int, int], _LeadGroup] = {}
    if as_of is None:  # today's figures: as the roll-up stored them
        for section_id, dept, *counts in progress_selectors.lead_rollups(plan=plan, department_id=department_id):
            groups[(section_id, dept)] = _LeadGroup(**dict(zip(progress_selectors.LEAD_COUNTS, counts)))
        return groups
    leads = Responsibility.objects.filter(role=Responsibility.Role.LEAD, item__section__plan=plan)
    if department_id is not None:
        leads = leads.filter(department_id=department_id)
    leads = leads.order_by().values_list("item__section_id", "department_id")
    for section_id, dept, items in leads.annotate(n=Count("pk")):
        groups[(section_id, dept)] = _LeadGroup(items=items)
    figures = progress_selectors.item_snapshots_as_of_queryset(plan=plan, day=as_of)
    lead = {"item__responsibilities__role": Responsibility.Role.LEAD}
    if department_id is not None:
        lead["item__responsibilities__department_id"] = department_id
    rows = (figures.filter(**lead).order_by()
            .values_list("item__section_id", "item__responsibilities__department_id")
            .annotate(shown=Count("pk"), red=Count("pk", filter=Q(light=Light.RED)),
                      overdue=Count("pk", filter=Q(is_overdue=True)), done=Count("pk", filter=Q(is_done=True)),
                      percent_sum=Sum("percent")))
    for section_id, dept, shown, red, overdue, done, percent_sum in rows:
        group = groups.setdefault((section_id, dept), _LeadGroup())
        group.shown, group.red, group.overdue, group.done = shown, red, overdue, done
        group.percent_sum = float(percent_sum or 0)
    return groups


def _lead_departments(*, plan: WorkPlan, groups, as_of: datetime.date | None) -> list[Department]:
    """The departments that lead items, in order, each with `last_report` (its latest report on the plan):
    one query, one probe per department down report_department_recent (newest first, stopping at the
    first report on the plan's items) instead of grouping every report of the plan."""
    latest = ProgressReport.objects.filter(department=OuterRef("pk"), item__section__plan=plan)
    if as_of is not None:
        latest = latest.filter(created_at__lt=_end_of(as_of))
    return list(Department.objects.filter(pk__in={dept for _section, dept in groups}).order_by("order", "name")
                .annotate(last_report=Subquery(latest.order_by("-created_at").values("created_at")[:1])))


def department_table(*, plan: WorkPlan, department_id: int | None = None,
                     as_of: datetime.date | None = None, groups=None, departments=None) -> list[DepartmentRow]:
    """Items each (active) department leads, with red, overdue and done counts and its last report: three
    queries (none when the dashboard hands over its groups and departments)."""
    if groups is None:
        groups = _lead_groups(plan=plan, as_of=as_of, department_id=department_id)
    if departments is None:
        departments = _lead_departments(plan=plan, groups=groups, as_of=as_of)
    totals: dict[int, _LeadGroup] = {}
    for (_section, dept), group in groups.items():
        total = totals.setdefault(dept, _LeadGroup())
        for name in ("items", "shown", "red", "overdue", "done", "percent_sum"):
            setattr(total, name, getattr(total, name) + getattr(group, name))
    rows = []
    for department in departments:
        total = totals.get(department.pk)
        if total is None or not total.items or (department_id is None and not department.is_active):
            continue
        rows.append(DepartmentRow(
            department=department, items=total.items, red=total.red, overdue=total.overdue, done=total.done,
            last_report=department.last_report,
            percent=round(total.percent_sum / total.shown, 1) if total.shown else None,
        ))
    return rows


def _item_figures(*, plan: WorkPlan, as_of: datetime.date | None, item_ids=None, section_id=None) -> dict:
    """item id -> its figures: today's ItemRollup, or its ItemSnapshot as of the day (one query)."""
    if as_of is not None:
        return {s.item_id: s for s in progress_selectors.item_snapshots_as_of(
            plan=plan, day=as_of, section_id=section_id, item_ids=item_ids)}
    rollups = ItemRollup.objects.filter(item__section__plan=plan)
    if section_id is not None:
        rollups = rollups.filter(item__section_id=section_id)
    if item_ids is not None:
        rollups = rollups.filter(item_id__in=item_ids)
    return {r.item_id: r for r in rollups}


def _latest_narrative(latest) -> dict:
    """The latest report's narrative with what says who may read it (progress.permissions.may_read)."""
    return {
        "latest_report_text": Subquery(latest.values("narrative")[:1]),
        "latest_report_visibility": Subquery(latest.values("narrative_visibility")[:1]),
        "latest_report_department": Subquery(latest.values("department_id")[:1]),
        "latest_report_reporter": Subquery(latest.values("reporter_id")[:1]),
    }


def _hide_narrative_unless_readable(item, reader) -> None:
    # A 部门内 narrative the reader may not read is not shown: `latest_report_hidden` says one exists.
    item.latest_report_hidden = False
    if item.latest_report_text is not None and not progress_permissions.may_read(
            reader, visibility=item.latest_report_visibility, department_id=item.latest_report_department,
            reporter_id=item.latest_report_reporter):
        item.latest_report_text, item.latest_report_hidden = None, True


ITEM_ROWS_PAGE = 50  # rows a page of the section and department views shows


@dataclass
class ItemRows:
    """A page of the drill-down rows; `lights` counts every row in scope by light (before the light filter)."""

    page: object  # django.core.paginator.Page of WorkItem rows
    lights: dict[str, int]
    total: int  # rows in scope, before the light filter

    def __iter__(self):
        return iter(self.page.object_list)

    def __len__(self):
        return len(self.page.object_list)


def item_rows(*, plan: WorkPlan, reader, section_id: int | None = None, department_id: int | None = None,
              light: str | None = None, as_of: datetime.date | None = None, page: int | str | None = 1,
              per_page: int | None = None) -> ItemRows:
    """A page of items for the drill-down pages, each with `figure` (today's or the day's), departments,
    latest report and open instructions: six queries, whatever the plan's size.

    The light filter and the counts cover every row in scope (the figures of the scope are one query);
    only the page's rows are loaded, and their latest reports come from one ranked query (a window
    function over the page's items, served by report_item_recent) instead of subqueries per row.
    The latest report's narrative is there only when `reader` may read it (progress.permissions.may_read).
    """
    from django.core.paginator import Paginator
    from django.db.models import F, Window
    from django.db.models.functions import RowNumber

    scope = WorkItem.objects.filter(section__plan=plan)
    if section_id is not None:
        scope = scope.filter(section_id=section_id)
    if department_id is not None:
        scope = scope.filter(Exists(Responsibility.objects.filter(item=OuterRef("pk"), department_id=department_id)))
    ids = list(scope.order_by("section__number", "number").values_list("pk", flat=True))
    figures = _item_figures(plan=plan, as_of=as_of, section_id=section_id,
                            item_ids=ids if department_id is not None else None)
    lights = {value: 0 for value in LIGHTS}
    for item_id in ids:
        figure = figures.get(item_id)
        if figure is not None and figure.light in lights:
            lights[figure.light] += 1
    total = len(ids)
    if light in LIGHTS:
        ids = [item_id for item_id in ids if item_id in figures and figures[item_id].light == light]
    shown = Paginator(ids, per_page or ITEM_ROWS_PAGE).get_page(page)
    page_ids = list(shown.object_list)
    loaded = {
        item.pk: item
        for item in WorkItem.objects.filter(pk__in=page_ids)
        .select_related("section")
        .prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("department").order_by("order"))
        )
        .annotate(open_instructions=Count("instructions", filter=Q(instructions__state="open")))
    }
    reports = ProgressReport.objects.filter(item_id__in=page_ids)
    if as_of is not None:
        reports = reports.filter(created_at__lt=_end_of(as_of))
    latest = {
        row["item_id"]: row
        for row in reports.annotate(
            rank=Window(RowNumber(), partition_by=[F("item_id")], order_by=[F("created_at").desc(), F("pk").desc()])
        ).filter(rank=1).values("item_id", "created_at", "narrative", "state", "narrative_visibility", "department_id",
                                "reporter_id")
    }
    rows = []
    for item_id in page_ids:
        item = loaded[item_id]
        item.figure = figures.get(item_id)
        report = latest.get(item_id) or {}
        item.latest_report_at = report.get("created_at")
        item.latest_report_text = report.get("narrative")
        item.latest_report_state = report.get("state")
        item.latest_report_visibility = report.get("narrative_visibility")
        item.latest_report_department = report.get("department_id")
        item.latest_report_reporter = report.get("reporter_id")
        _hide_narrative_unless_readable(item, reader)
        rows.append(item)
    shown.object_list = rows
    return ItemRows(page=shown, lights=lights, total=total)


def _approved_extensions():
    """How many times an item (or one of its checkpoints) was given more time: bulletins and 考核 see it."""
    from django.db.models import Func, IntegerField

    from supervision.models import Extension

    approved = Extension.objects.filter(item=OuterRef("pk"), state=Extension.State.APPROVED).order_by()
    counted = approved.annotate(n=Func("pk", function="COUNT")).values("n")
    return Subquery(counted, output_field=IntegerField())


def bulletin_items(*, plan: WorkPlan, as_of: datetime.date | None = None) -> list[WorkItem]:
    """Every item with its figures, departments, targets and latest approved report text: five queries.

    A bulletin circulates (通报): it quotes a narrative only when it is 计划内, whoever downloads it."""
    latest = ProgressReport.objects.filter(item=OuterRef("pk"), state=ProgressReport.State.APPROVED,
                                           role=Responsibility.Role.LEAD).order_by(
        "-created_at", "-pk"
    )
    if as_of is not None:
        latest = latest.filter(reviewed_at__lt=_end_of(as_of))
    items = list(
        WorkItem.objects.filter(section__plan=plan)
        .select_related("section")
        .prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("department").order_by("order")),
            Prefetch("targets", queryset=Target.objects.order_by("order")),
        )
        .annotate(**_latest_narrative(latest),
                  extensions_approved=_approved_extensions())
        .order_by("section__number", "number")
    )
    figures = _item_figures(plan=plan, as_of=as_of)
    for item in items:
        item.figure = figures.get(item.pk)
        _hide_narrative_unless_readable(item, None)
    return items


_UNKNOWN = object()


def body_cache_key(*, plan: WorkPlan, today: datetime.date, language: str, as_of: datetime.date | None = None,
                   computed_at=_UNKNOWN, chased: str = "none") -> str:
    """The dashboard's body changes only when the roll-up is stored again, someone is chased (the late
    list says 已催办: `chased`, supervision.selectors.last_chase_stamp), the day turns, the language
    differs or another day is asked for: a key of those serves every leader from one render (one query,
    none when the caller loaded the plan's `computed_at` already)."""
    computed = (PlanRollup.objects.filter(plan=plan).values_list("computed_at", flat=True).first()
                if computed_at is _UNKNOWN else computed_at)
    stamp = computed.timestamp() if computed else "none"
    return f"dashboard-body:{plan.pk}:{stamp}:{chased}:{today.isoformat()}:{language}:{as_of or 'today'}"


# ---------------------------------------------------------------------------
# Bulletins (通报) for a period.


@dataclass
class DepartmentPeriod:
    """One department's part of a bulletin: its figures at the end, the change, what it did and missed."""

    row: DepartmentRow
    change: float | None = None  # points of progress since the period began
    reports: int = 0  # reports it sent in the period
    missed: list = field(default_factory=list)  # (reporting day, item) it did not report on
    overdue: list = field(default_factory=list)  # items it leads, overdue at the end
    instructions: list = field(default_factory=list)  # instructions to it unanswered at the end
    summaries_missing: list = field(default_factory=list)  # summary reports due in the period, not sent by its end
    rank: int = 0


@dataclass
class Bulletin:
    plan: WorkPlan
    start: datetime.date
    end: datetime.date
    figures: Dashboard  # as of the end of the period
    before: Dashboard | None  # as of the day before it began (None: it began with the plan)
    items: list  # every item, with its figures at the end and its latest approved report
    departments: list[DepartmentPeriod]  # ranked: on-time rate, then progress
    reports: int  # reports received in the period
    reporting_days: list[datetime.date]
    # A year-end bulletin (its period reaches the 自评 window): the departments' 考核 ranking; else None.
    assessment: list | None = None

    @property
    def plan_change(self) -> float | None:
        """Points the whole plan gained since the period began (from 0 when it began with the plan)."""
        if self.figures.rollup is None:
            return None
        earlier = self.before.rollup if self.before is not None else None
        return round(float(self.figures.rollup.percent) - float(earlier.percent if earlier else 0), 1)

    def section_change(self, card: SectionCard) -> float | None:
        """Points gained since the period began (from 0 when it began with the plan)."""
        if card.rollup is None:
            return None
        earlier = None
        if self.before is not None:
            earlier = next((c.rollup for c in self.before.cards if c.section.pk == card.section.pk), None)
        return round(float(card.rollup.percent) - float(earlier.percent if earlier else 0), 1)


def _reporting_days(plan: WorkPlan, start: datetime.date, end: datetime.date) -> list[tuple[datetime.date, datetime.date]]:
    """(cycle start, reporting day) of every reporting day of the plan within the period."""
    from tasks.cycles import current_cycle

    days, month = [], datetime.date(start.year, start.month, 1)
    while month <= end:
        day = month.replace(day=plan.reporting_day)
        if start <= day <= end and day >= plan.year_start:
            cycle = current_cycle(day, reporting_day=plan.reporting_day, plan_start=plan.year_start)
            days.append((cycle.start, cycle.reporting_date))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return days


def bulletin(*, plan: WorkPlan, start: datetime.date, end: datetime.date, today: datetime.date) -> Bulletin:
    """What a bulletin for `start`–`end` says: a fixed number of queries, whatever the plan's size."""
    from supervision.models import Instruction, SummaryReport, SummaryRequirement

    as_of = None if end >= today else end
    figures = dashboard(plan=plan, today=today, as_of=as_of)
    before = None
    if start > plan.year_start:
        before = dashboard(plan=plan, today=today, as_of=start - datetime.timedelta(days=1))
    items = bulletin_items(plan=plan, as_of=as_of)
    by_item = {item.pk: item for item in items}
    lead_of = {item.pk: r.department_id for item in items for r in item.responsibilities.all() if r.role == "lead"}
    cycles = _reporting_days(plan, start, end)
    # One read of the reports from the first reporting cycle's start (it may begin before the period).
    first = min([cycle_start for cycle_start, _day in cycles] + [start])
    reports = list(ProgressReport.objects.filter(
        item__section__plan=plan, created_at__gte=_end_of(first - datetime.timedelta(days=1)),
        created_at__lt=_end_of(end)).values_list("item_id", "department_id", "created_at"))
    began = _end_of(start - datetime.timedelta(days=1))
    counts: dict[int, int] = {}
    for _item, department, at in reports:
        if at >= began:
            counts[department] = counts.get(department, 0) + 1
    missed: dict[int, list] = {}
    for cycle_start, reporting_day in cycles:
        window = (_end_of(cycle_start - datetime.timedelta(days=1)), _end_of(reporting_day))
        reported = {(item, department) for item, department, at in reports if window[0] <= at < window[1]}
        for item in items:
            if item.due_date < cycle_start or (item.figure is not None and item.figure.is_done):
                continue
            for responsibility in item.responsibilities.all():
                if (item.pk, responsibility.department_id) not in reported:
                    missed.setdefault(responsibility.department_id, []).append((reporting_day, item))
    # Unanswered at the end: no answer by then, or returned to the departments and not answered again.
    open_at_end = Instruction.objects.filter(item__section__plan=plan, created_at__lt=_end_of(end)).filter(
        Q(handled_at__isnull=True) | Q(handled_at__gte=_end_of(end)) | Q(state=Instruction.State.OPEN)
    ).select_related("author").prefetch_related("departments").order_by("created_at")
    instructions: dict[int, list] = {}
    for instruction in open_at_end:
        instruction.item = by_item.get(instruction.item_id, instruction.item)
        for department_id in [d.pk for d in instruction.departments.all()] or [lead_of.get(instruction.item_id)]:
            instructions.setdefault(department_id, []).append(instruction)
    due = list(SummaryRequirement.objects.filter(plan=plan, due_date__gte=start, due_date__lte=end))
    sent = set(SummaryReport.objects.filter(requirement__in=due, created_at__lt=_end_of(end))
               .values_list("requirement_id", "department_id"))
    leads = set(lead_of.values())
    earlier = {row.department.pk: row for row in before.departments} if before else {}
    departments = []
    for row in figures.departments:
        previous = earlier.get(row.department.pk)
        departments.append(DepartmentPeriod(
            row=row,
            change=(round(row.percent - (previous.percent or 0), 1) if previous and row.percent is not None
                    else row.percent if before is None else None),
            reports=counts.get(row.department.pk, 0),
            missed=missed.get(row.department.pk, []),
            overdue=[item for item in items if lead_of.get(item.pk) == row.department.pk
                     and item.figure is not None and item.figure.is_overdue],
            instructions=instructions.get(row.department.pk, []),
            summaries_missing=[r for r in due if row.department.pk in leads and (r.pk, row.department.pk) not in sent],
        ))
    departments.sort(key=lambda d: (-(d.row.on_time_rate or 0), -(d.row.percent or 0), d.row.department.order))
    for rank, department in enumerate(departments, 1):
        department.rank = rank
    scheme = assessment_selectors.scheme_of(plan=plan)
    ranking = (assessment_selectors.results(scheme=scheme, today=end)
               if scheme is not None and end >= scheme.opens_on else None)
    return Bulletin(plan=plan, start=start, end=end, figures=figures, before=before, items=items,
                    departments=departments, reports=sum(counts.values()), reporting_days=[day for _s, day in cycles],
                    assessment=ranking)
