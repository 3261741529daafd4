"""Every state change of work plans: import, set-up, lifecycle, copy to next year, hand-over.

`plan_import` is the one writer of parsed plan documents. It guarantees:
- importing the same document twice changes nothing, and what an admin set is
  kept: placeholder target values, due dates, reporting cycles and checkpoints
  that differ from what the document's 完成时限 gave;
- everything is checked before the first write (lengths, values, and every
  loss: a department that would no longer be responsible, a target with
  readings, an item holding reports); a loss is applied only where the admin
  chose so (`removals`), or with `allow_removals`;
- it writes in bulk, in steps (`PlanImportRun`) that one transaction holds
  together, or that a background job commits one by one and resumes.
"""

from __future__ import annotations

import datetime
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.db.models import Count, Max
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from core.dates import shift_year
from core.exceptions import Conflict
from departments import services as department_services
from departments.models import Department, DepartmentAlias, SecurityEvent
from departments.services import security_event_by
from departments.selectors import department_names_with_aliases

from . import permissions, signals
from .importer import PlanParseError, parse_deadline, parse_source, read_source
from .importer.document import ParsedDeadline, ParsedItem, ParsedPlan, ParsedSection, ParsedTarget
from .models import Checkpoint, CheckpointTarget, Responsibility, Section, Target, WorkItem, WorkPlan

KEEP, APPLY = "keep", "apply"
IMPORT_CHUNK_ITEMS = 500  # items written (and, in a background job, committed) per step
MAX_LISTED_CHANGES = 2_000  # a 5,000-item first import has 30,000 changes: the rest is counted, not listed
MAX_TARGET_VALUE = Decimal(10) ** 12


@dataclass(frozen=True)
class ImportLoss:
    """Something the import would remove that holds work; applied only on the admin's explicit choice."""

    key: str  # stable between the preview and the confirmation
    label: str  # what would be removed
    detail: str = ""  # what it holds ("2 progress reports")


@dataclass(frozen=True)
class AliasResolution:
    """An abbreviation read as a full name (a guess to confirm), or one with several candidates (a question)."""

    written: str
    proposed: str  # "" when there are several candidates
    candidates: tuple[str, ...] = ()


@dataclass
class PlanImportResult:
    plan: WorkPlan | None
    dry_run: bool
    title: str = ""
    organization: str = ""
    year: int = 0
    items: int = 0
    changes: list[str] = field(default_factory=list)
    changes_left_off: int = 0
    warnings: list[str] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    deleted: int = 0
    losses: list[ImportLoss] = field(default_factory=list)
    aliases: list[AliasResolution] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.deleted)

    def change(self, text: str) -> None:
        if len(self.changes) < MAX_LISTED_CHANGES:
            self.changes.append(text)
        else:
            self.changes_left_off += 1

    def as_dict(self) -> dict:
        """JSON for a background job's record; `plan` becomes `plan_id`."""
        data = {name: getattr(self, name) for name in (
            "dry_run", "title", "organization", "year", "items", "changes", "changes_left_off", "warnings",
            "created", "updated", "deleted")}
        data["losses"] = [asdict(loss) for loss in self.losses]
        data["aliases"] = [asdict(alias) for alias in self.aliases]
        data["plan_id"] = self.plan.pk if self.plan is not None and not self.dry_run else None
        return data

    @classmethod
    def from_dict(cls, data: dict) -> PlanImportResult:
        data = dict(data)
        plan_id = data.pop("plan_id", None)
        data["losses"] = [ImportLoss(**loss) for loss in data.get("losses", [])]
        data["aliases"] = [AliasResolution(written=a["written"], proposed=a["proposed"],
                                           candidates=tuple(a["candidates"])) for a in data.get("aliases", [])]
        plan = WorkPlan.objects.filter(pk=plan_id).first() if plan_id else None
        return cls(plan=plan, **data)


class RemovalsUndecided(Exception):
    """The import would remove what holds work, and not every such loss has a choice (keep / apply)."""

    def __init__(self, losses: list[ImportLoss]):
        self.losses = losses
        super().__init__(_("%(count)d removals need your choice before the import.") % {"count": len(losses)})


@dataclass(frozen=True)
class PlanDocument:
    parsed: ParsedPlan
    source_name: str
    source_text: str


def plan_document_read(
    *, data: bytes, filename: str, organization: str | None = None, year: int | None = None,
    alias_choices: Mapping[str, str] | None = None,
) -> PlanDocument:
    """Read and parse a document (no writes); raises PlanParseError with every problem it finds."""
    source = read_source(data, filename=filename)
    parsed = parse_source(
        source, year=year, organization=organization, known_departments=department_names_with_aliases(),
        alias_choices=alias_choices,
    )
    if not parsed.organization:
        raise PlanParseError(_("The organization could not be read from the title; give it with --org."))
    _validate(parsed, source_name=filename)
    return PlanDocument(parsed=parsed, source_name=filename, source_text=source.text)


def plan_import_document(
    *,
    data: bytes,
    filename: str,
    organization: str | None = None,
    year: int | None = None,
    dry_run: bool = False,
    removals: Mapping[str, str] | None = None,
    allow_removals: bool = False,
    alias_choices: Mapping[str, str] | None = None,
    user=None,
    actor=None,
) -> PlanImportResult:
    """Read, parse and write a 工作要点 document; raises PlanParseError or RemovalsUndecided before writing."""
    document = plan_document_read(data=data, filename=filename, organization=organization, year=year,
                                  alias_choices=alias_choices)
    return plan_import(parsed=document.parsed, source_name=document.source_name, source_text=document.source_text,
                       dry_run=dry_run, removals=removals, allow_removals=allow_removals, user=user, actor=actor)


@transaction.atomic
def plan_import(
    *,
    parsed: ParsedPlan,
    source_name: str,
    source_text: str,
    dry_run: bool = False,
    removals: Mapping[str, str] | None = None,
    allow_removals: bool = False,
    user=None,
    actor=None,
) -> PlanImportResult:
    """Write a parsed plan in one transaction; with `dry_run` report the changes (and losses) and roll back.

    An import that writes is audited, by `actor` (a command's name, say) or else `user`; the
    background import (departments.jobs) audits its own, when its last step is done."""
    run = PlanImportRun(parsed=parsed, source_name=source_name, source_text=source_text, removals=removals,
                        allow_removals=allow_removals, user=user, dry_run=dry_run)
    result = run.new_result()
    for step in range(run.steps):
        run.run_step(step, result)
    if dry_run:
        transaction.set_rollback(True)
    else:
        security_event_by(kind=SecurityEvent.Kind.PLAN_IMPORTED, actor=actor if actor is not None else user,
                          detail=plan_import_summary(filename=source_name, result=result.as_dict()))
    return result


