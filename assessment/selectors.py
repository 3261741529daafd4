"""Reads of the year-end assessment: the facts behind every department's score, in a fixed number of
queries whatever the plan's size, and the ranking."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Min, Prefetch, Q
from django.utils import timezone

from core.dates import local_dates
from core.people import display_name
from departments.models import Department
from progress import rollup
from progress import selectors as progress_selectors
from progress.models import ItemRollup, ProgressReport
from supervision.models import ChaseTarget, Extension, Instruction, InstructionEntry
from tasks.cycles import current_cycle, cycle_months
from tasks.models import Checkpoint, Responsibility, WorkItem, WorkPlan

from . import rules
from .models import Claim, DepartmentScore, ManualScore, Part, Scheme, SelfAssessment, SelfAssessmentEntry


def scheme_of(*, plan: WorkPlan) -> Scheme | None:
    return Scheme.objects.filter(plan=plan).prefetch_related("parts").first()


def part_rules(scheme: Scheme) -> list[rules.PartRule]:
    return [rules.PartRule(part_id=p.pk, kind=p.kind, name=p.name, points=p.points, per_case=p.per_case)
            for p in scheme.parts.all()]


def scoring_day(scheme: Scheme, today: datetime.date | None = None) -> datetime.date:
    """The day the computed parts are read at: today, at most the plan's last day."""
    return min(today or timezone.localdate(), scheme.plan.year_end)


def _reporting_dates(plan: WorkPlan, months: int, until: datetime.date) -> list[datetime.date]:
    dates, month = [], plan.year_start.month
    while month <= 12:
        day = datetime.date(plan.year, month, plan.reporting_day)
        if day > until:
            break
        if month % months == 0:
            dates.append(day)
        month += 1
    return dates


