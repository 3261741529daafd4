"""Which reminders are due on a day: pure rules over plain facts (no ORM).

The reminder job runs daily, scans the plan and asks `due_reminders`; each
answer carries the reminder's key (subject, audience, kind, period), which the
notifications log makes unique — so scanning again, the same day or the next,
never sends a reminder twice, and a day the job missed is caught up.

Kinds and moments (defaults in brackets, configured per plan):
- due_soon    before an open item's due date, at each lead time [30, 7, 1
              days], to the staff of every responsible department; also for a
              target with its own due date (e.g. a two-year target) that is not
              yet met, and for a checkpoint (节点) before the item's due date
              not yet met (to its own lead department when it has one). Only the
              most recent lead time reached is sent (a missed 30-day reminder is
              not sent on day 6). A leadership instruction (批示) not answered is
              reminded [2] days before its deadline (办理时限) to the departments
              it went to.
- report_due  on the reporting day [25th] closing the item's cycle (its own,
              else the plan's: monthly, quarterly, half-yearly), to each
              responsible department that has not reported on an open item this
              cycle.
- summary_due [5] days before a summary report's due date and on the day, to
              each responsible department that has not sent it.
- overdue     on the due date of an item that is not done, or of a checkpoint
              not met (逾期未完成: `progress.rollup.checkpoint_met`, the roll-up's
              one definition): the heads of the lead department (the
              checkpoint's, else the item's) (催办).
- escalation  one message a plan a day to leadership (督办), listing by lead
              department everything that became late enough that day: items and
              checkpoints still not done [7] days after their date, instructions
              unanswered the day after their deadline, chased departments that
              did not answer by the day after the answer-by date, summary reports
              not sent the day after they were due. A line is listed once: a day
              the 督办 went out (`escalated_on`) takes the lines up to it, a missed
              day's lines go with the next.
A moment more than `catch_up_days` [7] in the past is not sent any more: after
a long outage the portal does not flood people with stale reminders.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from notifications.audiences import LEADERSHIP, heads_of, staff_of
from progress.rollup import CheckpointFacts
from tasks.cycles import current_cycle, reported_in

DUE_SOON, REPORT_DUE, OVERDUE, ESCALATION = "due_soon", "report_due", "overdue", "escalation"
SUMMARY_DUE = "summary_due"
LEAD, CO_ORGANIZER = "lead", "co_organizer"
# What an escalation line is about.
ITEM, CHECKPOINT, INSTRUCTION, CHASE, SUMMARY = "item", "checkpoint", "instruction", "chase", "summary"
LINE_KINDS = (ITEM, CHECKPOINT, INSTRUCTION, CHASE, SUMMARY)


@dataclass(frozen=True)
class Rules:
    today: datetime.date
    plan_start: datetime.date
    lead_days: tuple[int, ...] = (30, 7, 1)
    escalation_days: int = 7
    reporting_day: int = 25
    catch_up_days: int = 7
    instruction_days: int = 2
    summary_days: int = 5


@dataclass(frozen=True)
class Duty:
    department_id: int
    role: str  # lead / co_organizer
    last_report_on: datetime.date | None = None  # this department's latest report on the item (not returned)


@dataclass(frozen=True)
class TargetFacts:
    target_id: int
    due_date: datetime.date  # its own due date, when it differs from the item's
    met: bool = False


@dataclass(frozen=True)
class CheckpointDuty:
    """A checkpoint (节点) of an item: the roll-up's facts of it, and who answers for it."""

    checkpoint_id: int
    facts: CheckpointFacts  # its (approved) date and expected percent, as the roll-up reads them
    department_id: int | None = None  # its own lead department; None: the item's lead
    met: bool = False  # progress.rollup.checkpoint_met: the one definition every page uses

    @property
    def due_date(self) -> datetime.date:
        return self.facts.due_date


@dataclass(frozen=True)
class ItemFacts:
    item_id: int
    due_date: datetime.date
    done: bool = False
    duties: Sequence[Duty] = ()
    targets: Sequence[TargetFacts] = ()  # only targets with a due date of their own
    percent: float = 0.0  # the official progress (认定进度), against which checkpoints are met
    checkpoints: Sequence[CheckpointDuty] = ()
    cycle_months: int = 1  # the item's reporting cycle (its own, else the plan's)

    @property
    def lead_department_id(self) -> int | None:
        return next((d.department_id for d in self.duties if d.role == LEAD), None)


@dataclass(frozen=True)
class InstructionFacts:
    """A leadership instruction (批示) with a deadline, and the departments it went to."""

    instruction_id: int
    item_id: int
    due_date: datetime.date
    department_ids: tuple[int, ...]
    answered: bool = False  # answered or closed; a returned one waits again (not answered)