def plan_import_summary(*, filename: str, result: dict) -> str:
    """One line of an import for the security events: the file, and what changed."""
    return _("%(file)s: %(created)d new, %(updated)d changed, %(deleted)d removed") % {
        "file": filename, "created": result.get("created", 0), "updated": result.get("updated", 0),
        "deleted": result.get("deleted", 0)}


def plan_import_check(*, parsed: ParsedPlan, removals: Mapping[str, str] | None = None,
                      allow_removals: bool = False) -> list[ImportLoss]:
    """The losses an import would cause that have no choice yet (reads only)."""
    run = PlanImportRun(parsed=parsed, source_name="", source_text="", removals=removals,
                        allow_removals=allow_removals, dry_run=True)
    return [loss for loss in run.losses() if not run.decided(loss.key)]


# -- checks before the first write ---------------------------------------------------------------


def _limit(model: type[models.Model], name: str) -> int:
    return model._meta.get_field(name).max_length


def _validate(parsed: ParsedPlan, *, source_name: str) -> None:
    """Every value the database would refuse, as a message naming its line; nothing is written before."""
    problems: list[str] = []

    def check(where: str, what: str, text: str, limit: int) -> None:
        if len(text) > limit:
            problems.append(
                _("%(where)s: the %(what)s has %(length)d characters, more than the %(limit)d that fit: "
                  "“%(start)s…”. Shorten it in the document.")
                % {"where": where, "what": what, "length": len(text), "limit": limit, "start": text[:30]}
            )

    check(_("The title line"), _("plan title"), parsed.title, _limit(WorkPlan, "title"))
    check(_("The title line"), _("organization"), parsed.organization, _limit(WorkPlan, "organization"))
    check(_("The file"), _("file name"), source_name, _limit(WorkPlan, "source_name"))
    department_where: dict[str, str] = {}
    for section in parsed.sections:
        where = section.location or _("line %(line)d") % {"line": section.line}
        check(where, _("section title"), section.title, _limit(Section, "title"))
        check(where, _("section numeral"), section.numeral, _limit(Section, "numeral"))
        for item in section.items:
            where = item.location or _("line %(line)d") % {"line": item.line}
            check(where, _("item title (its first sentence)"), item.title, _limit(WorkItem, "title"))
            check(where, _("sub-heading"), item.subheading, _limit(WorkItem, "subheading"))
            check(where, _("leader in charge"), item.responsible_leader, _limit(WorkItem, "responsible_leader"))
            if item.deadline:
                check(where, _("deadline"), item.deadline.text, _limit(WorkItem, "deadline_text"))
            if item.number > 32767:
                problems.append(_("%(where)s: item number %(number)d is too large.")
                                % {"where": where, "number": item.number})
            for responsibility in item.responsibilities:
                department_where.setdefault(responsibility.department, where)
            for target in item.targets:
                check(where, _("target"), target.subject, _limit(Target, "subject"))
                if target.value is not None and (
                    target.value >= MAX_TARGET_VALUE
                    or (target.kind in (Target.Kind.PERCENTAGE, Target.Kind.COVERAGE) and target.value > 100)
                ):
                    problems.append(
                        _("%(where)s: the target “%(phrase)s” has the value %(value)s, which cannot be right.")
                        % {"where": where, "phrase": target.phrase[:40], "value": target.value}
                    )
    for department in parsed.departments:
        where = department_where.get(department.name, _("A responsibility clause"))
        check(where, _("department name"), department.name, _limit(Department, "name"))
    for alias in parsed.aliases:
        check(department_where.get(parsed.aliases[alias], _("A responsibility clause")), _("department name"),
              alias, _limit(DepartmentAlias, "name"))
    if problems:
        raise PlanParseError(problems[0] if len(problems) == 1 else
                             _("The document has %(count)d problems; correct them and upload it again.")
                             % {"count": len(problems)}, problems=tuple(problems))


# -- the writer ----------------------------------------------------------------------------------


def _auto_due_date(deadline: ParsedDeadline | None, plan: WorkPlan):
    return deadline.due_date if deadline and deadline.due_date else plan.year_end


def _auto_cycle(deadline: ParsedDeadline | None) -> str:
    return deadline.reporting_cycle if deadline else ""


def _auto_checkpoints(deadline: ParsedDeadline | None) -> list[tuple]:
    return [(c.due_date, c.title, c.expected_percent, None, c.order) for c in (deadline.checkpoints if deadline else ())]


def _checkpoint_key(checkpoint: Checkpoint) -> tuple:
    return (checkpoint.due_date, checkpoint.title, checkpoint.expected_percent, checkpoint.department_id,
            checkpoint.order)


def _holdings(model: type[models.Model], ids: Iterable[int]) -> dict[int, list[str]]:
    """What rows of other apps hang on these rows and would go with them: id -> ["3 progress reports", …].

    Asked of the relations themselves (many-to-one, deleted along), so tasks needs no import of the
    apps above it; one-to-one rows (a roll-up) and history are the row's own, not work that is lost.
    """
    ids = list(ids)
    found: dict[int, list[str]] = {}
    if not ids:
        return found
    for relation in model._meta.related_objects:
        related = relation.related_model
        if (relation.one_to_one or not relation.one_to_many or related._meta.app_label == "tasks"
                or relation.on_delete is not models.CASCADE):
            continue
        counts = (related._default_manager.filter(**{f"{relation.field.name}__in": ids})
                  .values(relation.field.name).annotate(n=Count("pk")).values_list(relation.field.name, "n"))
        for row_id, count in counts:
            found.setdefault(row_id, []).append(f"{count} {related._meta.verbose_name_plural}")
    return found


class _Departments(dict):
    """Canonical department name -> Department, for the names a document uses."""


