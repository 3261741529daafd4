"""The roll-up rule: an item's official progress (认定进度), a section's and a plan's, and their traffic light.

Pure functions over plain numbers and dates — no ORM — so the rule is tested on
hand-computed tables and runs the same in the job, a benchmark or a test. Every
page, export and API shows the figure this rule gives (stored in ItemRollup and
friends); nothing else computes progress.

The rule
--------
Target progress (0–100):
  count        current / target × 100, at most 100;
  percentage   the reported rate itself (入会率 93 → 93), and 100 once the target rate is reached;
  coverage     the reported coverage percentage; 100 when met (全覆盖);
  placeholder  target value 待定 (NULL): no measure — left out of every mean and flagged;
  no reading   nothing reported for the target yet: no measure yet — left out and flagged
               (shown as "no reading", never as 0);
  other        no measure — left out.

An item has two parts, each shown beside the official figure:
  reported (报送进度)   the percent of the lead department's latest approved report (the item's
                       progress_percent, set by progress.services), or what another app measures
                       for it (brands: the mean of the item's brands);
  targets (指标完成)     the mean progress of its measured targets with a reading.
Official progress (认定进度):
  both parts    the lower of the two: a report cannot claim more than its targets show, and
                targets met do not finish work the department says is still open;
  one part      that part;
  neither       0, flagged "no_data".
  An item reported done is 100 unless a measured target is still short.

Expected progress (序时进度): with checkpoints (节点), the line through them — from 0 on
the plan's first day to each checkpoint's expected percent on its date (a checkpoint
without one lies on the straight line), then to 100 on the due date. Without
checkpoints, the share of time elapsed from the plan's first day to the due date;
with measured targets, the mean over the targets, each against its own due date — a
two-year target (利用2年…) is half-way expected after the first year, not late.

Done: reported done (and, where the plan asks for it, checked and closed by the
office: 销号; until then it is flagged "awaiting_check" and not done).

Item light:
  red     overdue (past its due date and not done, a measured target past its own due
          date and not met, or a checkpoint passed and not met — no approved report
          answering it or dated by its date reached its expected percent: 逾期未完成;
          see `checkpoint_met` — all count as overdue) or reported delayed (滞后);
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
class CheckpointFacts:
    due_date: datetime.date
    expected_percent: float | None = None  # None: on the straight line
    # The highest percent of the approved reports that count for the checkpoint (those answering it,
    # and any dated on or before its date: progress.selectors.checkpoint_reached); None: no such report.
    reached: float | None = None


MET, MISSED, UPCOMING = "met", "missed", "upcoming"  # 已达成 / 逾期未完成 / 未到期


def checkpoint_met(checkpoint: CheckpointFacts, *, done: bool = False) -> bool:
    """The one definition of a met checkpoint (节点达成), for the lights, the item page and the report form.

    Met when the item is done, or when an approved report that counts for it (see `reached`)
    reached its expected percent; a checkpoint expecting no percent is met by any such report.
    """
    if done:
        return True
    if checkpoint.reached is None:
        return False
    return checkpoint.expected_percent is None or checkpoint.reached >= float(checkpoint.expected_percent)


def checkpoint_state(checkpoint: CheckpointFacts, *, today: datetime.date, done: bool = False) -> str:
    """MET; MISSED (逾期未完成) once its date has passed unmet; else UPCOMING."""
    if checkpoint_met(checkpoint, done=done):
        return MET
    return MISSED if today > checkpoint.due_date else UPCOMING


@dataclass(frozen=True)
class ItemFacts:
    key: object
    due_date: datetime.date
    status: str = "not_started"  # from the lead's approved reports
    reported_percent: float | None = None  # None: no approved lead report yet
    last_report_on: datetime.date | None = None  # the lead's latest report, approved or awaiting review
    targets: Sequence[TargetFacts] = ()
    weight: float = 1.0
    checkpoints: Sequence[CheckpointFacts] = ()
    measured_by: str = ""  # who gives the reported part when not a report ("brands")
    awaiting_check: bool = False  # reported done, the office's check (销号) still to come
    cycle_months: int = 1  # the item's reporting cycle: monthly, quarterly (3), half-yearly (6)


# Why the official figure is what it is (shown as one line beside it).
BOTH_AGREE, LOWER_OF_BOTH, REPORT_ONLY, TARGETS_ONLY, DONE_AND_MET, NO_DATA = (
    "both_agree", "lower_of_both", "report_only", "targets_only", "done_and_met", "no_data")


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
    reported_percent: float | None = None  # the reported part (报送进度), None: no approved report
    targets_percent: float | None = None  # the targets part (指标完成), None: no measured target with a reading
    basis: str = NO_DATA  # why the official figure is what it is
    unread_targets: int = 0  # measured targets without a reading yet


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
    """0–100 for a measured target with a reading, None for a placeholder, one without a reading or an unmeasurable one."""
    if not is_measured(target) or target.current_value is None:
        return None
    current = target.current_value
    goal = target.target_value
    if target.kind == COUNT:
        return 100.0 if goal <= 0 else _clamp(100.0 * current / goal)
    # A rate or a coverage is a percentage already: itself, and 100 once the goal is reached.
    return 100.0 if current >= goal else _clamp(current)


def target_met(target: TargetFacts) -> bool:
    return is_measured(target) and (target.current_value or 0.0) >= target.target_value


def checkpoint_expected(
    checkpoints: Sequence[CheckpointFacts], *, start: datetime.date, due: datetime.date, today: datetime.date
) -> float:
    """The expected percent at the end of `today` on the line through the checkpoints (see the rule above).

    Days are counted as `expected_percent` counts them: the end of day n of the plan is n.
    """
    if today >= due:
        return 100.0

    def end_of(day: datetime.date) -> int:
        return (day - start).days + 1

    points = [(0, 0.0)]
    for checkpoint in sorted(checkpoints, key=lambda c: c.due_date):
        x = end_of(checkpoint.due_date)
        if checkpoint.expected_percent is None or checkpoint.due_date >= due or x <= points[-1][0]:
            continue  # on the straight line, after the due date, or before the plan: it does not bend the line
        points.append((x, max(points[-1][1], _clamp(float(checkpoint.expected_percent)))))
    points.append((end_of(due), 100.0))
    now = end_of(today)
    if now <= 0:
        return 0.0
    for (x_a, value_a), (x_b, value_b) in zip(points, points[1:]):
        if now <= x_b:
            return _clamp(value_a + (value_b - value_a) * (now - x_a) / (x_b - x_a))
    return 100.0


def _official(reported: float | None, targets: float | None, *, done: bool, all_met: bool) -> tuple[float, str]:
    if done and all_met:
        return 100.0, DONE_AND_MET
    if reported is not None and targets is not None:
        lower = min(reported, targets)
        return lower, BOTH_AGREE if round(reported, 1) == round(targets, 1) else LOWER_OF_BOTH
    if targets is not None:
        return targets, TARGETS_ONLY
    if reported is not None:
        return reported, REPORT_ONLY
    return 0.0, NO_DATA


_MEASURED_KINDS = frozenset((COUNT, PERCENTAGE, COVERAGE))


@lru_cache(maxsize=64)  # a plan asks a few (today, reporting day, start, months): once each
def _cycle(today: datetime.date, reporting_day: int, plan_start: datetime.date, months: int):
    return current_cycle(today, reporting_day=reporting_day, plan_start=plan_start, months=months)


@lru_cache(maxsize=4096)
def _expected(start: datetime.date, due: datetime.date, today: datetime.date) -> float:
    return expected_percent(start=start, due=due, today=today)


def item_rollup(item: ItemFacts, rules: Rules) -> ItemResult:
    # One pass over the targets gives what is_measured, target_progress and target_met give one by one
    # (the same rules, written out: the roll-up asks them of every target of every item).
    today, start = rules.today, rules.plan_start
    measured = read = met = placeholders = 0
    progress, expectations, target_overdue = [], [], False
    for t in item.targets:
        goal = t.target_value
        if goal is None:
            placeholders += 1
            continue
        if t.kind not in _MEASURED_KINDS:
            continue
        measured += 1
        current = t.current_value
        reached = (current or 0.0) >= goal
        met += reached
        if current is not None:
            read += 1
            if t.kind == COUNT:
                progress.append(100.0 if goal <= 0 else _clamp(100.0 * current / goal))
            else:  # a rate or a coverage is a percentage already: itself, and 100 once the goal is reached
                progress.append(100.0 if current >= goal else _clamp(current))
        expectations.append(_expected(start, t.due_date, today))
        if not reached and today > t.due_date:
            target_overdue = True
    flags = ["placeholder"] * bool(placeholders) + ["no_reading"] * bool(read < measured)
    from_targets = sum(progress) / read if read else None
    reported = None if item.reported_percent is None else float(item.reported_percent)
    done = item.status == DONE and not item.awaiting_check
    if item.awaiting_check:
        flags.append("awaiting_check")
    percent, basis = _official(reported, from_targets, done=done, all_met=met == measured)
    if basis == NO_DATA:
        flags.append("no_data")
    if item.checkpoints:
        expected = checkpoint_expected(item.checkpoints, start=start, due=item.due_date, today=today)
    elif measured:
        expected = sum(expectations) / measured
    else:
        expected = _expected(start, item.due_date, today)
    missed = [c for c in item.checkpoints if checkpoint_state(c, today=today, done=done) == MISSED]
    overdue = not done and (today > item.due_date or target_overdue or bool(missed))
    if missed and not done:
        flags.append("checkpoint_missed")
    reported_this_cycle = done or reported_in(_cycle(today, rules.reporting_day, start, item.cycle_months),
                                              item.last_report_on)
    if overdue:
        flags.append("overdue")
    if item.status == DELAYED:
        flags.append("delayed")
    if not reported_this_cycle:
        flags.append("not_reported")
    behind = not done and expected - percent > rules.margin
    if behind:
        flags.append("behind")
    if overdue or item.status == DELAYED:
        light = RED
    elif behind or not reported_this_cycle:
        light = YELLOW
    else:
        light = GREEN
    return ItemResult(
        key=item.key, percent=round(percent, 1), expected=round(expected, 1), light=light, done=done,
        overdue=overdue, reported_this_cycle=reported_this_cycle, targets_total=measured, targets_met=met,
        placeholders=placeholders, flags=tuple(flags), weight=float(item.weight),
        reported_percent=None if reported is None else round(reported, 1),
        targets_percent=None if from_targets is None else round(from_targets, 1),
        basis=basis, unread_targets=measured - read,
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
    measured_by: dict = field(default_factory=dict)  # item key -> who measures its reported part
    late_ranks: dict = field(default_factory=dict)  # item key -> its place in the late list (1 = worst)


def is_late(item: ItemResult) -> bool:
    """The one rule of who is late (催办, the desk and the dashboard's late list read it as ItemRollup.late_rank):
    not done, and red, overdue or not reported this cycle."""
    return not item.done and (item.light == RED or item.overdue or not item.reported_this_cycle)


def late_ranks(items: Sequence[tuple[ItemResult, ItemFacts]]) -> dict:
    """item key -> its place among the late items, worst first: overdue before red before only unreported,
    then the earliest due date (none last), then the plan's order (the order `items` come in). Kept with the
    roll-up so a page reads the first twenty late items down an index instead of sorting the plan."""
    late = [(result, facts, position) for position, (result, facts) in enumerate(items) if is_late(result)]
    late.sort(key=lambda row: (not row[0].overdue, row[0].light != RED, row[1].due_date is None,
                               row[1].due_date or datetime.date.max, row[2]))
    return {result.key: rank for rank, (result, _facts, _position) in enumerate(late, start=1)}


def rollup(plan_key, sections: Sequence[tuple[object, Sequence[ItemFacts]]], rules: Rules) -> PlanRollupResult:
    """The whole plan: items, then sections (weighted), then the plan (mean of sections)."""
    all_items, all_facts, section_results = [], [], []
    for section_key, facts in sections:
        items = [item_rollup(item, rules) for item in facts]
        all_items.extend(items)
        all_facts.extend(facts)
        section_results.append(section_rollup(section_key, items, rules))
    return PlanRollupResult(plan=plan_rollup(plan_key, section_results, all_items, rules), sections=section_results,
                            items=all_items, late_ranks=late_ranks(list(zip(all_items, all_facts))))
