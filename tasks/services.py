"""Every state change of work plans: import, set-up, lifecycle, copy to next year, hand-over.

`plan_import` is the one writer of parsed plan documents: it creates or
updates a plan so that importing the same document twice changes nothing, and
it keeps what an admin filled in (placeholder target values, due dates).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from core.dates import shift_year
from departments import services as department_services
from departments.models import Department
from departments.selectors import (
    department_by_name_or_alias,
    department_names_with_aliases,
)

from . import permissions, signals
from .importer import PlanParseError, parse_plan, read_document
from .importer.document import ParsedItem, ParsedPlan
from .models import Checkpoint, CheckpointTarget, Responsibility, Section, Target, WorkItem, WorkPlan


@dataclass
class PlanImportResult:
    plan: WorkPlan
    dry_run: bool
    changes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deleted: int = 0

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)


def plan_import_document(
    *,
    data: bytes,
    filename: str,
    organization: str | None = None,
    year: int | None = None,
    dry_run: bool = False,
) -> PlanImportResult:
    """Read, parse and write a 工作要点 document; raises PlanParseError before writing anything."""
    lines = read_document(data, filename=filename)
    parsed = parse_plan(
        lines, year=year, organization=organization, known_departments=department_names_with_aliases()
    )
    if not parsed.organization:
        raise PlanParseError(_("The organization could not be read from the title; give it with --org."))
    return plan_import(parsed=parsed, source_name=filename, source_text="\n".join(lines), dry_run=dry_run)


@transaction.atomic
def plan_import(
    *, parsed: ParsedPlan, source_name: str, source_text: str, dry_run: bool = False
) -> PlanImportResult:
    """Write a parsed plan in one transaction; with `dry_run` report the changes and roll back."""
    departments = _sync_departments(parsed)
    plan, plan_change = _upsert(
        WorkPlan,
        lookup={"organization": parsed.organization, "year": parsed.year},
        values={
            "title": parsed.title,
            "general_requirements": parsed.general_requirements,
            "source_name": source_name,
            "source_text": source_text,
        },
    )
    result = PlanImportResult(plan=plan, dry_run=dry_run, warnings=list(parsed.warnings))
    for kind, text in departments.created:
        result.created += 1
        result.changes.append(_("New department: %(name)s") % {"name": text} if kind == "department" else text)
    _record(result, plan_change, _("Plan %(name)s") % {"name": plan.title})

    seen_items: set[int] = set()
    for parsed_section in parsed.sections:
        section, change = _upsert(
            Section,
            lookup={"plan": plan, "number": parsed_section.number},
            values={"numeral": parsed_section.numeral, "title": parsed_section.title, "intro": parsed_section.intro},
        )
        _record(result, change, _("Section %(name)s") % {"name": section})
        for parsed_item in parsed_section.items:
            item = _import_item(result, plan=plan, section=section, parsed_item=parsed_item, departments=departments)
            seen_items.add(item.pk)

    # 交办事项 were never in the document: they are not "missing" from it.
    stale = WorkItem.objects.filter(section__plan=plan).exclude(pk__in=seen_items).exclude(section__is_assignments=True)
    for item in stale:
        # Kept on purpose: an item may already carry reports; an admin removes it.
        result.warnings.append(_("Item %(name)s is not in the document; it was kept.") % {"name": item})

    signals.plan_imported.send(sender=WorkPlan, parsed=parsed, plan=plan, result=result)
    if dry_run:
        transaction.set_rollback(True)
    elif result.changed:
        signals.plan_changed.send(sender=WorkPlan, plan=plan)
    return result


def _import_item(result, *, plan, section, parsed_item: ParsedItem, departments) -> WorkItem:
    item, change = _upsert(
        WorkItem,
        lookup={"section": section, "number": parsed_item.number},
        values={
            "title": parsed_item.title,
            "body": parsed_item.body,
            "subheading": parsed_item.subheading,
            "source_line": parsed_item.line,
        },
        defaults={"due_date": plan.year_end},
    )
    label = _("Item %(name)s") % {"name": item}
    _record(result, change, label)
    _sync_responsibilities(result, item=item, parsed_item=parsed_item, departments=departments, label=label)
    permissions.sync_item_permissions(item)
    _sync_targets(result, item=item, parsed_item=parsed_item, label=label)
    return item


class _DepartmentIndex(dict):
    """Canonical department name -> Department, plus what the import created."""

    def __init__(self):
        super().__init__()
        self.created: list[tuple[str, str]] = []


def _sync_departments(parsed: ParsedPlan) -> _DepartmentIndex:
    index = _DepartmentIndex()
    next_order = (Department.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    for parsed_department in parsed.departments:
        department = department_by_name_or_alias(parsed_department.name)
        parent = index.get(parsed_department.parent) if parsed_department.parent else None
        if department is None:
            department = department_services.department_create(
                name=parsed_department.name, parent=parent, order=next_order
            )
            next_order += 1
            index.created.append(("department", department.name))
        elif parent is not None and department.parent_id is None and department.pk != parent.pk:
            # Only fill a missing parent: an admin's re-arrangement of the tree wins.
            department.parent = parent
            department.save(update_fields=["parent"])
        index[parsed_department.name] = department
    for alias, canonical in parsed.aliases.items():
        department = index.get(canonical) or department_by_name_or_alias(canonical)
        if department is not None and department_by_name_or_alias(alias) is None:
            department_services.department_add_alias(department=department, alias=alias)
            index.created.append(("alias", _("New alias: %(alias)s → %(name)s") % {"alias": alias, "name": department}))
    return index


def _sync_responsibilities(result, *, item: WorkItem, parsed_item: ParsedItem, departments, label: str) -> None:
    by_id = {department.pk: department for department in departments.values()}
    wanted = {departments[r.department].pk: (r.role, r.order) for r in parsed_item.responsibilities}
    existing = {r.department_id: r for r in item.responsibilities.all()}
    removed = [r for department_id, r in existing.items() if department_id not in wanted]
    for responsibility in removed:
        responsibility.delete()
        result.deleted += 1
        result.changes.append(
            _("%(label)s: %(department)s is no longer responsible")
            % {"label": label, "department": by_id.get(responsibility.department_id, responsibility.department)}
        )
    # Demote before promoting, so the one-lead-per-item constraint holds at every step.
    demoted = [d for d, (role, _order) in wanted.items() if d in existing and existing[d].role != role == "co_organizer"]
    ordered = sorted(wanted.items(), key=lambda pair: (pair[0] not in demoted, pair[1][1]))
    for department_id, (role, order) in ordered:
        current = existing.get(department_id)
        words = {"label": label, "department": by_id[department_id], "role": Responsibility.Role(role).label}
        if current is None:
            Responsibility.objects.create(item=item, department_id=department_id, role=role, order=order)
            result.created += 1
            result.changes.append(_("%(label)s: %(department)s is responsible (%(role)s)") % words)
        elif (current.role, current.order) != (role, order):
            current.role, current.order = role, order
            current.save(update_fields=["role", "order"])
            result.updated += 1
            result.changes.append(_("%(label)s: %(department)s is now %(role)s") % words)


def _sync_targets(result, *, item: WorkItem, parsed_item: ParsedItem, label: str) -> None:
    existing = {t.order: t for t in item.targets.all()}
    for parsed_target in parsed_item.targets:
        values = {
            "phrase": parsed_target.phrase,
            "subject": parsed_target.subject,
            "kind": parsed_target.kind,
            "unit": parsed_target.unit,
            "level": parsed_target.level,
            "due_date": parsed_target.due_date,
        }
        current = existing.pop(parsed_target.order, None)
        if parsed_target.value is not None or current is None or current.target_value is None:
            # A placeholder ("X") never erases the value an admin filled in.
            values["target_value"] = parsed_target.value
        _target, change = _upsert(Target, lookup={"item": item, "order": parsed_target.order}, values=values, instance=current)
        _record(result, change, _("%(label)s: target %(subject)s") % {"label": label, "subject": parsed_target.subject})
    for stale in existing.values():
        if stale.current_value is None:
            stale.delete()
            result.deleted += 1
            result.changes.append(_("%(label)s: target %(subject)s removed") % {"label": label, "subject": stale.subject})
        else:
            result.warnings.append(
                _("%(label)s: target %(subject)s is not in the document; it was kept because it has progress.")
                % {"label": label, "subject": stale.subject}
            )


_CREATED, _UPDATED = "created", "updated"


def _upsert(model: type[models.Model], *, lookup: dict, values: dict, defaults: dict | None = None, instance=None):
    """Create or update one row; returns (obj, None | "created" | "updated"), saving only on change."""
    obj = instance if instance is not None else model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values, **(defaults or {}))
        obj.full_clean()
        obj.save()
        return obj, _CREATED
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, None
    for name in changed:
        setattr(obj, name, values[name])
    obj.full_clean()
    obj.save(update_fields=changed)
    return obj, _UPDATED


def _record(result: PlanImportResult, change: str | None, label: str) -> None:
    if change == _CREATED:
        result.created += 1
        result.changes.append(_("New: %(label)s") % {"label": label})
    elif change == _UPDATED:
        result.updated += 1
        result.changes.append(_("Changed: %(label)s") % {"label": label})


# ---------------------------------------------------------------------------
# Plan administration: placeholders, lifecycle, next year's plan, departments.


class PlanNotReady(Exception):
    """Publishing was refused; `problems` says what is missing."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(_("The plan cannot be published yet."))