class PlanImportRun:
    """One import of a parsed plan, as steps: 0 checks and writes the plan's head (departments, aliases,
    plan, sections), then one step per IMPORT_CHUNK_ITEMS items, then the tail (items no longer in the
    document, the plan_imported signal). Each step is idempotent: a step written twice changes nothing
    the second time, so a background job resumes at the first step it has not committed.
    """

    def __init__(self, *, parsed: ParsedPlan, source_name: str, source_text: str,
                 removals: Mapping[str, str] | None = None, allow_removals: bool = False, user=None,
                 dry_run: bool = False):
        self.parsed = parsed
        self.source_name = source_name
        self.source_text = source_text
        self.removals = dict(removals or {})
        self.allow_removals = allow_removals
        self.user = user if user is not None and getattr(user, "pk", None) else None
        self.dry_run = dry_run
        self.entries = [(section, item) for section in parsed.sections for item in section.items]
        self.chunks = max(math.ceil(len(self.entries) / IMPORT_CHUNK_ITEMS), 1)
        self._existing: dict[tuple[int, int], WorkItem] | None = None
        self._losses: list[ImportLoss] | None = None

    @property
    def steps(self) -> int:
        return self.chunks + 2

    def new_result(self) -> PlanImportResult:
        return PlanImportResult(plan=None, dry_run=self.dry_run, title=self.parsed.title,
                                organization=self.parsed.organization, year=self.parsed.year,
                                items=len(self.entries), warnings=list(self.parsed.warnings))

    def decided(self, key: str) -> bool:
        return self.allow_removals or self.removals.get(key) in (KEEP, APPLY)

    def applies(self, key: str) -> bool:
        """Remove it? Only on an explicit "apply" (or --allow-removals); anything undecided is kept."""
        return self.allow_removals or self.removals.get(key) == APPLY

    def run_step(self, step: int, result: PlanImportResult) -> None:
        if step == 0:
            self._head(result)
        elif step <= self.chunks:
            chunk = self.entries[(step - 1) * IMPORT_CHUNK_ITEMS: step * IMPORT_CHUNK_ITEMS]
            self._items(chunk, result)
        else:
            self._tail(result)

    # -- what would be lost ------------------------------------------------------------------

    def _plan(self) -> WorkPlan | None:
        return WorkPlan.objects.filter(organization=self.parsed.organization, year=self.parsed.year).first()

    def _load_items(self, plan: WorkPlan, keys: set[tuple[int, int]] | None = None) -> dict[tuple[int, int], WorkItem]:
        """The plan's items (or those at `keys`) with their parts as plain lists: four queries, no per-row
        querysets (prefetch_related builds one per item and relation, which costs more than the rows)."""
        # 交办事项 were never in the document: they are not "missing" from it.
        items = WorkItem.objects.filter(section__plan=plan).exclude(section__is_assignments=True).select_related("section")
        if keys is not None:
            items = items.filter(number__in={number for _section, number in keys})
        loaded = {(item.section.number, item.number): item for item in items}
        if keys is not None:
            loaded = {key: item for key, item in loaded.items() if key in keys}
        by_id = {item.pk: item for item in loaded.values()}
        for item in by_id.values():
            item.loaded_responsibilities, item.loaded_targets, item.loaded_checkpoints = [], [], []
        ids = list(by_id)
        for responsibility in Responsibility.objects.filter(item_id__in=ids).order_by("order"):
            by_id[responsibility.item_id].loaded_responsibilities.append(responsibility)
        for target in Target.objects.filter(item_id__in=ids).order_by("order"):
            target.item = by_id[target.item_id]
            by_id[target.item_id].loaded_targets.append(target)
        for checkpoint in Checkpoint.objects.filter(item_id__in=ids).annotate(values=Count("target_values")):
            by_id[checkpoint.item_id].loaded_checkpoints.append(checkpoint)
        return loaded

    def _existing_items(self, plan: WorkPlan, keys: set[tuple[int, int]]) -> dict[tuple[int, int], WorkItem]:
        if self._existing is not None:
            return {key: self._existing[key] for key in keys if key in self._existing}
        return self._load_items(plan, keys)

    def _department_ids(self) -> dict[str, int]:
        names = {r.department for _section, item in self.entries for r in item.responsibilities}
        ids = dict(Department.objects.filter(name__in=names).values_list("name", "pk"))
        ids.update((name, pk) for name, pk in DepartmentAlias.objects.filter(name__in=names - set(ids))
                   .values_list("name", "department_id"))
        return ids

    def losses(self) -> list[ImportLoss]:
        """Every removal that holds work, from the database as it is now (reads only; asked once per run)."""
        if self._losses is None:
            self._losses = self._find_losses()
        return self._losses

    def _find_losses(self) -> list[ImportLoss]:
        plan = self._plan()
        if plan is None:
            self._existing = {}
            return []
        existing = self._load_items(plan)
        self._existing = existing
        department_ids = self._department_ids()
        names = dict(Department.objects.filter(
            pk__in={r.department_id for item in existing.values() for r in item.loaded_responsibilities}
        ).values_list("pk", "name"))
        found: list[ImportLoss] = []
        wanted_targets: dict[int, set[int]] = {}
        for section, parsed_item in self.entries:
            item = existing.get((section.number, parsed_item.number))
            if item is None:
                continue
            wanted = {department_ids.get(r.department) for r in parsed_item.responsibilities}
            for responsibility in item.loaded_responsibilities:
                if responsibility.department_id not in wanted:
                    found.append(ImportLoss(
                        key=_responsibility_key(item, responsibility.department_id),
                        label=_("Item %(item)s: %(department)s would no longer be responsible (%(role)s)")
                        % {"item": item, "department": names.get(responsibility.department_id, "?"),
                           "role": responsibility.get_role_display()},
                    ))
            wanted_targets[item.pk] = {t.order for t in parsed_item.targets}
        stale_targets = [t for item in existing.values() if item.pk in wanted_targets
                         for t in item.loaded_targets if t.order not in wanted_targets[item.pk]]
        target_holdings = _holdings(Target, [t.pk for t in stale_targets])
        for target in stale_targets:
            held = target_holdings.get(target.pk)
            if held or target.current_value is not None:
                found.append(ImportLoss(
                    key=_target_key(target), detail="、".join(held or [_("a current value")]),
                    label=_("Item %(item)s: target “%(subject)s” is not in the document")
                    % {"item": target.item, "subject": target.subject},
                ))
        seen = {(section.number, item.number) for section, item in self.entries}
        stale_items = [item for key, item in existing.items() if key not in seen]
        item_holdings = _holdings(WorkItem, [item.pk for item in stale_items])
        for item in stale_items:
            if item.pk in item_holdings:
                found.append(ImportLoss(
                    key=_item_key(item), detail="、".join(item_holdings[item.pk]),
                    label=_("Item %(item)s (section %(section)s) is not in the document")
                    % {"item": item, "section": item.section.numeral},
                ))
        return found

    # -- step 0: check, then departments, aliases, plan, sections ------------------------------

    def _head(self, result: PlanImportResult) -> None:
        losses = self.losses()
        undecided = [loss for loss in losses if not self.decided(loss.key)]
        if undecided and not self.dry_run:
            raise RemovalsUndecided(undecided)
        result.losses = losses
        result.aliases = self._alias_resolutions()
        departments = self._sync_departments(result)
        plan, change = _upsert(
            WorkPlan,
            lookup={"organization": self.parsed.organization, "year": self.parsed.year},
            values={"title": self.parsed.title, "general_requirements": self.parsed.general_requirements,
                    "source_name": self.source_name, "source_text": self.source_text},
        )
        result.plan = plan
        _record(result, change, _("Plan %(name)s") % {"name": plan.title})
        existing = {s.number: s for s in Section.objects.filter(plan=plan)}
        for parsed_section in self.parsed.sections:
            section, change = _upsert(
                Section, lookup={"plan": plan, "number": parsed_section.number},
                values={"numeral": parsed_section.numeral, "title": parsed_section.title,
                        "intro": parsed_section.intro},
                instance=existing.get(parsed_section.number), full_clean=False,
            )
            _record(result, change, _("Section %(name)s") % {"name": section})
        self._departments = departments

    def _alias_resolutions(self) -> list[AliasResolution]:
        known = {alias for aliases in department_names_with_aliases().values() for alias in aliases}
        guessed = [AliasResolution(written=alias, proposed=full)
                   for alias, full in self.parsed.aliases.items() if alias not in known]
        asked = [AliasResolution(written=alias, proposed="", candidates=candidates)
                 for alias, candidates in self.parsed.ambiguous.items()]
        return guessed + asked

    def _sync_departments(self, result: PlanImportResult) -> _Departments:
        index = _Departments()
        names = [d.name for d in self.parsed.departments]
        by_name = {d.name: d for d in Department.objects.filter(name__in=names)}
        by_alias = {a.name: a.department for a in
                    DepartmentAlias.objects.select_related("department").filter(name__in=set(names) - set(by_name))}
        next_order = (Department.objects.aggregate(m=Max("order"))["m"] or 0) + 1
        for parsed_department in self.parsed.departments:
            department = by_name.get(parsed_department.name) or by_alias.get(parsed_department.name)
            parent = index.get(parsed_department.parent) if parsed_department.parent else None
            if department is None:
                department = department_services.department_create(
                    name=parsed_department.name, parent=parent, order=next_order
                )
                next_order += 1
                result.created += 1
                result.change(_("New department: %(name)s") % {"name": department.name})
            elif parent is not None and department.parent_id is None and department.pk != parent.pk:
                # Only fill a missing parent: an admin's re-arrangement of the tree wins.
                department.parent = parent
                department.save(update_fields=["parent"])
            index[parsed_department.name] = department
        known_aliases = set(DepartmentAlias.objects.filter(name__in=list(self.parsed.aliases))
                            .values_list("name", flat=True))
        for alias, canonical in self.parsed.aliases.items():
            department = index.get(canonical) or Department.objects.filter(name=canonical).first()
            if department is not None and alias not in known_aliases and alias not in by_name:
                department_services.department_add_alias(department=department, alias=alias)
                result.created += 1
                result.change(_("New alias: %(alias)s → %(name)s") % {"alias": alias, "name": department})
        return index

    def _departments_now(self) -> _Departments:
        departments = getattr(self, "_departments", None)
        if departments is None:
            # A resumed job: the head was committed by an earlier run; find the departments again.
            departments = _Departments()
            names = [d.name for d in self.parsed.departments]
            departments.update((d.name, d) for d in Department.objects.filter(name__in=names))
            departments.update((a.name, a.department) for a in DepartmentAlias.objects.select_related("department")
                               .filter(name__in=set(names) - set(departments)))
            self._departments = departments
        return departments

    # -- steps 1…n: items -------------------------------------------------------------------------

    def _items(self, entries: list[tuple[ParsedSection, ParsedItem]], result: PlanImportResult) -> None:
        plan = result.plan or self._plan()
        result.plan = plan
        sections = {s.number: s for s in Section.objects.filter(plan=plan)}
        departments = self._departments_now()
        existing = self._existing_items(plan, {(s.number, i.number) for s, i in entries})
        writer = _ItemsWriter(plan=plan, result=result, run=self, departments=departments, user=self.user)
        writer.write(entries, sections, existing)

    # -- the last step: items no longer in the document, then the other apps ------------------

    def _tail(self, result: PlanImportResult) -> None:
        plan = result.plan or self._plan()
        result.plan = plan
        seen = {(section.number, item.number) for section, item in self.entries}
        stale = [item for item in WorkItem.objects.filter(section__plan=plan).exclude(section__is_assignments=True)
                 .select_related("section") if (item.section.number, item.number) not in seen]
        holdings = _holdings(WorkItem, [item.pk for item in stale])
        removed = []
        for item in stale:
            label = _("Item %(name)s") % {"name": item}
            if item.pk in holdings and not self.applies(_item_key(item)):
                result.warnings.append(_("%(label)s is not in the document; it was kept (it holds %(what)s).")
                                       % {"label": label, "what": "、".join(holdings[item.pk])})
                continue
            removed.append(item.pk)
            result.deleted += 1
            result.change(_("%(label)s is not in the document: removed") % {"label": label})
        if removed:
            for item in WorkItem.objects.filter(pk__in=removed):
                item.delete()  # one by one: the history keeps each removal
        signals.plan_imported.send(sender=WorkPlan, parsed=self.parsed, plan=plan, result=result)
        if result.changed and not self.dry_run:
            # What the official progress rests on changed (counted over every step of the run).
            signals.plan_changed.send(sender=WorkPlan, plan=plan)