@dataclass(frozen=True)
class ChaseFacts:
    """One chased department (ChaseTarget) and whether it answered (in words or by its next report)."""

    target_id: int
    chase_id: int
    department_id: int
    reply_by: datetime.date
    replied: bool = False
    item_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class SummaryFacts:
    """A summary report asked of the plan's responsible departments, and who has not sent it."""

    requirement_id: int
    due_date: datetime.date
    unsent_department_ids: tuple[int, ...] = ()


@dataclass(frozen=True)
class EscalationLine:
    """One line of the day's 督办: what is late (kind and id), who leads it, since when."""

    kind: str  # item / checkpoint / instruction / chase / summary
    subject_id: int  # the item, checkpoint, instruction, chase target or summary requirement
    department_id: int | None
    since: datetime.date  # its date: due date, checkpoint date, 时限, answer-by date, summary due date
    item_id: int | None = None


@dataclass(frozen=True)
class Planned:
    """One reminder to claim: its key and what the message is about."""

    kind: str
    subject: str  # item:12, target:40, checkpoint:3, instruction:8, summary:2, plan:3
    audience: str  # department:5:staff, department:5:heads, leadership
    period: str
    department_id: int | None = None
    item_ids: tuple[int, ...] = ()
    due_date: datetime.date | None = None
    days_left: int | None = None
    lines: tuple[EscalationLine, ...] = field(default=(), compare=False, hash=False)  # escalation: what is late

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.subject, self.audience, self.kind, self.period)

    @property
    def subject_id(self) -> int:
        return int(self.subject.split(":")[1])

    @property
    def by_department(self) -> dict[int | None, list[int]]:
        """Escalation: the overdue items by lead department."""
        found: dict[int | None, list[int]] = {}
        for line in self.lines:
            if line.kind == ITEM:
                found.setdefault(line.department_id, []).append(line.subject_id)
        return found


def parse_lead_days(text: str) -> tuple[int, ...]:
    """'30,7,1' -> (30, 7, 1); blanks and zeros ignored."""
    return tuple(sorted({int(part) for part in text.split(",") if part.strip() and int(part) > 0}, reverse=True))


def _fresh(moment: datetime.date, rules: Rules) -> bool:
    return moment <= rules.today and (rules.today - moment).days <= rules.catch_up_days


def _lead_window(due: datetime.date, rules: Rules, lead_days: Sequence[int] | None = None) -> int | None:
    """The shortest lead time already reached before `due` (7 on day 5, 30 on day 20); None if none."""
    days_left = (due - rules.today).days
    if days_left <= 0:
        return None
    reached = [lead for lead in (rules.lead_days if lead_days is None else lead_days) if days_left <= lead]
    if not reached:
        return None
    lead = min(reached)
    return lead if _fresh(due - datetime.timedelta(days=lead), rules) else None


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def due_reminders(
    plan_id: int,
    items: Sequence[ItemFacts],
    rules: Rules,
    *,
    instructions: Sequence[InstructionFacts] = (),
    chases: Sequence[ChaseFacts] = (),
    summaries: Sequence[SummaryFacts] = (),
    escalated_on: Sequence[datetime.date] = (),
) -> list[Planned]:
    """Every reminder due on `rules.today` for one plan; `escalated_on`: the days a 督办 of the plan went out."""
    planned: list[Planned] = []
    late: list[tuple[datetime.date, EscalationLine]] = []  # (the day it escalates, the line)
    for item in items:
        if item.done:
            continue
        planned.extend(_item_reminders(item, rules))
        if _fresh(item.due_date + _days(rules.escalation_days), rules):
            late.append((item.due_date + _days(rules.escalation_days),
                         EscalationLine(ITEM, item.item_id, item.lead_department_id, item.due_date, item.item_id)))
        for checkpoint in item.checkpoints:
            if checkpoint.due_date >= item.due_date:
                continue  # the item's own reminders say it
            planned.extend(_checkpoint_reminders(item, checkpoint, rules))
            moment = checkpoint.due_date + _days(rules.escalation_days)
            if _fresh(moment, rules) and rules.today > checkpoint.due_date and not checkpoint.met:
                late.append((moment, EscalationLine(CHECKPOINT, checkpoint.checkpoint_id,
                                                    checkpoint.department_id or item.lead_department_id,
                                                    checkpoint.due_date, item.item_id)))
    for instruction in instructions:
        if instruction.answered:
            continue
        lead = _lead_window(instruction.due_date, rules, (rules.instruction_days,))
        if lead is not None:
            for department_id in instruction.department_ids:
                planned.append(Planned(
                    DUE_SOON, f"instruction:{instruction.instruction_id}", staff_of(department_id),
                    f"{instruction.due_date}/{lead}d", department_id=department_id, item_ids=(instruction.item_id,),
                    due_date=instruction.due_date, days_left=(instruction.due_date - rules.today).days,
                ))
        if _fresh(instruction.due_date + _days(1), rules):
            late.append((instruction.due_date + _days(1), EscalationLine(
                INSTRUCTION, instruction.instruction_id, instruction.department_ids[0] if instruction.department_ids
                else None, instruction.due_date, instruction.item_id)))
    for chase in chases:
        if not chase.replied and _fresh(chase.reply_by + _days(1), rules):
            late.append((chase.reply_by + _days(1), EscalationLine(CHASE, chase.target_id, chase.department_id,
                                                                   chase.reply_by)))
    for summary in summaries:
        planned.extend(_summary_reminders(summary, rules))
        if _fresh(summary.due_date + _days(1), rules):
            late.extend((summary.due_date + _days(1), EscalationLine(SUMMARY, summary.requirement_id, department_id,
                                                                     summary.due_date))
                        for department_id in summary.unsent_department_ids)
    lines = tuple(line for moment, line in late if not any(moment <= day < rules.today for day in escalated_on))
    if lines:
        planned.append(Planned(
            ESCALATION, f"plan:{plan_id}", LEADERSHIP, rules.today.isoformat(), due_date=rules.today,
            item_ids=tuple(line.subject_id for line in lines if line.kind == ITEM), lines=lines,
        ))
    return planned


