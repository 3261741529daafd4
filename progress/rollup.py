"""The roll-up rule: how far an item, a section and a plan are, and their traffic light.

Pure functions over plain numbers and dates — no ORM — so the rule is tested on
hand-computed tables and runs the same in the job, a benchmark or a test.

The rule
--------
Target progress (0–100):
  count        current / target × 100, at most 100;
  percentage   the reported rate itself (入会率 93 → 93), and 100 once the target rate is reached;
  coverage     the reported coverage percentage; 100 when met (全覆盖);
  placeholder  target value 待定 (NULL): no measure — left out of every mean and flagged;
  other        no measure — left out.
  A target without a reading yet counts 0.

Item progress:
  only measured targets   the mean of their progress;
  only approved report    the percent of the lead department's latest approved report
                          (the item's progress_percent, set by progress.services.report_approve);
  both                    the lower of the two: a report cannot claim more than its
                          targets show, and targets met do not finish work the
                          department says is still open;
  neither                 0, flagged "no_data".
  An item reported done is 100 unless a measured target is still short.

Expected progress: the share of time elapsed from the plan's first day to the
due date. With measured targets it is the mean over the targets, each against
its own due date — a two-year target (利用2年…) is half-way expected after the
first year, not late.

Item light:
  red     overdue (past its due date and not done, or a measured target past its
          own due date and not met) or reported delayed (滞后);
  yellow  behind the expectation by more than `margin` points, or no report this
          reporting cycle once the cycle's reporting day has come;
  green   otherwise. Done items are green and also counted as done.

Section: the weighted mean of its items' progress (weights default 1) and of
their expectations. Plan: the plain mean of its sections. Their light:
  red     behind the expectation by more than 2 × margin, or at least a third of
          the (weighted) items red;
  yellow  behind by more than margin, or any item red;
  green   otherwise.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from tasks.cycles import current_cycle, reported_in

GREEN, YELLOW, RED = "green", "yellow", "red"
COUNT, PERCENTAGE, COVERAGE, OTHER = "count", "percentage", "coverage", "other"
DONE, DELAYED = "done", "delayed"


@dataclass(frozen=True)
class Rules:
    today: datetime.date
    plan_start: datetime.date
    margin: float = 10.0
    reporting_day: int = 25


@dataclass(frozen=True)
class TargetFacts:
    kind: str
    target_value: float | None  # None: placeholder (待定)
    current_value: float | None
    due_date: datetime.date


@dataclass(frozen=True)
class ItemFacts:
    key: object
    due_date: datetime.date
    status: str = "not_started"  # from the lead's approved reports
    reported_percent: float | None = None  # None: no approved lead report yet
    last_report_on: datetime.date | None = None  # the lead's latest report, approved or awaiting review
    targets: Sequence[TargetFacts] = ()
    weight: float = 1.0


@dataclass(frozen=True)
class ItemResult:
    key: object
    percent: float
    expected: float
    light: str
    done: bool
    overdue: bool
    reported_this_cycle: bool
    targets_total: int
    targets_met: int
    placeholders: int
    flags: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True)
class GroupResult:
    """A section's or a plan's roll-up."""

    key: object
    percent: float
    expected: float
    light: str
    items: dict[str, int] = field(default_factory=dict)  # green/yellow/red/done -> count
    targets_total: int = 0
    targets_met: int = 0
    placeholders: int = 0


def _clamp(value: float) -> float:
    return max(0.0, min(100.0, value))


@lru_cache(maxsize=4096)  # a plan has few distinct due dates
def expected_percent(*, start: datetime.date, due: datetime.date, today: datetime.date) -> float:
    """Share of the time from `start` to `due` that has passed by the end of `today`, in percent."""
    if today >= due:
        return 100.0
    total = (due - start).days + 1
    if total <= 0:
        return 100.0
    return _clamp(100.0 * ((today - start).days + 1) / total)


def is_measured(target: TargetFacts) -> bool:
    return target.target_value is not None and target.kind in (COUNT, PERCENTAGE, COVERAGE)


def target_progress(target: TargetFacts) -> float | None:
    """0–100 for a measured target, None for a placeholder or an unmeasurable one."""
    if not is_measured(target):
        return None
    current = target.current_value or 0.0
    goal = target.target_value
    if target.kind == COUNT:
        return 100.0 if goal <= 0 else _clamp(100.0 * current / goal)
    # A rate or a coverage is a percentage already: itself, and 100 once the goal is reached.
    return 100.0 if current >= goal else _clamp(current)


def target_met(target: TargetFacts) -> bool:
    return is_measured(target) and (target.current_value or 0.0) >= target.target_value


def item_rollup(item: ItemFacts, rules: Rules) -> ItemResult:
    measured = [t for t in item.targets if is_measured(t)]
    placeholders = sum(1 for t in item.targets if t.target_value is None)
    flags = ["placeholder"] * bool(placeholders)
    parts = [target_progress(t) for t in measured]
    from_targets = sum(parts) / len(parts) if parts else None
    done = item.status == DONE
    if item.reported_percent is not None and from_targets is not None:
        percent = min(float(item.reported_percent), from_targets)
    elif from_targets is not None:
        percent = from_targets
    elif item.reported_percent is not None:
        percent = float(item.reported_percent)
    else:
        percent = 0.0
        flags.append("no_data")
    met = sum(1 for t in measured if target_met(t))
    if done and met == len(measured):
        percent = 100.0
    if measured:
        expected = sum(expected_percent(start=rules.plan_start, due=t.due_date, today=rules.today) for t in measured)
        expected /= len(measured)
    else:
        expected = expected_percent(start=rules.plan_start, due=item.due_date, today=rules.today)
    overdue = not done and (
        rules.today > item.due_date or any(rules.today > t.due_date and not target_met(t) for t in measured)
    )
    cycle = current_cycle(rules.today, reporting_day=rules.reporting_day, plan_start=rules.plan_start)
    reported = done or reported_in(cycle, item.last_report_on)
    if overdue:
        flags.append("overdue")
    if item.status == DELAYED:
        flags.append("delayed")
    if not reported:
        flags.append("not_reported")
    behind = not done and expected - percent > rules.margin
    if behind:
        flags.append("behind")
    if overdue or item.status == DELAYED:
        light = RED
    elif behind or not reported:
        light = YELLOW
    else:
        light = GREEN
    return ItemResult(
        key=item.key, percent=round(percent, 1), expected=round(expected, 1), light=light, done=done,
        overdue=overdue, reported_this_cycle=reported, targets_total=len(measured), targets_met=met,
        placeholders=placeholders, flags=tuple(flags), weight=float(item.weight),
    )


def _group_light(percent: float, expected: float, red_share: float, any_red: bool, margin: float) -> str:
    behind = expected - percent
    if behind > 2 * margin or red_share >= 1 / 3:
        return RED
    if behind > margin or any_red:
        return YELLOW
    return GREEN


def _counts(items: Sequence[ItemResult]) -> dict[str, int]:
    counts = {GREEN: 0, YELLOW: 0, RED: 0, DONE: 0}
    for item in items:
        counts[item.light] += 1
        counts[DONE] += item.done
    return counts


def section_rollup(key, items: Sequence[ItemResult], rules: Rules) -> GroupResult:
    """Weighted mean of the items; a section without items (or all weight 0) is 0% and green."""
    total = sum(item.weight for item in items)
    if total <= 0:
        return GroupResult(key=key, percent=0.0, expected=0.0, light=GREEN, items=_counts(items),
                           placeholders=sum(i.placeholders for i in items))
    percent = sum(item.percent * item.weight for item in items) / total
    expected = sum(item.expected * item.weight for item in items) / total
    red_share = sum(item.weight for item in items if item.light == RED) / total
    return GroupResult(
        key=key, percent=round(percent, 1), expected=round(expected, 1),
        light=_group_light(percent, expected, red_share, red_share > 0, rules.margin),
        items=_counts(items), targets_total=sum(i.targets_total for i in items),
        targets_met=sum(i.targets_met for i in items), placeholders=sum(i.placeholders for i in items),
    )


def plan_rollup(key, sections: Sequence[GroupResult], items: Sequence[ItemResult], rules: Rules) -> GroupResult:
    """The plain mean of the sections (each section counts the same, whatever its size)."""
    if not sections:
        return GroupResult(key=key, percent=0.0, expected=0.0, light=GREEN, items=_counts(items))
    percent = sum(s.percent for s in sections) / len(sections)
    expected = sum(s.expected for s in sections) / len(sections)
    weight = sum(i.weight for i in items)
    red_share = sum(i.weight for i in items if i.light == RED) / weight if weight > 0 else 0.0
    return GroupResult(
        key=key, percent=round(percent, 1), expected=round(expected, 1),
        light=_group_light(percent, expected, red_share, any(i.light == RED for i in items), rules.margin),
        items=_counts(items), targets_total=sum(s.targets_total for s in sections),
        targets_met=sum(s.targets_met for s in sections), placeholders=sum(s.placeholders for s in sections),
    )


@dataclass(frozen=True)
class PlanRollupResult:
    plan: GroupResult
    sections: list[GroupResult]
    items: list[ItemResult]


def rollup(plan_key, sections: Sequence[tuple[object, Sequence[ItemFacts]]], rules: Rules) -> PlanRollupResult:
    """The whole plan: items, then sections (weighted), then the plan (mean of sections)."""
    all_items, section_results = [], []
    for section_key, facts in sections:
        items = [item_rollup(item, rules) for item in facts]
        all_items.extend(items)
        section_results.append(section_rollup(section_key, items, rules))
    return PlanRollupResult(plan=plan_rollup(plan_key, section_results, all_items, rules), sections=section_results,
                            items=all_items)