def _responsibility_key(item: WorkItem, department_id: int) -> str:
    return f"responsibility:{item.section.number}:{item.number}:{department_id}"


def _target_key(target: Target) -> str:
    return f"target:{target.item.section.number}:{target.item.number}:{target.order}"


def _item_key(item: WorkItem) -> str:
    return f"item:{item.section.number}:{item.number}"


class _ItemsWriter:
    """Writes one chunk of items with their responsibilities, targets, checkpoints and grants, in bulk."""

    def __init__(self, *, plan, result, run: PlanImportRun, departments, user):
        self.plan, self.result, self.run, self.departments, self.user = plan, result, run, departments, user
        self.items: dict[tuple[int, int], WorkItem] = {}

    def write(self, entries, sections, existing) -> None:
        created, changed, changed_fields = [], [], set()
        pairs = []
        for section, parsed_item in entries:
            key = (section.number, parsed_item.number)
            item = existing.get(key)
            fields = self._item_values(parsed_item)
            deadline = parsed_item.deadline
            if item is None:
                item = WorkItem(section=sections[section.number], number=parsed_item.number, **fields,
                                due_date=_auto_due_date(deadline, self.plan), reporting_cycle=_auto_cycle(deadline))
                created.append(item)
                self._record_new(item)
            else:
                before = parse_deadline(item.deadline_text, plan_year=self.plan.year) if item.deadline_text else None
                diff = [name for name, value in fields.items() if getattr(item, name) != value]
                # A due date or cycle still as the document's old deadline gave it follows the new one;
                # one an admin changed stays.
                if item.due_date == _auto_due_date(before, self.plan) != _auto_due_date(deadline, self.plan):
                    fields["due_date"] = _auto_due_date(deadline, self.plan)
                    diff.append("due_date")
                if item.reporting_cycle == _auto_cycle(before) != _auto_cycle(deadline):
                    fields["reporting_cycle"] = _auto_cycle(deadline)
                    diff.append("reporting_cycle")
                if diff:
                    for name in diff:
                        setattr(item, name, fields[name])
                    changed.append(item)
                    changed_fields.update(diff)
                    _record(self.result, "updated", _("Item %(name)s") % {"name": item})
                item._deadline_before = before
            pairs.append((item, parsed_item))
            self.items[key] = item
        if created:
            # PostgreSQL and SQLite (3.35+) return the new ids, which the related rows below need.
            bulk_create_with_history(created, WorkItem, batch_size=500, default_user=self.user)
        if changed:
            bulk_update_with_history(changed, WorkItem, sorted(changed_fields), batch_size=500, default_user=self.user)
        granted = self._responsibilities(pairs, fresh={id(i) for i in created})
        if granted:
            permissions.sync_items_permissions(granted)
        self._targets(pairs, fresh={id(i) for i in created})
        self._checkpoints(pairs, fresh={id(i) for i in created})

    def _item_values(self, parsed_item: ParsedItem) -> dict:
        deadline = parsed_item.deadline
        return {"title": parsed_item.title, "body": parsed_item.body, "subheading": parsed_item.subheading,
                "source_line": parsed_item.line, "deadline_text": deadline.text if deadline else "",
                "responsible_leader": parsed_item.responsible_leader}

    def _record_new(self, item: WorkItem) -> None:
        _record(self.result, "created", _("Item %(name)s") % {"name": item})

    # responsibilities and grants

    def _responsibilities(self, pairs, *, fresh: set[int]) -> list[WorkItem]:
        by_id = {d.pk: d for d in self.departments.values()}
        deleted, demoted, updated, created, touched = [], [], [], [], {}
        for item, parsed_item in pairs:
            label = _("Item %(name)s") % {"name": item}
            wanted = {}
            for r in parsed_item.responsibilities:
                wanted.setdefault(self.departments[r.department].pk, (r.role, r.order))
            existing = {} if id(item) in fresh else {r.department_id: r for r in item.loaded_responsibilities}
            for department_id, responsibility in existing.items():
                if department_id in wanted:
                    continue
                if self.run.applies(_responsibility_key(item, department_id)):
                    deleted.append(responsibility.pk)
                    touched[item.pk] = item
                    self.result.deleted += 1
                    self.result.change(_("%(label)s: %(department)s is no longer responsible")
                                       % {"label": label, "department": by_id.get(department_id, department_id)})
                elif any(role == Responsibility.Role.LEAD for role, _order in wanted.values()):
                    # Kept as it is, but the document names the lead now: the kept part co-organizes.
                    if responsibility.role == Responsibility.Role.LEAD:
                        responsibility.role = Responsibility.Role.CO_ORGANIZER
                        responsibility.order = len(wanted) + responsibility.order
                        demoted.append(responsibility)
            for department_id, (role, order) in wanted.items():
                current = existing.get(department_id)
                words = {"label": label, "department": by_id.get(department_id, department_id),
                         "role": Responsibility.Role(role).label}
                if current is None:
                    created.append(Responsibility(item=item, department_id=department_id, role=role, order=order))
                    touched[item.pk] = item
                    self.result.created += 1
                    self.result.change(_("%(label)s: %(department)s is responsible (%(role)s)") % words)
                elif (current.role, current.order) != (role, order):
                    if current.role == Responsibility.Role.LEAD and role != Responsibility.Role.LEAD:
                        demoted.append(current)
                    current.role, current.order = role, order
                    if current not in demoted:
                        updated.append(current)
                    self.result.updated += 1
                    self.result.change(_("%(label)s: %(department)s is now %(role)s") % words)
        if deleted:
            Responsibility.objects.filter(pk__in=deleted).delete()
        # Demote before promoting, so the one-lead-per-item constraint holds at every statement.
        if demoted:
            Responsibility.objects.bulk_update(demoted, ["role", "order"], batch_size=500)
        if updated:
            Responsibility.objects.bulk_update(updated, ["role", "order"], batch_size=500)
        if created:
            Responsibility.objects.bulk_create(created, batch_size=1000)
        return list(touched.values())

    # targets

    def _targets(self, pairs, *, fresh: set[int]) -> None:
        planned, stale = [], []
        written: dict[tuple[int, int], Target] = {}  # (id(item), order) -> the target as it will be
        for item, parsed_item in pairs:
            existing = {} if id(item) in fresh else {t.order: t for t in item.loaded_targets}
            label = _("Item %(name)s") % {"name": item}
            for parsed_target in parsed_item.targets:
                current = existing.pop(parsed_target.order, None)
                planned.append((item, parsed_target, current, label))
                if current is not None:
                    written[(id(item), parsed_target.order)] = current
            stale.extend((item, target, label) for target in existing.values())
        # Wholes first, so that a part (其中…) can point to its whole's id.
        wholes = []
        for item, parsed_target, current, label in planned:
            if current is None and parsed_target.parent is None:
                target = Target(item=item, order=parsed_target.order, **self._target_values(parsed_target, None))
                wholes.append(target)
                written[(id(item), parsed_target.order)] = target
                _record(self.result, "created", _("%(label)s: target %(subject)s")
                        % {"label": label, "subject": parsed_target.subject})
        if wholes:
            bulk_create_with_history(wholes, Target, batch_size=1000, default_user=self.user)
        parts, changed, changed_fields = [], [], set()
        for item, parsed_target, current, label in planned:
            if current is None and parsed_target.parent is None:
                continue
            values = self._target_values(parsed_target, current)
            whole = written.get((id(item), parsed_target.parent)) if parsed_target.parent is not None else None
            values["parent_id"] = whole.pk if whole is not None else None
            words = {"label": label, "subject": parsed_target.subject}
            if current is None:
                parts.append(Target(item=item, order=parsed_target.order, **values))
                _record(self.result, "created", _("%(label)s: target %(subject)s") % words)
                continue
            diff = [name for name, value in values.items() if getattr(current, name) != value]
            if diff:
                for name in diff:
                    setattr(current, name, values[name])
                changed.append(current)
                changed_fields.update(diff)
                _record(self.result, "updated", _("%(label)s: target %(subject)s") % words)
        if parts:
            bulk_create_with_history(parts, Target, batch_size=1000, default_user=self.user)
        if changed:
            bulk_update_with_history(changed, Target, sorted(changed_fields), batch_size=1000, default_user=self.user)
        self._stale_targets(stale)

    @staticmethod
    def _target_values(parsed_target: ParsedTarget, current: Target | None) -> dict:
        values = {"phrase": parsed_target.phrase, "subject": parsed_target.subject, "kind": parsed_target.kind,
                  "unit": parsed_target.unit, "level": parsed_target.level, "due_date": parsed_target.due_date}
        if parsed_target.value is not None or current is None or current.target_value is None:
            # A placeholder ("X") never erases the value an admin filled in.
            values["target_value"] = parsed_target.value
        return values

    def _stale_targets(self, stale) -> None:
        if not stale:
            return
        holdings = _holdings(Target, [t.pk for _item, t, _label in stale])
        removed = []
        for item, target, label in stale:
            words = {"label": label, "subject": target.subject}
            holds = target.pk in holdings or target.current_value is not None
            if holds and not self.run.applies(_target_key(target)):
                self.result.warnings.append(
                    _("%(label)s: target %(subject)s is not in the document; it was kept because it has progress.")
                    % words)
                continue
            removed.append(target.pk)
            self.result.deleted += 1
            self.result.change(_("%(label)s: target %(subject)s removed") % words)
        if removed:
            Target.objects.filter(parent_id__in=removed).update(parent=None)
            for target in Target.objects.filter(pk__in=removed):
                target.delete()  # one by one: the history keeps each removal

    # checkpoints (节点) from 完成时限

    def _checkpoints(self, pairs, *, fresh: set[int]) -> None:
        new, removed = [], []
        for item, parsed_item in pairs:
            wanted = _auto_checkpoints(parsed_item.deadline)
            if id(item) in fresh:
                current = []
            else:
                current = list(item.loaded_checkpoints)
                if sorted(_checkpoint_key(c) for c in current) == sorted(wanted):
                    continue
                before = _auto_checkpoints(getattr(item, "_deadline_before", None))
                edited = any(getattr(c, "values", 0) for c in current) or sorted(
                    _checkpoint_key(c) for c in current) != sorted(before)
                if edited:
                    # An admin changed the checkpoints: theirs stay, as targets an admin filled do.
                    self.result.warnings.append(
                        _("Item %(name)s: its checkpoints were changed by hand and are kept; the document's "
                          "deadline “%(deadline)s” would give others.")
                        % {"name": item, "deadline": parsed_item.deadline.text if parsed_item.deadline else ""})
                    continue
                removed.extend(c.pk for c in current)
            for due_date, title, expected, _department, order in wanted:
                new.append(Checkpoint(item=item, due_date=due_date, title=title, expected_percent=expected,
                                      order=order))
            if wanted or current:
                _record(self.result, "updated" if current else "created",
                        _("Item %(name)s: checkpoints") % {"name": item})
        if removed:
            for checkpoint in Checkpoint.objects.filter(pk__in=removed):
                checkpoint.delete()
        if new:
            bulk_create_with_history(new, Checkpoint, batch_size=1000, default_user=self.user)