def _item_reminders(item: ItemFacts, rules: Rules) -> list[Planned]:
    planned = []
    lead = _lead_window(item.due_date, rules)
    if lead is not None:
        for duty in item.duties:
            planned.append(Planned(
                DUE_SOON, f"item:{item.item_id}", staff_of(duty.department_id), f"{item.due_date}/{lead}d",
                department_id=duty.department_id, item_ids=(item.item_id,), due_date=item.due_date,
                days_left=(item.due_date - rules.today).days,
            ))
    for target in item.targets:
        target_lead = None if target.met else _lead_window(target.due_date, rules)
        if target_lead is not None:
            for duty in item.duties:
                planned.append(Planned(
                    DUE_SOON, f"target:{target.target_id}", staff_of(duty.department_id),
                    f"{target.due_date}/{target_lead}d", department_id=duty.department_id,
                    item_ids=(item.item_id,), due_date=target.due_date,
                    days_left=(target.due_date - rules.today).days,
                ))
    # The item's own cycle: a quarterly item is asked on the reporting day of March, June, September, December.
    cycle = current_cycle(rules.today, reporting_day=rules.reporting_day, plan_start=rules.plan_start,
                          months=item.cycle_months)
    if cycle is not None and _fresh(cycle.reporting_date, rules) and item.due_date >= cycle.start:
        for duty in item.duties:
            if not reported_in(cycle, duty.last_report_on):
                planned.append(Planned(
                    REPORT_DUE, f"item:{item.item_id}", staff_of(duty.department_id),
                    cycle.reporting_date.isoformat(), department_id=duty.department_id,
                    item_ids=(item.item_id,), due_date=cycle.reporting_date,
                ))
    if _fresh(item.due_date, rules) and item.lead_department_id is not None:
        planned.append(Planned(
            OVERDUE, f"item:{item.item_id}", heads_of(item.lead_department_id), item.due_date.isoformat(),
            department_id=item.lead_department_id, item_ids=(item.item_id,), due_date=item.due_date,
        ))
    return planned


def _checkpoint_reminders(item: ItemFacts, checkpoint: CheckpointDuty, rules: Rules) -> list[Planned]:
    if checkpoint.met:
        return []  # reached already: nothing to remind of
    planned = []
    subject = f"checkpoint:{checkpoint.checkpoint_id}"
    lead = _lead_window(checkpoint.due_date, rules)
    if lead is not None:
        departments = ([checkpoint.department_id] if checkpoint.department_id
                       else [duty.department_id for duty in item.duties])
        for department_id in departments:
            planned.append(Planned(
                DUE_SOON, subject, staff_of(department_id), f"{checkpoint.due_date}/{lead}d",
                department_id=department_id, item_ids=(item.item_id,), due_date=checkpoint.due_date,
                days_left=(checkpoint.due_date - rules.today).days,
            ))
    head = checkpoint.department_id or item.lead_department_id
    if _fresh(checkpoint.due_date, rules) and head is not None:
        planned.append(Planned(
            OVERDUE, subject, heads_of(head), checkpoint.due_date.isoformat(), department_id=head,
            item_ids=(item.item_id,), due_date=checkpoint.due_date,
        ))
    return planned


def _summary_reminders(summary: SummaryFacts, rules: Rules) -> list[Planned]:
    """summary_days before the due date, and on the day; only the latest moment reached (as due_soon)."""
    days_left = (summary.due_date - rules.today).days
    if days_left < 0:
        return []
    reached = [lead for lead in (rules.summary_days, 0) if days_left <= lead
               and _fresh(summary.due_date - _days(lead), rules)]
    if not reached:
        return []
    lead = min(reached)
    return [
        Planned(SUMMARY_DUE, f"summary:{summary.requirement_id}", staff_of(department_id),
                f"{summary.due_date}/{lead}d", department_id=department_id, due_date=summary.due_date,
                days_left=days_left)
        for department_id in summary.unsent_department_ids
    ]
