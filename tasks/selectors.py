"""Every read that a page, a job or an export needs, with its joins designed in."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from departments.models import Department, Membership

from .extensions import TimelineEvent
from .models import Responsibility, Section, Target, WorkItem, WorkPlan


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


PLAN_PAGE_ITEMS = 50  # items a page of the plan shows; a plan of up to this many shows on one page


@dataclass
class PlanPage:
    """One page of a plan's items, in plan order, under their sections; `sections` are every section of
    the plan with `item_count` and `first_page` (the page its first item is on) for the table of contents,
    and `items` (this page's) for those that have items on it."""

    plan: WorkPlan
    sections: list
    page: object  # django.core.paginator.Page of items
    item_count: int

    @property
    def sections_on_page(self) -> list:
        return [section for section in self.sections if section.page_items]


def plan_page(*, plan_id: int, page: int | str | None = 1, per_page: int | None = None) -> PlanPage:
    """A page of the plan's items with their departments and targets: five queries, whatever the plan's size."""
    from django.core.paginator import Paginator

    per_page = per_page or PLAN_PAGE_ITEMS
    plan = WorkPlan.objects.get(pk=plan_id)
    sections = list(Section.objects.filter(plan=plan).annotate(item_count=Count("items")).order_by("number"))
    total, first_item = 0, {}
    for section in sections:
        first_item[section.pk] = total
        total += section.item_count
    paginator = Paginator(_item_queryset().filter(section__plan=plan).order_by("section__number", "number"), per_page)
    paginator.count = total  # counted with the sections: no COUNT query of its own
    shown = paginator.get_page(page)
    by_section: dict[int, list] = {}
    for item in shown.object_list:
        by_section.setdefault(item.section_id, []).append(item)
    for section in sections:
        section.plan = plan
        section.page_items = by_section.get(section.pk, [])
        section.first_page = first_item[section.pk] // per_page + 1
    return PlanPage(plan=plan, sections=sections, page=shown, item_count=total)


def item_detail_queryset() -> QuerySet[WorkItem]:
    return _item_queryset().select_related("section__plan")


def item_detail(*, item_id: int) -> WorkItem:
    return item_detail_queryset().get(pk=item_id)


# ---------------------------------------------------------------------------
# History (留痕) of the item's own fields and targets; other apps add their events through
# tasks.extensions (reports, reviews, instructions).


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


def item_field_changes(*, item: WorkItem) -> list[TimelineEvent]:
    """Changes of the item's status, progress, due date and title, and of its targets' values: two queries."""
    events = []
    item_history = WorkItem.history.filter(id=item.pk).select_related("history_user")
    for record, diffs in _field_changes(item_history, _ITEM_FIELDS, WorkItem):
        text = "; ".join(f"{name}: {_display(old)} → {_display(new)}" for name, old, new in diffs)
        events.append(TimelineEvent(record.history_date, record.history_user, "change", text))
    target_history = Target.history.filter(item_id=item.pk).select_related("history_user")
    for record, diffs in _field_changes(target_history, _TARGET_FIELDS, Target):
        text = f"{record.subject}: " + "; ".join(f"{name} {_display(old)} → {_display(new)}" for name, old, new in diffs)
        events.append(TimelineEvent(record.history_date, record.history_user, "change", text))
    return events


def _display(value) -> str:
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