def _upsert(model: type[models.Model], *, lookup: dict, values: dict, defaults: dict | None = None, instance=None,
            full_clean: bool = True):
    """Create or update one row; returns (obj, None | "created" | "updated"), saving only on change."""
    obj = instance if instance is not None else model.objects.filter(**lookup).first()
    if obj is None:
        obj = model(**lookup, **values, **(defaults or {}))
        if full_clean:
            obj.full_clean()
        obj.save()
        return obj, "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, None
    for name in changed:
        setattr(obj, name, values[name])
    if full_clean:
        obj.full_clean()
    obj.save(update_fields=changed)
    return obj, "updated"


def _record(result: PlanImportResult, change: str | None, label: str) -> None:
    if change == "created":
        result.created += 1
        result.change(_("New: %(label)s") % {"label": label})
    elif change == "updated":
        result.updated += 1
        result.change(_("Changed: %(label)s") % {"label": label})


# Plan administration: placeholders, lifecycle, next year's plan, departments.


class PlanNotReady(Exception):
    """Publishing was refused; `problems` says what is missing."""

    def __init__(self, problems):
        self.problems = problems
        super().__init__(_("The plan cannot be published yet."))


class PlanClosed(Conflict):
    """A closed plan is read-only (its history stays as it was); nothing was saved."""

    def __init__(self, plan: WorkPlan):
        super().__init__(_("%(title)s is closed and read-only.") % {"title": plan.title})


