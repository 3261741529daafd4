"""Every state change of brands and milestones.

`brands_sync_from_plan` writes the brands recognized in an imported document;
`milestone_report_submit` reports a milestone through progress
reporting (same permissions, review, history and reminders), and
`milestone_report_apply` makes an approved milestone report count.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _

from core.dates import shift_year
from departments.models import Department
from progress import services as progress_services
from progress.models import ProgressReport
from tasks.importer.document import ParsedPlan
from tasks.models import Responsibility, WorkItem, WorkPlan

from .importer import recognize_brands
from .importer.recognition import normalized
from .models import Brand, Level, Milestone, MilestoneReport
from .progress import MilestoneFacts, Projection, item_projection


@dataclass
class BrandSyncResult:
    created: list[Brand] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _lead(item: WorkItem) -> Department | None:
    return next((r.department for r in item.responsibilities.all() if r.role == Responsibility.Role.LEAD), None)


def default_owner(*, item: WorkItem, related: list[WorkItem]) -> Department | None:
    """The lead of the first related item when it is also responsible for `item`, else `item`'s lead.

    The first related item is where the brand's day-to-day work sits (党工共建 in
    item 11 of 组织基层部); its lead owns the brand if it may report on `item`.
    """
    responsible = {r.department_id for r in item.responsibilities.all()}
    first_lead = _lead(related[0]) if related else None
    if first_lead is not None and first_lead.pk in responsible:
        return first_lead
    return _lead(item)


def default_supporting(*, item: WorkItem, related: list[WorkItem], owner: Department | None) -> list[Department]:
    """Departments of the related items that are also responsible for `item`, except the owner."""
    in_related = {r.department_id for other in related for r in other.responsibilities.all()}
    return [
        r.department
        for r in item.responsibilities.all()
        if r.department_id in in_related and (owner is None or r.department_id != owner.pk)
    ]


@transaction.atomic
def brands_sync_from_plan(*, plan: WorkPlan, parsed: ParsedPlan) -> BrandSyncResult:
    """Create the brands the document names and the plan lacks; importing again changes nothing.

    The document seeds a brand and the admins own it afterwards: an existing
    brand (same name, brackets aside) is left exactly as it is, so levels,
    dates, owners and related items an admin changed or removed stay so. A
    brand the document no longer names is kept (it may carry milestone
    reports), with a warning.
    """
    recognized = recognize_brands(parsed)
    items = {
        item.number: item
        for item in WorkItem.objects.filter(section__plan=plan).prefetch_related(
            Prefetch("responsibilities", queryset=Responsibility.objects.select_related("department").order_by("order"))
        )
    }
    existing = {normalized(brand.name): brand for brand in Brand.objects.filter(plan=plan)}
    result = BrandSyncResult()
    for parsed_brand in recognized:
        item = items.get(parsed_brand.item_number)
        if normalized(parsed_brand.name) in existing or item is None:
            continue
        related = [items[number] for number in parsed_brand.related_item_numbers if number in items]
        owner = default_owner(item=item, related=related)
        brand = Brand(
            plan=plan,
            item=item,
            name=parsed_brand.name,
            order=parsed_brand.order,
            description=parsed_brand.description,
            owner=owner,
            start_date=parsed_brand.start_date,
            target_date=parsed_brand.target_date,
            target_level=parsed_brand.target_level or Level.NONE,
            criteria=parsed_brand.criteria,
        )
        brand.full_clean()
        brand.save()
        brand.related_items.set(related)
        brand.supporting_departments.set(default_supporting(item=item, related=related, owner=owner))
        result.created.append(brand)
    named = {normalized(parsed_brand.name) for parsed_brand in recognized}
    for key, brand in existing.items():
        if key not in named:
            result.warnings.append(_("Brand %(name)s is not in the document; it was kept.") % {"name": brand.name})
    return result


@transaction.atomic
@transaction.atomic
def milestone_create(*, brand: Brand, title: str, due_date: datetime.date, order: int | None = None) -> Milestone:
    """Add a milestone to a brand, last unless `order` is given; the brand's item is recomputed (a new
    milestone lowers the brand's mean)."""
    if order is None:
        order = (brand.milestones.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    milestone = Milestone(brand=brand, title=title, due_date=due_date, order=order)
    milestone.full_clean()
    milestone.save()
    progress_services.rollup_schedule(plan_id=brand.plan_id)
    return milestone


class MilestoneNotAllowed(Exception):
    """The department neither owns nor supports the brand; nothing was saved."""


def brand_department_ids(brand: Brand) -> set[int]:
    """The departments that report on a brand's milestones: its owner and supporting departments."""
    ids = {department.pk for department in brand.supporting_departments.all()}
    if brand.owner_id:
        ids.add(brand.owner_id)
    return ids


def _lock_milestones(item_id: int) -> dict[int, list[Milestone]]:
    """Brand id -> its milestones, for every brand of the item, milestone rows locked.

    Callers hold the item's row lock first (as tasks does), so reports and
    approvals on one item's brands take their locks in the same order.
    """
    brands = {brand_id: [] for brand_id in Brand.objects.filter(item_id=item_id).values_list("pk", flat=True)}
    for milestone in Milestone.objects.select_for_update(of=("self",)).filter(brand__item_id=item_id).order_by("pk"):
        brands[milestone.brand_id].append(milestone)
    return brands


def _projection(brands: dict[int, list[Milestone]], *, override: tuple[int, str, int] | None = None) -> Projection:
    def facts(milestone: Milestone) -> MilestoneFacts:
        if override is not None and milestone.pk == override[0]:
            return MilestoneFacts(percent=override[2], status=override[1], due_date=milestone.due_date)
        return MilestoneFacts(percent=milestone.percent, status=milestone.status, due_date=milestone.due_date)

    return item_projection([[facts(m) for m in milestones] for milestones in brands.values()])


@transaction.atomic
def milestone_report_submit(
    *,
    milestone: Milestone,
    department: Department,
    reporter,
    status: str,
    percent: int,
    narrative: str,
    evidence: list,
    base_version: int,
    narrative_visibility: str | None = None,
    evidence_visibility: str | None = None,
) -> MilestoneReport:
    """Report a milestone: a progress report on the brand's item, reviewed like any other.

    The progress report's percent and status are the item's as its brands would
    stand with this milestone at `percent` (brands.progress.item_projection);
    the milestone's own values are kept on the MilestoneReport and count once
    the department's head approves (or at once on a plan without review).
    Raises MilestoneNotAllowed for a department that neither owns nor supports
    the brand, tasks' ProgressConflict when the item changed since `base_version`.
    """
    brand = milestone.brand
    if department.pk not in brand_department_ids(brand):
        raise MilestoneNotAllowed(_("%(department)s does not work on %(brand)s.") % {"department": department, "brand": brand})
    item = WorkItem.objects.select_for_update(of=("self",)).get(pk=brand.item_id)
    brands = _lock_milestones(item.pk)
    projection = _projection(brands, override=(milestone.pk, status, percent))
    heading = _("Milestone “%(milestone)s” of %(brand)s: %(status)s, %(percent)d%%.") % {
        "milestone": milestone.title,
        "brand": brand.name,
        "status": WorkItem.Status(status).label,
        "percent": percent,
    }
    report = progress_services.report_submit(
        item=item,
        department=department,
        reporter=reporter,
        status=projection.status,
        percent=projection.percent,
        narrative=f"{heading}\n{narrative}",
        readings={},
        evidence=evidence,
        base_version=base_version,
        narrative_visibility=narrative_visibility,
        evidence_visibility=evidence_visibility,
    )
    link = MilestoneReport(report=report, milestone=milestone, status=status, percent=percent)
    link.full_clean()
    link.save()
    if report.state == ProgressReport.State.APPROVED:
        # The plan needs no review: the report counted at once, so the milestone does too.
        _apply(link, report=report, brands=brands)
    return link


@transaction.atomic
def milestone_report_apply(*, report: ProgressReport) -> Milestone | None:
    """Make an approved milestone report count: the milestone takes its status and percent.

    Called while tasks approves `report` (signal `tasks.signals.report_approved`),
    before a lead's report becomes the item's progress: the report's percent and
    status are settled to the item's projection from fresh milestone values.
    Returns None, changing nothing, for a report that is no milestone report.
    """
    link = MilestoneReport.objects.filter(report=report).first()
    if link is None:
        # An ordinary progress report; or a milestone report on a plan without
        # review, approved inside report_submit before its link exists
        # (milestone_report_submit applies that one itself).
        return None
    return _apply(link, report=report, brands=_lock_milestones(report.item_id))


def _apply(link: MilestoneReport, *, report: ProgressReport, brands: dict[int, list[Milestone]]) -> Milestone:
    milestone = next(m for milestones in brands.values() for m in milestones if m.pk == link.milestone_id)
    milestone.status, milestone.percent, milestone.last_report_at = link.status, link.percent, report.reviewed_at
    milestone.full_clean()
    milestone.save(update_fields=["status", "percent", "last_report_at"])
    projection = _projection(brands)
    if (report.percent, report.status) != (projection.percent, projection.status):
        # Another milestone report on the item was approved after this one was
        # submitted: this one's projection is stale, and the item must keep that progress.
        report.percent, report.status = projection.percent, projection.status
        report.save(update_fields=["percent", "status"])
    return milestone


@transaction.atomic
def brands_copy_to_plan(*, source: WorkPlan, clone: WorkPlan, items: dict[int, WorkItem]) -> list[Brand]:
    """Carry a plan's brands into its copy for another year: owners, departments, related items,
    the level reached so far and the milestones still open, dates moved; no reports, no progress."""
    years = clone.year - source.year
    copies = []
    for brand in source.brands.prefetch_related("supporting_departments", "related_items", "milestones"):
        if brand.item_id not in items:
            continue
        copy = Brand.objects.create(
            plan=clone,
            item=items[brand.item_id],
            name=brand.name,
            order=brand.order,
            description=brand.description,
            owner=brand.owner,
            start_date=shift_year(brand.start_date, years),
            target_date=shift_year(brand.target_date, years),
            level=brand.level,
            target_level=brand.target_level,
            criteria=brand.criteria,
        )
        copy.supporting_departments.set(brand.supporting_departments.all())
        copy.related_items.set([items[i.pk] for i in brand.related_items.all() if i.pk in items])
        Milestone.objects.bulk_create(
            Milestone(brand=copy, order=m.order, title=m.title, due_date=shift_year(m.due_date, years))
            for m in brand.milestones.all()
            if m.status != WorkItem.Status.DONE
        )
        copies.append(copy)
    return copies


@transaction.atomic
def brands_hand_over(*, source: Department, successor: Department) -> int:
    """Brands of open plans owned by `source` go to `successor`; where `source` supports one, so does `successor`.

    Returns how many brands changed hands (ownership or support).
    """
    open_brands = Brand.objects.exclude(plan__status=WorkPlan.Status.CLOSED)
    moved = open_brands.filter(owner=source).update(owner=successor)
    for brand in open_brands.filter(supporting_departments=source):
        brand.supporting_departments.remove(source)
        if brand.owner_id != successor.pk:
            brand.supporting_departments.add(successor)
        moved += 1
    return moved
