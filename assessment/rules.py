"""How a department's year-end score is reached: pure rules over plain facts (no ORM).

Every computed part says how its number was reached — the items, dates, chases and
instructions behind it — so a department can check its score line by line.

- on_time       points × items done by their due date / items it leads due in the year;
                an approved extension moves the due date (it is deducted on its own);
- targets       points × targets met / targets with a value, of the items it leads
                (the roll-up's judgement: the same "met" every page shows);
- reporting     points × reporting cycles it reported in / cycles due, for every item it
                leads or co-organizes, each on the item's own cycle (monthly, quarterly…);
- checkpoints   points × checkpoints met / checkpoints passed (met as every page says: progress.rollup);
- chases, extensions, instructions
                deductions: points − per case × (chases received, extensions approved,
                批示 answered after their 时限 or not at all), never below 0;
- self_assessment  all its points when the 自评 was sent by the due date, else none;
- manual        the office's bonuses and deductions (加分/扣分), at most ± its points.

A part with nothing to assess (no checkpoints, say) gives its full points.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

ON_TIME, TARGETS, REPORTING, CHECKPOINTS = "on_time", "targets", "reporting", "checkpoints"
CHASES, EXTENSIONS, INSTRUCTIONS, SELF_ASSESSMENT, MANUAL = (
    "chases", "extensions", "instructions", "self_assessment", "manual")
TENTH = Decimal("0.1")


@dataclass(frozen=True)
class PartRule:
    part_id: int
    kind: str
    name: str
    points: Decimal
    per_case: Decimal | None = None


@dataclass(frozen=True)
class LedItem:
    number: int
    title: str
    due: datetime.date
    done_on: datetime.date | None  # the day it counted as done (销号, or approval without the check)
    targets_total: int = 0
    targets_met: int = 0


@dataclass(frozen=True)
class Cycle:
    item_number: int
    reporting_date: datetime.date
    reported_on: datetime.date | None  # its first report in the cycle


@dataclass(frozen=True)
class CheckpointFact:
    item_number: int
    title: str
    due: datetime.date
    met: bool  # by progress.rollup.checkpoint_met, the one definition every page uses


@dataclass(frozen=True)
class ChaseFact:
    sent_on: datetime.date
    items: tuple[int, ...]
    message: str


@dataclass(frozen=True)
class ExtensionFact:
    item_number: int
    old_due: datetime.date
    new_due: datetime.date


@dataclass(frozen=True)
class InstructionFact:
    item_number: int
    text: str
    due: datetime.date | None
    answered_on: datetime.date | None


@dataclass(frozen=True)
class ManualFact:
    points: Decimal
    reason: str
    by: str


@dataclass
class DepartmentFacts:
    department_id: int
    name: str
    led: list[LedItem] = field(default_factory=list)
    cycles: list[Cycle] = field(default_factory=list)
    checkpoints: list[CheckpointFact] = field(default_factory=list)
    chases: list[ChaseFact] = field(default_factory=list)
    extensions: list[ExtensionFact] = field(default_factory=list)
    instructions: list[InstructionFact] = field(default_factory=list)
    self_sent_on: datetime.date | None = None
    manual: dict[int, list[ManualFact]] = field(default_factory=dict)  # part id -> what the office gave


@dataclass(frozen=True)
class PartResult:
    part_id: int
    kind: str
    name: str
    points: Decimal
    out_of: Decimal
    line: str  # the number in words: "9 of 10 items done on time"
    details: tuple[str, ...] = ()  # what cost points, one line each

    def as_json(self) -> dict:
        return {"part_id": self.part_id, "kind": self.kind, "name": self.name, "points": str(self.points),
                "out_of": str(self.out_of), "line": self.line, "details": list(self.details)}

    @classmethod
    def from_json(cls, data: dict) -> PartResult:
        return cls(part_id=data["part_id"], kind=data["kind"], name=data["name"], points=Decimal(data["points"]),
                   out_of=Decimal(data["out_of"]), line=data["line"], details=tuple(data["details"]))


def _round(value: Decimal) -> Decimal:
    return value.quantize(TENTH, rounding=ROUND_HALF_UP)


def _share(rule: PartRule, good: int, total: int, line: str, details) -> PartResult:
    points = rule.points if total == 0 else _round(rule.points * good / total)
    if total == 0:
        line = _("nothing to assess: full points")
    return PartResult(rule.part_id, rule.kind, rule.name, points, rule.points, line, tuple(details))


def _deduction(rule: PartRule, cases: list[str], line: str) -> PartResult:
    per = rule.per_case if rule.per_case is not None else Decimal(1)
    points = max(Decimal(0), _round(rule.points - per * len(cases)))
    return PartResult(rule.part_id, rule.kind, rule.name, points, rule.points, line, tuple(cases))


def part_score(rule: PartRule, facts: DepartmentFacts, *, today: datetime.date, self_due: datetime.date) -> PartResult:
    """One part of one department's score, with the lines that explain it."""
    if rule.kind == ON_TIME:
        # An item counts once it is due or done: one done early counts now, one not yet due is not late.
        due = [i for i in facts.led if i.due <= today or i.done_on is not None]
        late = [i for i in due if i.done_on is None or i.done_on > i.due]
        line = _("%(good)d of %(total)d items done by their due date") % {"good": len(due) - len(late),
                                                                         "total": len(due)}
        if len(due) < len(facts.led):
            line += _("; %(count)d not yet due") % {"count": len(facts.led) - len(due)}
        # Each message translated once, not once a line: a department of a big plan has hundreds of lines.
        done_late, not_done = _("Item %(number)d, due %(due)s: done %(done)s"), _("Item %(number)d, due %(due)s: not done")
        result = _share(rule, len(due) - len(late), len(due), line,
                        [(done_late if i.done_on else not_done) % {"number": i.number, "due": i.due,
                                                                   "done": i.done_on} for i in late])
        if not due and facts.led:
            result = PartResult(result.part_id, result.kind, result.name, result.points, result.out_of,
                                _("%(count)d items, none due yet: full points") % {"count": len(facts.led)})
        return result
    if rule.kind == TARGETS:
        total = sum(i.targets_total for i in facts.led)
        met = sum(i.targets_met for i in facts.led)
        short = _("Item %(number)d: %(met)d of %(total)d targets met")
        return _share(rule, met, total, _("%(good)d of %(total)d targets met") % {"good": met, "total": total},
                      [short % {"number": i.number, "met": i.targets_met, "total": i.targets_total}
                       for i in facts.led if i.targets_met < i.targets_total])
    if rule.kind == REPORTING:
        due = [c for c in facts.cycles if c.reporting_date <= today]
        missed = [c for c in due if c.reported_on is None]
        gap = _("Item %(number)d: no report for the cycle ending %(day)s")
        return _share(rule, len(due) - len(missed), len(due),
                      _("reported in %(good)d of %(total)d reporting cycles") % {"good": len(due) - len(missed),
                                                                                   "total": len(due)},
                      [gap % {"number": c.item_number, "day": c.reporting_date} for c in missed])
    if rule.kind == CHECKPOINTS:
        passed = [c for c in facts.checkpoints if c.due <= today]
        missed = [c for c in passed if not c.met]
        not_reached = _("Item %(number)d, checkpoint “%(title)s” due %(due)s: not reached")
        return _share(rule, len(passed) - len(missed), len(passed),
                      _("%(good)d of %(total)d checkpoints reached in time") % {"good": len(passed) - len(missed),
                                                                                  "total": len(passed)},
                      [not_reached % {"number": c.item_number, "title": c.title, "due": c.due} for c in missed])
    if rule.kind == CHASES:
        cases = [_("Chased on %(day)s (items %(items)s): %(message)s") % {
            "day": c.sent_on, "items": "、".join(str(n) for n in c.items) or "—", "message": c.message}
            for c in facts.chases]
        return _deduction(rule, cases, _("%(count)d chases received") % {"count": len(cases)})
    if rule.kind == EXTENSIONS:
        cases = [_("Item %(number)d moved from %(old)s to %(new)s") % {
            "number": e.item_number, "old": e.old_due, "new": e.new_due} for e in facts.extensions]
        return _deduction(rule, cases, _("%(count)d extensions approved") % {"count": len(cases)})
    if rule.kind == INSTRUCTIONS:
        late = [i for i in facts.instructions if _instruction_late(i, today)]
        cases = [(_("Item %(number)d: “%(text)s” (deadline %(due)s) answered %(answered)s") if i.answered_on else
                  _("Item %(number)d: “%(text)s” (deadline %(due)s) not answered")) % {
            "number": i.item_number, "text": i.text[:60], "due": i.due or "—", "answered": i.answered_on}
            for i in late]
        return _deduction(rule, cases, _("%(count)d instructions not answered in time") % {"count": len(cases)})
    if rule.kind == SELF_ASSESSMENT:
        on_time = facts.self_sent_on is not None and facts.self_sent_on <= self_due
        line = (_("sent on %(day)s (due %(due)s)") if facts.self_sent_on else _("not sent (due %(due)s)")) % {
            "day": facts.self_sent_on, "due": self_due}
        return PartResult(rule.part_id, rule.kind, rule.name, rule.points if on_time else Decimal(0), rule.points,
                          line, ())
    # manual: what the office gave, within ± the part's points
    given = facts.manual.get(rule.part_id, [])
    total = sum((m.points for m in given), Decimal(0))
    points = max(-rule.points, min(rule.points, total))
    return PartResult(rule.part_id, rule.kind, rule.name, _round(points), rule.points,
                      _("%(count)d bonuses or deductions") % {"count": len(given)},
                      tuple(f"{m.points:+} {m.reason}（{m.by}）" for m in given))