def _refuse_if_closed(plan_id: int) -> WorkPlan:
    # Read under a row lock: a plan closed by another request meanwhile is closed here too.
    plan = WorkPlan.objects.select_for_update().get(pk=plan_id)
    if plan.status == WorkPlan.Status.CLOSED:
        raise PlanClosed(plan)
    return plan


@transaction.atomic
def target_fill(*, target: Target, value: Decimal | None, no_number: bool = False) -> Target:
    """Give a placeholder target (待定) its value, or mark it as staying without a number.

    Refused (PlanClosed) on a closed plan."""
    _refuse_if_closed(target.item.section.plan_id)
    target.target_value = None if no_number else value
    target.no_number = no_number
    target.full_clean()
    target.save(update_fields=["target_value", "no_number"])
    signals.plan_changed.send(sender=WorkPlan, plan=target.item.section.plan)
    return target


@transaction.atomic
def plan_publish(*, plan: WorkPlan, actor=None) -> WorkPlan:
    """Publish a draft plan; refused (PlanNotReady) while required set-up is missing, and on a
    closed plan (PlanClosed: reopening is its own action). Audited with `actor`
    (departments.services.security_event_by: a user, a command's name, or None for the system)."""
    from .selectors import plan_setup_problems

    _refuse_if_closed(plan.pk)
    problems = plan_setup_problems(plan=plan)
    if problems.blocking:
        raise PlanNotReady(problems)
    plan.status = WorkPlan.Status.PUBLISHED
    plan.save(update_fields=["status", "updated_at"])
    _plan_audit(SecurityEvent.Kind.PLAN_PUBLISHED, plan=plan, actor=actor)
    return plan


def _plan_audit(kind: str, *, plan: WorkPlan, actor) -> None:
    security_event_by(kind=kind, actor=actor, detail=f"{plan.title} (#{plan.pk})")


@transaction.atomic
def plan_close(*, plan: WorkPlan, actor=None) -> WorkPlan:
    """Close a plan: it stays viewable with its history, and nobody can change its progress. Audited."""
    plan.status = WorkPlan.Status.CLOSED
    plan.save(update_fields=["status", "updated_at"])
    _plan_audit(SecurityEvent.Kind.PLAN_CLOSED, plan=plan, actor=actor)
    return plan


class PlanNotReopenable(Exception):
    """Only a closed plan of this year or a later one is reopened; an old year stays closed."""


