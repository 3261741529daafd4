"""The brand progress rule: pure functions over plain numbers, no ORM.

Milestone: its percent is the one of its latest *approved* report (0 before
any); a milestone reported done counts 100.

Brand progress: the plain mean of its milestones' percents (each milestone
counts the same, whatever its length). A brand without milestones is at 0:
nothing planned is nothing done.

Item progress from brands (how an item that names brands — item 18 of the
2020 plan — is fed): the plain mean of its brands' progress, every brand
counting the same. It becomes the item's reported percent:

- a milestone report is a progress report on the item whose percent is this
  value with the milestone at its new percent (`item_projection`), so when
  the item's lead department reports a milestone and the head approves it,
  the item's official progress is the brands' mean;
- the roll-up job should take this value as the item's `reported_percent`
  (tasks.rollup.ItemFacts) for an item with brands, whichever department
  reported — see `brands.selectors.item_brand_progress`.

Item status from brands: done when every brand is at 100; delayed when any
milestone is reported delayed; not started while nothing has moved; in
progress otherwise.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

NOT_STARTED, IN_PROGRESS, DONE, DELAYED = "not_started", "in_progress", "done", "delayed"


@dataclass(frozen=True)
class MilestoneFacts:
    percent: float
    status: str = NOT_STARTED
    due_date: datetime.date | None = None


@dataclass(frozen=True)
class Projection:
    """What an item that names brands is at: a whole percent and a status (tasks.WorkItem.Status)."""

    percent: int
    status: str


def milestone_percent(milestone: MilestoneFacts) -> float:
    return 100.0 if milestone.status == DONE else max(0.0, min(100.0, float(milestone.percent)))


def brand_progress(milestones: Sequence[MilestoneFacts]) -> float:
    """The mean of the milestones' percents, 0–100, one decimal; 0 without milestones."""
    if not milestones:
        return 0.0
    return round(sum(milestone_percent(m) for m in milestones) / len(milestones), 1)


def item_progress(brands: Sequence[Sequence[MilestoneFacts]]) -> float:
    """The mean of the brands' progress (each brand a sequence of milestones); 0 without brands."""
    if not brands:
        return 0.0
    return round(sum(brand_progress(milestones) for milestones in brands) / len(brands), 1)


def item_projection(brands: Sequence[Sequence[MilestoneFacts]]) -> Projection:
    """The item's percent (rounded half up to a whole number) and status from its brands' milestones."""
    exact = item_progress(brands)
    percent = int(exact + 0.5)
    milestones = [m for group in brands for m in group]
    if brands and exact >= 100:
        status = DONE
    elif any(m.status == DELAYED for m in milestones):
        status = DELAYED
    elif exact == 0 and all(m.status == NOT_STARTED for m in milestones):
        status = NOT_STARTED
    else:
        status = IN_PROGRESS
    if status != DONE:
        percent = min(percent, 99)  # 99.6 is not done: 100 means done
    if status == NOT_STARTED:
        percent = 0
    return Projection(percent=percent, status=status)


def expected_percent(*, start: datetime.date, target: datetime.date, today: datetime.date) -> float:
    """Share of the brand's time (start → target date) elapsed by the end of `today`."""
    if today >= target:
        return 100.0
    total = (target - start).days + 1
    if today < start or total <= 0:
        return 0.0 if today < start else 100.0
    return round(100.0 * ((today - start).days + 1) / total, 1)