def _instruction_late(instruction: InstructionFact, today: datetime.date) -> bool:
    if instruction.due is None:
        return instruction.answered_on is None
    if instruction.answered_on is None:
        return today > instruction.due
    return instruction.answered_on > instruction.due


def department_score(rules: list[PartRule], facts: DepartmentFacts, *, today: datetime.date,
                     self_due: datetime.date) -> list[PartResult]:
    return [part_score(rule, facts, today=today, self_due=self_due) for rule in rules]


def total_of(parts: list[PartResult], adjustment: Decimal = Decimal(0)) -> Decimal:
    return _round(sum((p.points for p in parts), Decimal(0)) + adjustment)


def default_parts() -> list[tuple[str, str, Decimal, Decimal | None]]:
    """What a 市总工会 scores by default (100 points, plus up to ± 10 for bonuses and deductions)."""
    return [
        (ON_TIME, _("Work items done on time"), Decimal(30), None),
        (TARGETS, _("Targets met"), Decimal(20), None),
        (REPORTING, _("Progress reported on time"), Decimal(15), None),
        (CHECKPOINTS, _("Checkpoints reached"), Decimal(15), None),
        (CHASES, _("Chases (催办) received"), Decimal(5), Decimal(1)),
        (EXTENSIONS, _("Extensions (延期)"), Decimal(5), Decimal(1)),
        (INSTRUCTIONS, _("Leadership instructions (批示) answered in time"), Decimal(5), Decimal(1)),
        (SELF_ASSESSMENT, _("Self-assessment (自评) sent on time"), Decimal(5), None),
        (MANUAL, _("Bonus and deduction (加分/扣分)"), Decimal(10), None),
    ]