@transaction.atomic
def plan_reopen(*, plan: WorkPlan, today: datetime.date | None = None, actor=None) -> WorkPlan:
    """Reopen a plan closed by mistake, within its year: published again, recorded in its history. Audited."""
    locked = WorkPlan.objects.select_for_update().get(pk=plan.pk)
    today = today or timezone.localdate()
    if locked.status != WorkPlan.Status.CLOSED or locked.year < today.year:
        raise PlanNotReopenable(_("Only a closed plan of this year can be reopened."))
    locked.status = WorkPlan.Status.PUBLISHED
    locked.save(update_fields=["status", "updated_at"])
    _plan_audit(SecurityEvent.Kind.PLAN_REOPENED, plan=locked, actor=actor)
    return locked


class PlanExists(Exception):
    pass


# What a plan's admins set once and next year's plan keeps.
_PLAN_SETTINGS = ("review_required", "reporting_cycle", "reporting_day", "reminder_lead_days", "escalation_days",
                  "instruction_reminder_days", "summary_reminder_days", "rollup_margin", "evidence_visibility",
                  "completion_check_required", "extension_steps")


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
    moved, plans = 0, set()
    responsibilities = Responsibility.objects.filter(department=source).exclude(
        item__section__plan__status=WorkPlan.Status.CLOSED
    ).select_related("item__section__plan")
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
        plans.add(item.section.plan)
        moved += 1
    for plan in plans:  # who leads what changed: the department figures are counted again
        signals.plan_changed.send(sender=WorkPlan, plan=plan)
    return moved


# ---------------------------------------------------------------------------
# Checkpoints (节点): what is due by a date and how far the item should be by then. Written by
# plan admins and the supervision office (tasks.permissions.can_manage_checkpoints); every change
# is kept by simple_history and shown on the item's timeline (selectors.item_field_changes).


def _checkpoint_problems(*, item: WorkItem, due_date, title: str, expected_percent: int | None,
                         target_values: Mapping[int, Decimal | None], department_id: int | None,
                         exclude_pk: int | None = None) -> dict[str, str]:
    """Field -> message for what a checkpoint may not be; empty when it may be saved."""
    plan = item.section.plan
    problems = {}
    last_day = max(plan.year_end, item.due_date)
    if due_date is None:
        problems["due_date"] = _("Give the date of the checkpoint.")
    elif not plan.year_start <= due_date <= last_day:
        problems["due_date"] = _("The date must fall within the plan's year (%(start)s to %(end)s).") % {
            "start": f"{plan.year_start:%Y-%m-%d}", "end": f"{last_day:%Y-%m-%d}"}
    if not (title or "").strip():
        problems["title"] = _("Say what is due by this date.")
    if expected_percent is not None and not 0 <= expected_percent <= 100:
        problems["expected_percent"] = _("The expected progress is a percentage from 0 to 100.")
    elif expected_percent is not None and due_date is not None and "due_date" not in problems:
        others = item.checkpoints.exclude(pk=exclude_pk).exclude(expected_percent__isnull=True)
        earlier = others.filter(due_date__lt=due_date).order_by("-expected_percent", "due_date").first()
        later = others.filter(due_date__gt=due_date).order_by("expected_percent", "due_date").first()
        if earlier is not None and expected_percent < earlier.expected_percent:
            problems["expected_percent"] = _(
                "The expected progress cannot be lower than the %(percent)d%% of the earlier checkpoint of %(date)s."
            ) % {"percent": earlier.expected_percent, "date": f"{earlier.due_date:%Y-%m-%d}"}
        elif later is not None and expected_percent > later.expected_percent:
            problems["expected_percent"] = _(
                "The expected progress cannot be higher than the %(percent)d%% of the later checkpoint of %(date)s."
            ) % {"percent": later.expected_percent, "date": f"{later.due_date:%Y-%m-%d}"}
    targets = {target.pk for target in item.targets.all()}
    for target_id, value in target_values.items():
        if target_id not in targets:
            problems[f"target_{target_id}"] = _("This target belongs to another work item.")
        elif value is not None and value < 0:
            problems[f"target_{target_id}"] = _("An expected value cannot be negative.")
        elif value is not None and value >= MAX_TARGET_VALUE:
            problems[f"target_{target_id}"] = _("This value is too large.")
    if department_id is not None and not item.responsibilities.filter(department_id=department_id).exists():
        problems["department"] = _("Choose one of the item's responsible departments.")
    return problems


def _checkpoint_write(checkpoint: Checkpoint, *, user, due_date, title: str, expected_percent: int | None,
                      department: Department | None, target_values: Mapping[int, Decimal | None]) -> Checkpoint:
    item = checkpoint.item
    problems = _checkpoint_problems(item=item, due_date=due_date, title=title, expected_percent=expected_percent,
                                    target_values=target_values, department_id=department.pk if department else None,
                                    exclude_pk=checkpoint.pk)
    if problems:
        raise ValidationError(problems)
    checkpoint.due_date, checkpoint.title = due_date, title.strip()
    checkpoint.expected_percent, checkpoint.department = expected_percent, department
    checkpoint.full_clean()
    checkpoint._history_user = user
    checkpoint.save()
    existing = {value.target_id: value for value in checkpoint.target_values.all()} if checkpoint.pk else {}
    for target_id, value in target_values.items():
        current = existing.get(target_id)
        if value is None:
            if current is not None:
                current._history_user = user
                current.delete()
        elif current is None:
            created = CheckpointTarget(checkpoint=checkpoint, target_id=target_id, expected_value=value)
            created._history_user = user
            created.save()
        elif current.expected_value != value:
            current.expected_value = value
            current._history_user = user
            current.save(update_fields=["expected_value"])
    signals.plan_changed.send(sender=WorkPlan, plan=item.section.plan)
    return checkpoint


@transaction.atomic
def checkpoint_create(*, item: WorkItem, user, due_date, title: str, expected_percent: int | None = None,
                      department: Department | None = None,
                      target_values: Mapping[int, Decimal | None] | None = None) -> Checkpoint:
    """Add a checkpoint to `item`, placed last. Refused with field messages (ValidationError: a date
    outside the plan's year, no text, a percentage out of 0..100 or below an earlier checkpoint's, a
    negative expected value) and on a closed plan (PlanClosed); nothing is half-saved."""
    _refuse_if_closed(item.section.plan_id)
    order = (item.checkpoints.aggregate(last=Max("order"))["last"] or 0) + 1
    checkpoint = Checkpoint(item=item, order=order, due_date=due_date, title=title)
    return _checkpoint_write(checkpoint, user=user, due_date=due_date, title=title, expected_percent=expected_percent,
                             department=department, target_values=target_values or {})