@transaction.atomic
def target_fill(*, target: Target, value: Decimal | None, no_number: bool = False) -> Target:
    """Give a placeholder target (待定) its value, or mark it as staying without a number."""
    target.target_value = None if no_number else value
    target.no_number = no_number
    target.full_clean()
    target.save(update_fields=["target_value", "no_number"])
    signals.plan_changed.send(sender=WorkPlan, plan=target.item.section.plan)
    return target


@transaction.atomic
def plan_publish(*, plan: WorkPlan) -> WorkPlan:
    """Publish a draft plan; refused (PlanNotReady) while required set-up is missing."""
    from .selectors import plan_setup_problems

    problems = plan_setup_problems(plan=plan)
    if problems.blocking:
        raise PlanNotReady(problems)
    plan.status = WorkPlan.Status.PUBLISHED
    plan.save(update_fields=["status", "updated_at"])
    return plan


@transaction.atomic
def plan_close(*, plan: WorkPlan) -> WorkPlan:
    """Close a plan: it stays viewable with its history, and nobody can change its progress."""
    plan.status = WorkPlan.Status.CLOSED
    plan.save(update_fields=["status", "updated_at"])
    return plan


class PlanExists(Exception):
    pass


# What a plan's admins set once and next year's plan keeps.
_PLAN_SETTINGS = ("review_required", "reporting_cycle", "reporting_day", "reminder_lead_days", "escalation_days",
                  "rollup_margin")


