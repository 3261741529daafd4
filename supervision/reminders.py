"""Which reminders are due on a day: pure rules over plain facts (no ORM).

The reminder job runs daily, scans the plan and asks `due_reminders`; each
answer carries the reminder's key (subject, audience, kind, period), which the
notifications log makes unique — so scanning again, the same day or the next,
never sends a reminder twice, and a day the job missed is caught up.

Kinds and moments (defaults in brackets, configured per plan):
- due_soon    before an open item's due date, at each lead time [30, 7, 1
              days], to the staff of every responsible department; also for a
              target with its own due date (e.g. a two-year target) that is not
              yet met. Only the most recent lead time reached is sent (a missed
              30-day reminder is not sent on day 6).
              Likewise before each checkpoint (节点) not met yet, to the staff of its
              department (by default the lead).
- report_due  on the plan's reporting day [25th] of each closing month of the
              item's cycle (monthly, quarterly, half-yearly: its own or the plan's),
              to each responsible department that has not reported on an open item
              this cycle.
- overdue     on the due date of an item that is not done: the lead
              department's heads (催办); and the day after a checkpoint passed
              unmet (逾期未完成), the heads of its department.
- escalation  [7] days later, still not done: leadership (督办), one message
              per plan and due date listing the overdue items by department.
A moment more than `catch_up_days` [7] in the past is not sent any more: after
a long outage the portal does not flood people with stale reminders.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field

from notifications.audiences import LEADERSHIP, heads_of, staff_of
from tasks.cycles import current_cycle, reported_in

DUE_SOON, REPORT_DUE, OVERDUE, ESCALATION = "due_soon", "report_due", "overdue", "escalation"
LEAD, CO_ORGANIZER = "lead", "co_organizer"


@dataclass(frozen=True)
class Rules:
    today: datetime.date
    plan_start: datetime.date
    lead_days: tuple[int, ...] = (30, 7, 1)
    escalation_days: int = 7
    reporting_day: int = 25
    catch_up_days: int = 7


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
class CheckpointFacts:
    checkpoint_id: int
    due_date: datetime.date
    department_id: int | None  # None: the item's lead department
    met: bool = False  # progress.rollup.checkpoint_met, the one definition


@dataclass(frozen=True)
class ItemFacts:
    item_id: int
    due_date: datetime.date
    done: bool = False
    duties: Sequence[Duty] = ()
    targets: Sequence[TargetFacts] = ()  # only targets with a due date of their own
    checkpoints: Sequence[CheckpointFacts] = ()
    cycle_months: int = 1  # the item's reporting cycle: 1, 3 (quarterly) or 6 (half-yearly)


@dataclass(frozen=True)
class Planned:
    """One reminder to claim: its key and what the message is about."""

    kind: str
    subject: str  # item:12, target:40, plan:3
    audience: str  # department:5:staff, department:5:heads, leadership
    period: str
    department_id: int | None = None
    item_ids: tuple[int, ...] = ()
    due_date: datetime.date | None = None
    days_left: int | None = None
    by_department: dict = field(default_factory=dict, compare=False, hash=False)  # escalation: dept -> item ids

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.subject, self.audience, self.kind, self.period)


def parse_lead_days(text: str) -> tuple[int, ...]:
    """'30,7,1' -> (30, 7, 1); blanks and zeros ignored."""
    return tuple(sorted({int(part) for part in text.split(",") if part.strip() and int(part) > 0}, reverse=True))


def _fresh(moment: datetime.date, rules: Rules) -> bool:
    return moment <= rules.today and (rules.today - moment).days <= rules.catch_up_days


def _lead_window(due: datetime.date, rules: Rules) -> int | None:
    """The shortest lead time already reached before `due` (7 on day 5, 30 on day 20); None if none."""
    days_left = (due - rules.today).days
    if days_left <= 0:
        return None
    reached = [lead for lead in rules.lead_days if days_left <= lead]
    if not reached:
        return None
    lead = min(reached)
    return lead if _fresh(due - datetime.timedelta(days=lead), rules) else None


def due_reminders(plan_id: int, items: Sequence[ItemFacts], rules: Rules) -> list[Planned]:
    planned: list[Planned] = []
    escalations: dict[datetime.date, dict[int, list[int]]] = {}
    for item in items:
        if item.done:
            continue
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
        lead_department = next((d.department_id for d in item.duties if d.role == LEAD), None)
        for checkpoint in item.checkpoints:
            if checkpoint.met:
                continue
            department_id = checkpoint.department_id or lead_department
            if department_id is None:
                continue
            checkpoint_lead = _lead_window(checkpoint.due_date, rules)
            if checkpoint_lead is not None:
                planned.append(Planned(
                    DUE_SOON, f"checkpoint:{checkpoint.checkpoint_id}", staff_of(department_id),
                    f"{checkpoint.due_date}/{checkpoint_lead}d", department_id=department_id,
                    item_ids=(item.item_id,), due_date=checkpoint.due_date,
                    days_left=(checkpoint.due_date - rules.today).days,
                ))
            passed = checkpoint.due_date + datetime.timedelta(days=1)
            if checkpoint.due_date < item.due_date and _fresh(passed, rules):
                planned.append(Planned(
                    OVERDUE, f"checkpoint:{checkpoint.checkpoint_id}", heads_of(department_id),
                    checkpoint.due_date.isoformat(), department_id=department_id, item_ids=(item.item_id,),
                    due_date=checkpoint.due_date,
                ))
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
        if _fresh(item.due_date, rules):
            for duty in item.duties:
                if duty.role == LEAD:
                    planned.append(Planned(
                        OVERDUE, f"item:{item.item_id}", heads_of(duty.department_id), item.due_date.isoformat(),
                        department_id=duty.department_id, item_ids=(item.item_id,), due_date=item.due_date,
                    ))
        if _fresh(item.due_date + datetime.timedelta(days=rules.escalation_days), rules):
            escalations.setdefault(item.due_date, {}).setdefault(lead_department, []).append(item.item_id)
    for due, by_department in sorted(escalations.items()):
        item_ids = tuple(i for ids in by_department.values() for i in ids)
        planned.append(Planned(
            ESCALATION, f"plan:{plan_id}", LEADERSHIP, due.isoformat(), item_ids=item_ids, due_date=due,
            by_department=by_department,
        ))
    return planned
