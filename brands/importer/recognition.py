"""Which quoted names of a 工作要点 are its flagship brands (品牌), and what the document says of them.

Pure functions over the parser's dataclasses (`tasks.importer.document`): no
database, no list of brand names. The rule:

1. A *counted enumeration*: a run of two or more quoted names written one after
   another (“A”“B”、“C”和“D”), followed at once by a count equal to the number
   of names (等五项, 三大, 4个 …), in a sentence that speaks of brands (品牌).
   Item 18 of the 2020 plan: “党工共建”“百里边防工会建设”“工会助力脱贫攻坚”
   “工人文化宫建设”“劳模（工匠）讲堂”等五项重点创建工作，…工作品牌.
2. Otherwise an *announced list*: the item announces N brands (五大品牌,
   四大工作品牌) and holds exactly one run of N quoted names.

Everything else quoted is not a brand: a single name (打造“工会助力脱贫攻坚”品牌,
“三亮”), a run whose count disagrees (“参与、维护、建设、教育”四项基本职能) or a
run without a count (“三亮”和“六有工会”的标准). Such single mentions make an item
a brand's *related item*: every other item that quotes the brand's name,
compared without brackets (“劳模工匠讲堂” is “劳模（工匠）讲堂”).

What the document says of each brand:
- description: when the text before the enumeration holds exactly one clause
  (；) per brand, in the enumeration's order, that clause (the first one without
  the item's opening sentences); otherwise the first sentence or clause that
  names the brand;
- target date: 到2021年底 → 2021-12-31 (a year before the plan's is ignored); else 通过2年/利用2年 → the end of the
  plan's next year; else the end of the plan year;
- target level: the first level word after the enumeration (…的省级工会工作品牌);
- criteria: the quoted qualities after the enumeration that stand before 的
  (“叫得响、实效佳、档次高”的…).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from core.numerals import chinese_numeral_value
from tasks.importer.document import ParsedItem, ParsedPlan
from tasks.importer.parser import QUOTED_NAME

BRAND_WORD = "品牌"

_NUMBER = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"
COUNT_AFTER_RUN = re.compile(rf"\s*等?\s*(?P<count>{_NUMBER})\s*(?:项|个|大|种|类)")
ANNOUNCED_COUNT = re.compile(rf"(?P<count>{_NUMBER})大[^。；，,“”\"]{{0,8}}?{BRAND_WORD}")
RUN_GAP = re.compile(r"[、\s和及与]*")
YEAR_END = re.compile(r"(?P<year>\d{4})年底")
DURATION = re.compile(rf"(?:利用|通过|经过|用)\s*(?P<count>{_NUMBER})\s*年")
CLAUSE_END = "。！？；;"
SENTENCE_END = "。！？"
BRACKETS = re.compile(r"[（）()【】\[\]〔〕\s]")

# Level words as documents write them -> brands.models.Level values.
LEVEL_WORDS = (
    ("全国", "national"),
    ("国家级", "national"),
    ("省级", "province"),
    ("自治区级", "province"),
    ("市级", "city"),
    ("县级", "county"),
)


@dataclass(frozen=True)
class ParsedBrand:
    name: str  # as quoted, e.g. "劳模（工匠）讲堂"
    item_number: int  # the item that enumerates the brands
    order: int  # 0-based, in document order
    description: str  # the item's clause about this brand
    start_date: datetime.date
    target_date: datetime.date
    target_level: str  # a brands.models.Level value, "" when the document names none
    criteria: str  # e.g. "叫得响、实效佳、档次高"
    related_item_numbers: tuple[int, ...] = ()  # other items that quote the name


@dataclass(frozen=True)
class _Run:
    names: tuple[str, ...]
    start: int
    end: int


def recognize_brands(plan: ParsedPlan) -> list[ParsedBrand]:
    """The plan's brands in document order; a name listed by two items counts once (the first)."""
    brands: list[ParsedBrand] = []
    seen: set[str] = set()
    for item in plan.items:
        run = _brand_run(item.body)
        if run is None:
            continue
        details = _details(item.body, run, plan_year=plan.year)
        for name, description in zip(run.names, details.descriptions):
            if normalized(name) in seen:
                continue
            seen.add(normalized(name))
            brands.append(
                ParsedBrand(
                    name=name,
                    item_number=item.number,
                    order=len(brands),
                    description=description,
                    start_date=datetime.date(plan.year, 1, 1),
                    target_date=details.target_date,
                    target_level=details.target_level,
                    criteria=details.criteria,
                    related_item_numbers=_related(plan, name, exclude=item),
                )
            )
    return brands


def normalized(name: str) -> str:
    """A name without brackets and spaces: “劳模工匠讲堂” and “劳模（工匠）讲堂” are one."""
    return BRACKETS.sub("", name)