def _clone_checkpoints(item: WorkItem, new_item: WorkItem, *, shift: int, targets: dict) -> None:
    for checkpoint in item.checkpoints.all():
        copy = Checkpoint.objects.create(
            item=new_item, order=checkpoint.order, due_date=shift_year(checkpoint.due_date, shift),
            title=checkpoint.title, expected_percent=checkpoint.expected_percent, department_id=checkpoint.department_id,
        )
        CheckpointTarget.objects.bulk_create(
            CheckpointTarget(checkpoint=copy, target=targets[value.target_id], expected_value=value.expected_value)
            for value in checkpoint.target_values.all()
            if value.target_id in targets
        )


@transaction.atomic
def plan_clone(*, plan: WorkPlan, year: int) -> WorkPlan:
    """Copy a plan into `year` as a draft: its settings, sections, items, responsibilities, targets and
    checkpoints, with dates moved by the years in between and no progress, current values or reports."""
    if WorkPlan.objects.filter(organization=plan.organization, year=year).exists():
        raise PlanExists(
            _("%(organization)s already has a plan for %(year)d.") % {"organization": plan.organization, "year": year}
        )
    shift = year - plan.year
    clone = WorkPlan.objects.create(
        organization=plan.organization,
        year=year,
        title=plan.title.replace(str(plan.year), str(year)),
        general_requirements=plan.general_requirements,
        source_name=plan.source_name,
        status=WorkPlan.Status.DRAFT,
        **{name: getattr(plan, name) for name in _PLAN_SETTINGS},
    )
    items = []
    for section in plan.sections.prefetch_related(
        "items__responsibilities", "items__targets", "items__checkpoints__target_values"
    ):
        new_section = Section.objects.create(
            plan=clone, number=section.number, numeral=section.numeral, title=section.title, intro=section.intro
        )
        for item in section.items.all():
            new_item = WorkItem.objects.create(
                section=new_section,
                number=item.number,
                title=item.title,
                body=item.body,
                subheading=item.subheading,
                due_date=shift_year(item.due_date, shift),
                source_line=item.source_line,
                deadline_text=item.deadline_text,
                responsible_leader=item.responsible_leader,
                reporting_cycle=item.reporting_cycle,
                rollup_weight=item.rollup_weight,
            )
            Responsibility.objects.bulk_create(
                Responsibility(item=new_item, department_id=r.department_id, role=r.role, order=r.order)
                for r in item.responsibilities.all()
            )
            new_targets = Target.objects.bulk_create(
                Target(
                    item=new_item,
                    order=t.order,
                    phrase=t.phrase,
                    subject=t.subject,
                    kind=t.kind,
                    unit=t.unit,
                    target_value=t.target_value,
                    no_number=t.no_number,
                    level=t.level,
                    due_date=shift_year(t.due_date, shift),
                )
                for t in item.targets.all()
            )
            _clone_checkpoints(item, new_item, shift=shift, targets={old.pk: new for old, new in zip(item.targets.all(), new_targets)})
            items.append((item, new_item))
    for _source, new_item in items:
        permissions.sync_item_permissions(new_item)
    signals.plan_cloned.send(sender=WorkPlan, source=plan, clone=clone, items=dict((a.pk, b) for a, b in items))
    signals.plan_changed.send(sender=WorkPlan, plan=clone)
    return clone


@transaction.atomic
def responsibilities_move(*, source: Department, target: Department) -> int:
    """Hand every responsibility of `source` in open plans to `target`, with its permissions.

    Where `target` already shares the item, it keeps its part (and becomes the
    lead if `source` led). Returns how many items changed hands.
    """
    moved = 0
    responsibilities = Responsibility.objects.filter(department=source).exclude(
        item__section__plan__status=WorkPlan.Status.CLOSED
    ).select_related("item")
    for responsibility in responsibilities:
        item = responsibility.item
        existing = Responsibility.objects.filter(item=item, department=target).first()
        if existing is None:
            responsibility.department = target
            responsibility.save(update_fields=["department"])
        else:
            was_lead = responsibility.role == Responsibility.Role.LEAD
            responsibility.delete()
            if was_lead:
                existing.role, existing.order = Responsibility.Role.LEAD, 0
                existing.save(update_fields=["role", "order"])
        permissions.sync_item_permissions(item)
        moved += 1
    return moved
