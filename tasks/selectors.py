"""Every read that a page, a job or an export needs, with its joins designed in."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Case, Count, Prefetch, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from core import numbers
from departments.models import Department, Membership

from . import extensions
from .extensions import TimelineEvent
from .models import Checkpoint, CheckpointTarget, ReportingCycle, Responsibility, Section, Target, WorkItem, WorkPlan


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
            # with the departments' groups: who belongs to them is asked of the item (the 台账 link, for one)
            queryset=Responsibility.objects.select_related("department__parent", "department__group").order_by("order"),
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


_ITEM_FIELDS = ("status", "progress_percent", "due_date", "title", "reporting_cycle")
_CHECKPOINT_FIELDS = ("due_date", "title", "expected_percent", "department", "order")
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
        text = _("; ").join(f"{name}{_(': ')}{_display(old)} → {_display(new)}" for name, old, new in diffs)
        events.append(TimelineEvent(record.history_date, record.history_user, "change", text))
    target_history = Target.history.filter(item_id=item.pk).select_related("history_user")
    for record, diffs in _field_changes(target_history, _TARGET_FIELDS, Target):
        text = f"{record.subject}{_(': ')}" + _("; ").join(f"{name} {_display(old)} → {_display(new)}" for name, old, new in diffs)
        events.append(TimelineEvent(record.history_date, record.history_user, "change", text))
    events.extend(_checkpoint_events(item))
    return events


def _checkpoint_label(record) -> str:
    percent = "" if record.expected_percent is None else f" ({record.expected_percent}%)"
    return f"{record.due_date:%Y-%m-%d} {record.title}{percent}"


def _checkpoint_events(item: WorkItem) -> list[TimelineEvent]:
    """Checkpoints added, changed, moved and removed, and their expected target values: three queries."""
    events = []
    records = sorted(Checkpoint.history.filter(item_id=item.pk).select_related("history_user", "department"),
                     key=lambda r: (r.history_date, r.history_id))
    latest, removed, previous = {}, set(), {}
    for record in records:
        latest[record.id] = record
        before = previous.get(record.id)
        previous[record.id] = record
        if record.history_type == "+":
            text = _("Checkpoint added: %(checkpoint)s") % {"checkpoint": _checkpoint_label(record)}
        elif record.history_type == "-":
            removed.add(record.id)
            text = _("Checkpoint removed: %(checkpoint)s") % {"checkpoint": _checkpoint_label(record)}
        else:
            if before is None:
                continue
            diffs = [
                f"{Checkpoint._meta.get_field(name).verbose_name} {_display(getattr(before, name))} → "
                f"{_display(getattr(record, name))}"
                for name in _CHECKPOINT_FIELDS
                if getattr(before, f"{name}_id" if name == "department" else name)
                != getattr(record, f"{name}_id" if name == "department" else name)
            ]
            if not diffs:
                continue
            text = _("Checkpoint %(checkpoint)s: %(changes)s") % {"checkpoint": _checkpoint_label(before),
                                                                   "changes": "; ".join(diffs)}
        events.append(TimelineEvent(record.history_date, record.history_user, "checkpoint", text))
    if not latest:
        return events
    values = sorted(CheckpointTarget.history.filter(checkpoint_id__in=list(latest)).select_related(
        "history_user", "target"), key=lambda r: (r.history_date, r.history_id))
    before_value = {}
    for record in values:
        old = before_value.get(record.id)
        before_value[record.id] = record
        if record.history_type == "-" and record.checkpoint_id in removed:
            continue  # removed with its checkpoint: the checkpoint's line says so
        new = None if record.history_type == "-" else record.expected_value
        old_value = None if record.history_type == "+" or old is None else old.expected_value
        if old_value == new:
            continue
        text = _("Checkpoint %(checkpoint)s: expected %(target)s %(old)s → %(new)s") % {
            "checkpoint": _checkpoint_label(latest[record.checkpoint_id]),
            "target": record.target.label if record.target else "", "old": _display(old_value), "new": _display(new)}
        events.append(TimelineEvent(record.history_date, record.history_user, "checkpoint", text))
    return events


def _display(value) -> str:
    if value is None or value == "":
        return _("(none)")
    if isinstance(value, str) and value in WorkItem.Status.values:
        return str(WorkItem.Status(value).label)
    if isinstance(value, str) and value in ReportingCycle.values:
        return str(ReportingCycle(value).label)
    if isinstance(value, Department):
        return value.name
    if isinstance(value, Decimal):
        return numbers.quantity(value)  # 3,500, never 3500.00
    return str(value)


# ---------------------------------------------------------------------------
# Checkpoints (节点) of an item and of a plan.


def _with_states(checkpoints: list[Checkpoint], items: dict) -> list[Checkpoint]:
    states = extensions.checkpoint_states(list({c.item_id for c in checkpoints})) if checkpoints else {}
    for checkpoint in checkpoints:
        item = items[checkpoint.item_id]
        checkpoint.state = states.get(checkpoint.pk, extensions.UPCOMING)
        checkpoint.lead = checkpoint.department or next(
            (r.department for r in item.responsibilities.all() if r.role == Responsibility.Role.LEAD), None)
        by_target = {value.target_id: value.expected_value for value in checkpoint.target_values.all()}
        checkpoint.expected_values = [(target, by_target.get(target.pk)) for target in item.targets.all()]
    return checkpoints


def _checkpoint_queryset() -> QuerySet[Checkpoint]:
    return Checkpoint.objects.select_related("department").prefetch_related(
        Prefetch("target_values", queryset=CheckpointTarget.objects.all())).order_by("order", "due_date", "pk")


def item_checkpoints(*, item: WorkItem) -> list[Checkpoint]:
    """The item's checkpoints in their order, each with `state`, `lead` and `expected_values`
    [(target, value or None)]; `item` comes with responsibilities and targets (item_detail)."""
    return _with_states(list(_checkpoint_queryset().filter(item=item)), {item.pk: item})


def checkpoint_for_edit(*, checkpoint_id: int) -> Checkpoint:
    return Checkpoint.objects.select_related("item__section__plan", "department").get(pk=checkpoint_id)


def plan_checkpoint_table(*, plan: WorkPlan) -> list[Section]:
    """Every section with its items, each with `table_checkpoints` (as item_checkpoints gives them):
    a fixed number of queries, whatever the plan's size."""
    sections = list(
        Section.objects.filter(plan=plan).order_by("number").prefetch_related(
            Prefetch("items", queryset=_item_queryset().order_by("number").prefetch_related(
                Prefetch("checkpoints", queryset=_checkpoint_queryset(), to_attr="table_checkpoints"))))
    )
    items = {item.pk: item for section in sections for item in section.items.all()}
    _with_states([c for item in items.values() for c in item.table_checkpoints], items)
    return sections


def plan_settings_history(*, plan: WorkPlan, limit: int = 20) -> list[TimelineEvent]:
    """Changes of the plan's settings (cycle, 销号 check, extension steps, …), newest first: one query."""
    from .services import PLAN_SETTINGS_EDITABLE

    records = list(WorkPlan.history.filter(id=plan.pk).select_related("history_user").order_by(
        "history_date", "history_id"))
    events = []
    for record, diffs in _field_changes(records, PLAN_SETTINGS_EDITABLE, WorkPlan):
        text = _("; ").join(f"{name}{_(': ')}{_plan_display(old)} → {_plan_display(new)}" for name, old, new in diffs)
        events.append(TimelineEvent(record.history_date, record.history_user, "change", text))
    return list(reversed(events))[:limit]


def _plan_display(value) -> str:
    if isinstance(value, bool):
        return _("on") if value else _("off")
    return _display(value)


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


def plan_status_history(*, plan) -> list:
    """The plan's changes of status, oldest first, each with who made it (the closing page)."""
    rows = list(plan.history.select_related("history_user").order_by("history_date", "history_id"))
    changes, previous = [], None
    for row in rows:
        if row.status != previous:
            changes.append(row)
            previous = row.status
    return changes