def _runs(body: str) -> list[_Run]:
    """Quoted names written one after another, joined by nothing, 、 or 和/及/与."""
    runs: list[_Run] = []
    names: list[str] = []
    start = end = 0
    for match in QUOTED_NAME.finditer(body):
        name = next(group for group in match.groups() if group).strip()
        if names and RUN_GAP.fullmatch(body[end : match.start()]):
            if name not in names:
                names.append(name)
        else:
            if names:
                runs.append(_Run(tuple(names), start, end))
            names, start = [name], match.start()
        end = match.end()
    if names:
        runs.append(_Run(tuple(names), start, end))
    return runs


def _sentence_bounds(body: str, start: int, end: int) -> tuple[int, int]:
    before = max(body.rfind(mark, 0, start) for mark in CLAUSE_END) + 1
    after = [body.find(mark, end) for mark in SENTENCE_END]
    return before, min([position for position in after if position >= 0], default=len(body))


def _brand_run(body: str) -> _Run | None:
    if BRAND_WORD not in body:
        return None
    runs = _runs(body)
    for run in runs:
        count = COUNT_AFTER_RUN.match(body, run.end)
        if len(run.names) >= 2 and count and chinese_numeral_value(count["count"]) == len(run.names):
            sentence_start, sentence_end = _sentence_bounds(body, run.start, run.end)
            if BRAND_WORD in body[sentence_start:sentence_end]:
                return run
    for announced in ANNOUNCED_COUNT.finditer(body):
        wanted = chinese_numeral_value(announced["count"])
        fitting = [run for run in runs if len(run.names) == wanted >= 2]
        if len(fitting) == 1:
            return fitting[0]
    return None


@dataclass(frozen=True)
class _Details:
    descriptions: list[str]
    target_date: datetime.date
    target_level: str
    criteria: str


def _details(body: str, run: _Run, *, plan_year: int) -> _Details:
    sentence_start, _sentence_end = _sentence_bounds(body, run.start, run.end)
    after = body[sentence_start:]
    return _Details(
        descriptions=_descriptions(body, run, sentence_start),
        target_date=_target_date(after, plan_year=plan_year),
        target_level=_target_level(body[run.end :]),
        criteria=_criteria(body[run.end :]),
    )


def _descriptions(body: str, run: _Run, sentence_start: int) -> list[str]:
    clauses = [c.strip() for c in re.split(r"[；;]", body[:sentence_start]) if c.strip()]
    keys = [normalized(name) for name in run.names]
    parallel = len(clauses) == len(keys) and not any(
        key in normalized(clause) for i, key in enumerate(keys) for j, clause in enumerate(clauses) if i != j
    )
    if parallel:
        # The first clause also carries the item's opening: keep its last sentence,
        # from the phrase (，) that names the brand on (按照…的思路，巩固提升“A”… -> 巩固提升“A”…).
        first = [s for s in re.split(f"[{SENTENCE_END}]", clauses[0]) if s.strip()]
        clauses[0] = first[-1] if first else clauses[0]
        phrases = clauses[0].split("，")
        naming = next((i for i, phrase in enumerate(phrases) if keys[0] in normalized(phrase)), 0)
        clauses[0] = "，".join(phrases[naming:])
        return [clause.strip().rstrip(SENTENCE_END) for clause in clauses]
    outside = body[:sentence_start] + body[_sentence_bounds(body, run.start, run.end)[1] :]
    pieces = [p.strip() for p in re.split(f"[{CLAUSE_END}]", outside) if p.strip()]
    return [next((p for p in pieces if key in normalized(p)), "") for key in keys]


def _target_date(text: str, *, plan_year: int) -> datetime.date:
    # A year-end before the plan's own year cannot be a target (a date left over
    # from an older document): the duration or the plan year decides then.
    year_end = next((m for m in YEAR_END.finditer(text) if int(m["year"]) >= plan_year), None)
    if year_end:
        return datetime.date(int(year_end["year"]), 12, 31)
    duration = DURATION.search(text)
    if duration and chinese_numeral_value(duration["count"]) >= 1:
        return datetime.date(plan_year + chinese_numeral_value(duration["count"]) - 1, 12, 31)
    return datetime.date(plan_year, 12, 31)


def _target_level(text: str) -> str:
    found = [(text.find(word), value) for word, value in LEVEL_WORDS if word in text]
    return min(found)[1] if found else ""


def _criteria(text: str) -> str:
    for match in QUOTED_NAME.finditer(text):
        if text.startswith("的", match.end()):
            return next(group for group in match.groups() if group).strip()
    return ""


def _related(plan: ParsedPlan, name: str, *, exclude: ParsedItem) -> tuple[int, ...]:
    key = normalized(name)
    return tuple(
        item.number
        for item in plan.items
        if item.number != exclude.number and key in {normalized(quoted) for quoted in item.quoted_names}
    )