def department_facts(*, scheme: Scheme, today: datetime.date | None = None,
                     department_ids: set[int] | None = None) -> dict[int, rules.DepartmentFacts]:
    """department id -> the facts of its score: thirteen queries, whatever the number of items."""
    plan = scheme.plan
    day = scoring_day(scheme, today)
    local_date = local_dates()
    check = plan.completion_check_required
    items = {row["pk"]: row for row in WorkItem.objects.filter(section__plan=plan).values(
        "pk", "number", "title", "due_date", "status", "closed_at", "reporting_cycle")}
    responsibilities = list(Responsibility.objects.filter(item__section__plan=plan).values_list(
        "item_id", "department_id", "role"))
    lead_of = {item_id: department_id for item_id, department_id, role in responsibilities if role == "lead"}
    wanted = department_ids if department_ids is not None else {d for _i, d, _r in responsibilities}
    departments = dict(Department.objects.filter(pk__in=wanted).values_list("pk", "name"))
    facts = {pk: rules.DepartmentFacts(department_id=pk, name=name) for pk, name in departments.items()}
    rollups = {row[0]: row[1:] for row in ItemRollup.objects.filter(item__section__plan=plan).values_list(
        "item_id", "targets_total", "targets_met")}
    approved = ProgressReport.objects.filter(item__section__plan=plan, role="lead",
                                             state=ProgressReport.State.APPROVED)
    done_approved = dict(approved.filter(status="done").values("item_id").annotate(first=Min("reviewed_at"))
                         .values_list("item_id", "first"))
    done_on: dict[int, datetime.date] = {}
    for item_id, item in items.items():
        done = item["status"] == WorkItem.Status.DONE and (item["closed_at"] is not None or not check)
        done_at = (item["closed_at"] if check else done_approved.get(item_id)) if done else None
        if done_at:
            done_on[item_id] = local_date(done_at)
        department_id = lead_of.get(item_id)
        if department_id not in facts:
            continue
        total, met = rollups.get(item_id, (0, 0))
        facts[department_id].led.append(rules.LedItem(
            number=item["number"], title=item["title"], due=item["due_date"], done_on=done_on.get(item_id),
            targets_total=total, targets_met=met))

    # Reporting cycles: each responsibility, on the item's own cycle (else the plan's), until it was done.
    reports = defaultdict(list)
    for item_id, department_id, created_at in ProgressReport.objects.filter(item__section__plan=plan).exclude(
            state=ProgressReport.State.RETURNED).values_list("item_id", "department_id", "created_at"):
        reports[(item_id, department_id)].append(local_date(created_at))
    dates_by_months = {}
    for item_id, department_id, _role in responsibilities:
        if department_id not in facts:
            continue
        item = items[item_id]
        months = cycle_months(item["reporting_cycle"] or plan.reporting_cycle)
        if months not in dates_by_months:
            dates_by_months[months] = _reporting_dates(plan, months, day)
        sent = sorted(reports.get((item_id, department_id), []))
        finished = done_on.get(item_id)
        for reporting_date in dates_by_months[months]:
            cycle = current_cycle(reporting_date, reporting_day=plan.reporting_day, plan_start=plan.year_start,
                                  months=months)
            if finished is not None and cycle.start > finished:
                break  # nothing more to report on a finished item
            first = next((d for d in sent if cycle.start <= d <= reporting_date), None)
            facts[department_id].cycles.append(rules.Cycle(item["number"], reporting_date, first))

    # Checkpoints: met or not by the one definition every page uses (progress.rollup.checkpoint_met).
    named = {pk: (title, department_id) for pk, title, department_id in
             Checkpoint.objects.filter(item__section__plan=plan).values_list("pk", "title", "department_id")}
    for item_id, rows in progress_selectors.checkpoint_facts(items=Q(section__plan=plan)).items():
        for pk, checkpoint in rows:
            title, own_department = named.get(pk, ("", None))
            department_id = own_department or lead_of.get(item_id)
            if department_id not in facts:
                continue
            facts[department_id].checkpoints.append(rules.CheckpointFact(
                items[item_id]["number"], title, checkpoint.due_date,
                rollup.checkpoint_met(checkpoint, done=item_id in done_on)))

    numbers = {pk: item["number"] for pk, item in items.items()}
    chased_items = defaultdict(list)
    for target_id, item_id in ChaseTarget.items.through.objects.filter(
            chasetarget__chase__plan=plan).values_list("chasetarget_id", "workitem_id"):
        chased_items[target_id].append(numbers.get(item_id, 0))
    for target_id, department_id, created_at, message in ChaseTarget.objects.filter(
            chase__plan=plan, department_id__in=facts).values_list("pk", "department_id", "chase__created_at",
                                                                   "chase__message"):
        facts[department_id].chases.append(rules.ChaseFact(local_date(created_at),
                                                           tuple(sorted(chased_items[target_id])), message))
    for department_id, item_id, old, new in Extension.objects.filter(
            item__section__plan=plan, state=Extension.State.APPROVED, department_id__in=facts).values_list(
            "department_id", "item_id", "current_due", "new_due"):
        facts[department_id].extensions.append(rules.ExtensionFact(numbers.get(item_id, 0), old, new))

    # 批示: to the departments chosen, else the item's lead; answered on its first reply.
    chosen = defaultdict(list)
    for instruction_id, department_id in Instruction.departments.through.objects.filter(
            instruction__item__section__plan=plan).values_list("instruction_id", "department_id"):
        chosen[instruction_id].append(department_id)
    first_reply = {row["instruction_id"]: row["first"] for row in InstructionEntry.objects.filter(
        instruction__item__section__plan=plan, kind=InstructionEntry.Kind.REPLY).values("instruction_id").annotate(
        first=Min("created_at"))}
    for instruction_id, item_id, text, due in Instruction.objects.filter(item__section__plan=plan).values_list(
            "pk", "item_id", "text", "due_date"):
        answered = first_reply.get(instruction_id)
        for department_id in chosen.get(instruction_id) or [lead_of.get(item_id)]:
            if department_id in facts:
                facts[department_id].instructions.append(rules.InstructionFact(
                    numbers.get(item_id, 0), text, due, local_date(answered) if answered else None))

    for department_id, sent_at in SelfAssessment.objects.filter(
            scheme=scheme, state=SelfAssessment.State.SENT, department_id__in=facts).values_list(
            "department_id", "sent_at"):
        facts[department_id].self_sent_on = local_date(sent_at) if sent_at else None
    for score in ManualScore.objects.filter(scheme=scheme, department_id__in=facts).select_related("given_by"):
        facts[score.department_id].manual.setdefault(score.part_id, []).append(
            rules.ManualFact(score.points, score.reason, display_name(score.given_by)))
    for department in facts.values():
        department.led.sort(key=lambda i: i.number)
    return facts


@dataclass
class DepartmentResult:
    department: Department
    parts: list[rules.PartResult]
    score: DepartmentScore | None
    self_assessment: SelfAssessment | None
    total: Decimal = Decimal(0)
    rank: int = 0
    facts: rules.DepartmentFacts | None = None  # what the parts were computed from (the items it leads…)

    @property
    def is_signed(self) -> bool:
        return self.score is not None and self.score.is_signed

    @property
    def adjustment(self) -> Decimal:
        return self.score.adjustment if self.score is not None else Decimal(0)


