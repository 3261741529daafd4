"""Plain data that the 工作要点 parser produces: no database, no Django models.

The parser turns a document into these dataclasses; one service
(`tasks.services.plan_import`) writes them in a transaction. Keeping the two
apart lets the parser be tested on strings and the writer on dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


class TargetKind:
    COUNT = "count"
    PERCENTAGE = "percentage"
    COVERAGE = "coverage"
    OTHER = "other"


class ResponsibilityRole:
    LEAD = "lead"
    CO_ORGANIZER = "co_organizer"


class PlanParseError(ValueError):
    """The document cannot be imported; `line` (1-based) says where, when known.

    `problems` lists every problem found when there are several (each already naming its line),
    so that a clerk corrects them all in one go.
    """

    def __init__(self, message: str, *, line: int | None = None, problems: tuple[str, ...] = ()):
        self.message = str(message)
        self.line = line
        self.problems = tuple(problems) or (self.message,)
        super().__init__(self.message)


@dataclass(frozen=True)
class ParsedDepartment:
    name: str  # canonical name (aliases already resolved)
    parent: str | None = None  # canonical name of the parent, for `A<B>`


@dataclass(frozen=True)
class ParsedResponsibility:
    department: str  # canonical department name
    role: str  # ResponsibilityRole.LEAD for the first listed, CO_ORGANIZER for the rest
    order: int  # 0-based position as listed in the document


@dataclass(frozen=True)
class ParsedTarget:
    phrase: str  # the clause of the item text it came from, as written
    subject: str  # what is measured, e.g. "省级劳模和工匠人才创新工作室", "会员卡"
    kind: str  # TargetKind
    unit: str  # "家", "个", "名", "期", "%", ...
    value: Decimal | None  # None where the document says "X" (a placeholder: 待定)
    level: str = ""  # "省级", "市级", "县级" ... or ""
    due_date: date | None = None  # None: the item's due date applies
    order: int = 0  # 0-based position within the item
    parent: int | None = None  # `其中…`: the order of the target it is a part of


@dataclass(frozen=True)
class ParsedCheckpoint:
    due_date: date
    title: str  # what is due, e.g. "第一季度末" or the part of the deadline text it came from
    expected_percent: int | None  # how far the item should be by then (每季度末: 25, 50, 75, 100)
    order: int = 0


@dataclass(frozen=True)
class ParsedDeadline:
    """完成时限 as written, and what it was understood to mean (deadlines.parse_deadline)."""

    text: str  # as written
    due_date: date | None  # None: not understood; the item keeps the plan's year end
    checkpoints: tuple[ParsedCheckpoint, ...] = ()
    reporting_cycle: str = ""  # "monthly", "quarterly", "half_yearly" or "" (the plan's)
    understood: bool = True


@dataclass(frozen=True)
class ParsedItem:
    number: int
    title: str  # text before the first 。
    body: str  # the full text, without the number and without the responsibility clause
    line: int  # 1-based line where the item starts (for a table row: the row's number in its table)
    responsibilities: tuple[ParsedResponsibility, ...] = ()
    targets: tuple[ParsedTarget, ...] = ()
    subheading: str = ""  # the （一）… sub-heading the item stands under, if any
    quoted_names: tuple[str, ...] = ()  # “…” quoted names in order (brands use them)
    deadline: ParsedDeadline | None = None  # 完成时限, from the table or a （完成时限：…） clause
    responsible_leader: str = ""  # 责任领导 as written: a person, never a department
    location: str = ""  # where the item is, for messages: "第12行" or "表格1第5行"


@dataclass(frozen=True)
class ParsedSection:
    number: int  # 1-based
    numeral: str  # "一", "二", ...
    title: str
    line: int
    items: tuple[ParsedItem, ...] = ()
    intro: str = ""  # text between the heading and its first item
    location: str = ""  # for messages, as ParsedItem.location


@dataclass(frozen=True)
class ParsedPlan:
    title: str
    organization: str  # e.g. "市总工会", from the title; "" when not found
    year: int
    general_requirements: str  # 总体要求: the text between the title and the first section
    sections: tuple[ParsedSection, ...]
    departments: tuple[ParsedDepartment, ...]  # every department, first-appearance order
    aliases: dict[str, str] = field(default_factory=dict)  # alias as written -> canonical
    # Abbreviations with more than one possible full name: written -> candidates. Never guessed; the
    # preview asks (and the written name stays a department of its own unless the admin chooses).
    ambiguous: dict[str, tuple[str, ...]] = field(default_factory=dict)
    preamble: tuple[str, ...] = ()  # lines before the title (disclaimers), not part of the plan
    warnings: tuple[str, ...] = ()

    @property
    def items(self) -> list[ParsedItem]:
        return [item for section in self.sections for item in section.items]