@transaction.atomic
def checkpoint_update(*, checkpoint: Checkpoint, user, due_date, title: str, expected_percent: int | None = None,
                      department: Department | None = None,
                      target_values: Mapping[int, Decimal | None] | None = None) -> Checkpoint:
    """Change a checkpoint; the same refusals as checkpoint_create. An unchanged form writes no history."""
    _refuse_if_closed(checkpoint.item.section.plan_id)
    values = target_values or {}
    current = {value.target_id: value.expected_value for value in checkpoint.target_values.all()}
    unchanged = (
        (checkpoint.due_date, checkpoint.title, checkpoint.expected_percent, checkpoint.department_id)
        == (due_date, (title or "").strip(), expected_percent, department.pk if department else None)
        and all(current.get(target_id) == value for target_id, value in values.items())
    )
    if unchanged:
        # Saving the form as it was is not a change: no history line, no recomputation.
        return checkpoint
    return _checkpoint_write(checkpoint, user=user, due_date=due_date, title=title, expected_percent=expected_percent,
                             department=department, target_values=values)


@transaction.atomic
def checkpoint_delete(*, checkpoint: Checkpoint, user) -> None:
    """Remove a checkpoint (its history stays on the item's timeline; reports answering it keep their text)."""
    plan = _refuse_if_closed(checkpoint.item.section.plan_id)
    for value in checkpoint.target_values.all():
        value._history_user = user
        value.delete()
    checkpoint._history_user = user
    checkpoint.delete()
    signals.plan_changed.send(sender=WorkPlan, plan=plan)


@transaction.atomic
def checkpoint_move(*, checkpoint: Checkpoint, user, up: bool) -> bool:
    """Swap a checkpoint with its neighbour in the item's list; False when it is first (or last) already."""
    _refuse_if_closed(checkpoint.item.section.plan_id)
    siblings = list(Checkpoint.objects.select_for_update().filter(item_id=checkpoint.item_id)
                    .order_by("order", "due_date", "pk"))
    # Orders may repeat (the importer numbers each part from 0): make them 0..n-1 first.
    position = next(i for i, sibling in enumerate(siblings) if sibling.pk == checkpoint.pk)
    other = position - 1 if up else position + 1
    if not 0 <= other < len(siblings):
        return False
    siblings[position], siblings[other] = siblings[other], siblings[position]
    for order, sibling in enumerate(siblings):
        if sibling.order != order:
            sibling.order = order
            sibling._history_user = user
            sibling.save(update_fields=["order"])
    return True


QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))


@dataclass(frozen=True)
class QuarterlyResult:
    created: int  # checkpoints
    items: int  # items that got them
    skipped: int  # items left as they were: a checkpoint on a quarter's end already, or a conflicting one


@transaction.atomic
def checkpoints_quarterly(*, plan: WorkPlan, item_ids: Iterable[int], percents: tuple[int, int, int, int],
                          user) -> QuarterlyResult:
    """Give each chosen item of `plan` the four quarter-end checkpoints (03-31, 06-30, 09-30, 12-31 of the
    plan's year) expecting `percents`; dates after an item's due date are left out. An item that has a
    checkpoint on one of those dates already, or one whose expectation the new ones would contradict, is
    skipped and counted. A fixed number of queries, whatever the number of items."""
    import datetime

    _refuse_if_closed(plan.pk)
    if list(percents) != sorted(percents) or not all(0 <= p <= 100 for p in percents):
        raise ValidationError({"percents": _("The four expected percentages rise from 0 to 100.")})
    items = list(WorkItem.objects.filter(section__plan=plan, pk__in=list(item_ids)))
    dates = [datetime.date(plan.year, month, day) for month, day in QUARTER_ENDS]
    existing = defaultdict(list)
    for item_id, due, expected, order in Checkpoint.objects.filter(item__in=items).values_list(
            "item_id", "due_date", "expected_percent", "order"):
        existing[item_id].append((due, expected, order))
    new, skipped, touched = [], 0, 0
    for item in items:
        planned = [(day, percent) for day, percent in zip(dates, percents) if day <= max(item.due_date, dates[0])]
        mine = existing[item.pk]
        clash = any(due in dates for due, _expected, _order in mine) or any(
            expected is not None and ((due < day and expected > percent) or (due > day and expected < percent))
            for due, expected, _order in mine for day, percent in planned
        )
        if clash:
            skipped += 1
            continue
        order = max((o for *_rest, o in mine), default=0) + 1
        for offset, (day, percent) in enumerate(planned):
            new.append(Checkpoint(item=item, order=order + offset, due_date=day, expected_percent=percent,
                                  title=_("End of quarter %(quarter)d: %(percent)d%% done")
                                  % {"quarter": dates.index(day) + 1, "percent": percent}))
        touched += 1
    if new:
        bulk_create_with_history(new, Checkpoint, batch_size=1000, default_user=user)
        signals.plan_changed.send(sender=WorkPlan, plan=plan)
    return QuarterlyResult(created=len(new), items=touched, skipped=skipped)


# ---------------------------------------------------------------------------
# Plan settings and reporting cycles (月报 / 季报 / 半年报), kept with their history.

PLAN_SETTINGS_EDITABLE = ("reporting_cycle", "reporting_day", "review_required", "completion_check_required",
                          "extension_steps")


@transaction.atomic
def plan_settings_update(*, plan: WorkPlan, user, **values) -> list[str]:
    """Change the plan's reporting cycle and its loop's switches (PLAN_SETTINGS_EDITABLE); returns the names
    of the fields that changed (none: no history line, nothing recomputed). Refused on a closed plan."""
    locked = _refuse_if_closed(plan.pk)
    unknown = set(values) - set(PLAN_SETTINGS_EDITABLE)
    if unknown:
        raise TypeError(f"not a plan setting: {sorted(unknown)}")
    changed = [name for name, value in values.items() if getattr(locked, name) != value]
    if not changed:
        return []
    if not WorkPlan.history.filter(id=locked.pk).exists():
        # A plan from before its settings had history: keep how it was, so the first change shows "from → to".
        WorkPlan.history.bulk_history_create([locked], default_user=user)
    for name in changed:
        setattr(locked, name, values[name])
    locked.full_clean(exclude=["source_text"])
    locked._history_user = user
    locked.save(update_fields=[*changed, "updated_at"])
    for name in changed:
        setattr(plan, name, values[name])
    signals.plan_changed.send(sender=WorkPlan, plan=locked)
    return changed


@transaction.atomic
def item_cycle_set(*, item: WorkItem, user, reporting_cycle: str) -> bool:
    """Give one item a reporting cycle of its own ("" = the plan's); True when it changed."""
    _refuse_if_closed(item.section.plan_id)
    if item.reporting_cycle == reporting_cycle:
        return False
    item.reporting_cycle = reporting_cycle
    item.full_clean(exclude=["section", "departments"])
    item._history_user = user
    item.save(update_fields=["reporting_cycle"])
    signals.plan_changed.send(sender=WorkPlan, plan=item.section.plan)
    return True
