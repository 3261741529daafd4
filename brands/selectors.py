"""Every read the brand pages, the demo and the roll-up need, with its queries designed in."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet

from tasks.models import Responsibility, WorkItem, WorkPlan

from .models import Brand, Milestone, MilestoneReport
from .progress import MilestoneFacts, brand_progress, expected_percent, item_progress


def _facts(milestones: Sequence[Milestone]) -> list[MilestoneFacts]:
    return [MilestoneFacts(percent=m.percent, status=m.status, due_date=m.due_date) for m in milestones]


def _related_items() -> Prefetch:
    # `rollup` is the item's stored roll-up (light, percent), when the roll-up job has run.
    return Prefetch(
        "related_items",
        queryset=WorkItem.objects.select_related("section", "rollup").order_by("section__number", "number"),
    )


def brands_of_plan(*, plan: WorkPlan) -> QuerySet[Brand]:
    """A plan's brands with owner, supporters, milestones and related items: five queries."""
    return (
        Brand.objects.filter(plan=plan)
        .select_related("owner", "item__rollup")
        .prefetch_related(
            "supporting_departments",
            Prefetch("milestones", queryset=Milestone.objects.order_by("order", "due_date", "pk")),
            _related_items(),
        )
        .order_by("order", "pk")
    )


@dataclass
class BrandRow:
    """One brand on the board, with its bar across the timeline (positions in % of its width)."""

    brand: Brand
    progress: float
    expected: float
    bar_left: float
    bar_width: float
    marks: list[tuple[Milestone, float]] = field(default_factory=list)

    @property
    def milestones(self) -> list[Milestone]:
        return list(self.brand.milestones.all())

    @property
    def behind(self) -> bool:
        return self.expected - self.progress > 10


@dataclass
class BrandBoard:
    plan: WorkPlan
    rows: list[BrandRow]
    start: datetime.date | None = None
    end: datetime.date | None = None
    years: list[tuple[int, float, float]] = field(default_factory=list)  # (year, left %, width %)
    today_left: float | None = None
    items: list[tuple[WorkItem, float]] = field(default_factory=list)  # items naming brands, with their brands' progress


class _Scale:
    def __init__(self, start: datetime.date, end: datetime.date):
        self.start, self.days = start, max((end - start).days + 1, 1)

    def at(self, day: datetime.date) -> float:
        return round(max(0.0, min(100.0, 100.0 * (day - self.start).days / self.days)), 2)

    def span(self, first: datetime.date, last: datetime.date) -> tuple[float, float]:
        left = self.at(first)
        return left, round(max(self.at(last + datetime.timedelta(days=1)) - left, 0.5), 2)


def brand_board(*, plan: WorkPlan, today: datetime.date) -> BrandBoard:
    """The brands page: every brand side by side on one timeline; a fixed number of queries."""
    brands = list(brands_of_plan(plan=plan))
    if not brands:
        return BrandBoard(plan=plan, rows=[])
    start, end = min(b.start_date for b in brands), max(b.target_date for b in brands)
    scale = _Scale(start, end)
    rows = []
    for brand in brands:
        milestones = list(brand.milestones.all())
        left, width = scale.span(brand.start_date, brand.target_date)
        rows.append(
            BrandRow(
                brand=brand,
                progress=brand_progress(_facts(milestones)),
                expected=expected_percent(start=brand.start_date, target=brand.target_date, today=today),
                bar_left=left,
                bar_width=width,
                marks=[(m, scale.at(m.due_date)) for m in milestones],
            )
        )
    years = []
    for year in range(start.year, end.year + 1):
        first, last = max(start, datetime.date(year, 1, 1)), min(end, datetime.date(year, 12, 31))
        years.append((year, *scale.span(first, last)))
    by_item: dict[int, list[Brand]] = {}
    for brand in brands:
        by_item.setdefault(brand.item_id, []).append(brand)
    items = [
        (group[0].item, item_progress([_facts(list(b.milestones.all())) for b in group])) for group in by_item.values()
    ]
    return BrandBoard(
        plan=plan,
        rows=rows,
        start=start,
        end=end,
        years=years,
        today_left=scale.at(today) if start <= today <= end else None,
        items=items,
    )


def brand_page(*, brand_id: int) -> Brand:
    """A brand with what its page and its report form need: milestones with their reports,
    related items, and the brand's item with its departments and targets."""
    return (
        Brand.objects.select_related("owner", "plan", "item__section__plan")
        .prefetch_related(
            "supporting_departments",
            Prefetch(
                "item__responsibilities",
                queryset=Responsibility.objects.select_related("department__parent").order_by("order"),
            ),
            "item__targets",
            Prefetch(
                "milestones",
                queryset=Milestone.objects.order_by("order", "due_date", "pk").prefetch_related(
                    Prefetch(
                        "reports",
                        queryset=MilestoneReport.objects.select_related(
                            "report__department", "report__reporter", "report__reviewer"
                        ),
                    )
                ),
            ),
            _related_items(),
        )
        .get(pk=brand_id)
    )


def brand_progress_of(brand: Brand) -> float:
    """Expects milestones prefetched (brand_page, brands_of_plan)."""
    return brand_progress(_facts(list(brand.milestones.all())))


def item_brand_progress(*, plan: WorkPlan) -> dict[int, float]:
    """Item id -> its brands' progress (brands.progress.item_progress), for items that name brands.

    What the roll-up should take as such an item's reported percent; two queries.
    """
    by_item: dict[int, list[list[MilestoneFacts]]] = {}
    for brand in Brand.objects.filter(plan=plan).prefetch_related(
        Prefetch("milestones", queryset=Milestone.objects.only("brand_id", "percent", "status", "due_date"))
    ):
        by_item.setdefault(brand.item_id, []).append(_facts(list(brand.milestones.all())))
    return {item_id: item_progress(brands) for item_id, brands in by_item.items()}


def sections_with_brands(*, plan_id: int) -> set[int]:
    """Ids of the plan's sections whose items name brands (the plan page links them): one query."""
    return set(Brand.objects.filter(plan_id=plan_id).order_by().values_list("item__section_id", flat=True))