def results(*, scheme: Scheme, today: datetime.date | None = None,
            department_ids: set[int] | None = None) -> list[DepartmentResult]:
    """Every (or the chosen) responsible department's score, ranked: signed-off scores as frozen, the others
    computed now. A fixed number of queries."""
    day = scoring_day(scheme, today)
    facts = department_facts(scheme=scheme, today=today, department_ids=department_ids)
    part_list = part_rules(scheme)
    # with their groups: who may see each score is asked of every row (permissions.can_see_score)
    departments = {d.pk: d for d in Department.objects.filter(pk__in=facts).select_related("group")}
    scores = {s.department_id: s for s in DepartmentScore.objects.filter(scheme=scheme, department_id__in=facts)
              .select_related("signed_by", "adjusted_by")}
    selfs = {s.department_id: s for s in SelfAssessment.objects.filter(scheme=scheme, department_id__in=facts)}
    found = []
    for department_id, department_facts_ in facts.items():
        score = scores.get(department_id)
        if score is not None and score.is_signed and score.frozen is not None:
            parts = [rules.PartResult.from_json(p) for p in score.frozen]
            total = score.total
        else:
            parts = rules.department_score(part_list, department_facts_, today=day, self_due=scheme.due_on)
            total = rules.total_of(parts, score.adjustment if score else Decimal(0))
        found.append(DepartmentResult(departments[department_id], parts, score, selfs.get(department_id), total,
                                      facts=department_facts_))
    found.sort(key=lambda r: (-r.total, r.department.order, r.department.pk))
    for rank, result in enumerate(found, 1):
        result.rank = rank
    return found


def result_for(*, scheme: Scheme, department: Department,
               today: datetime.date | None = None) -> DepartmentResult | None:
    """One department's score with its rank among all (the ranking is computed once, whole); None when the
    department has no item in the plan."""
    return next((r for r in results(scheme=scheme, today=today) if r.department.pk == department.pk), None)


@dataclass
class SelfAssessmentPage:
    self_assessment: SelfAssessment
    items: list = field(default_factory=list)  # (item, role, entry or None)
    claims: dict = field(default_factory=dict)  # part id -> Claim
    manual_parts: list = field(default_factory=list)


def self_assessment_page(*, scheme: Scheme, department: Department) -> SelfAssessmentPage:
    """The department's 自评: each item it is responsible for, with what it wrote and its files (a 自评 not
    begun yet reads as an empty draft)."""
    self_assessment = (SelfAssessment.objects.filter(scheme=scheme, department=department).first()
                       or SelfAssessment(scheme=scheme, department=department))
    entries = {e.item_id: e for e in SelfAssessmentEntry.objects.filter(self_assessment=self_assessment)
               .prefetch_related("evidence")} if self_assessment.pk else {}
    responsibilities = (Responsibility.objects.filter(department=department, item__section__plan=scheme.plan)
                        .select_related("item__section", "item__rollup").order_by("item__section__number",
                                                                                  "item__number"))
    return SelfAssessmentPage(
        self_assessment=self_assessment,
        items=[(r.item, r, entries.get(r.item_id)) for r in responsibilities],
        claims={c.part_id: c for c in Claim.objects.filter(self_assessment=self_assessment)} if self_assessment.pk
        else {},
        manual_parts=[p for p in scheme.parts.all() if p.is_manual],
    )


def self_assessments(*, scheme: Scheme) -> list[SelfAssessment]:
    return list(SelfAssessment.objects.filter(scheme=scheme).select_related("department", "sent_by")
                .prefetch_related(Prefetch("entries", queryset=SelfAssessmentEntry.objects.only(
                    "pk", "self_assessment_id", "item_id")), "claims__part"))


def manual_scores(*, scheme: Scheme, department: Department) -> list[ManualScore]:
    return list(ManualScore.objects.filter(scheme=scheme, department=department).select_related("part", "given_by"))


def parts_of(*, scheme: Scheme) -> list[Part]:
    return list(scheme.parts.all())


def item_entries(*, item: WorkItem) -> list[SelfAssessmentEntry]:
    """What each responsible department wrote of the item in its 自评, with its files."""
    return list(SelfAssessmentEntry.objects.filter(item=item).select_related(
        "self_assessment__department__group", "updated_by").prefetch_related("evidence").order_by(
        "self_assessment__department__order"))
