"""完成时限 as plans write it -> a due date, checkpoints (节点) or a reporting cycle; never a guess.

`2023年6月底前`, `6月底`, `9月30日前`, `年底前`, `全年`, `上半年`, `三季度`,
`2023年10月—12月` give one due date; `每季度末` and `每半年` give checkpoints
with the share of the work expected by each (25/50/75/100 %, 50/100 %);
`每月` gives the monthly reporting cycle; `长期坚持` and `持续推进` run all year.
Several of them in a row (`6月底前完成方案，年底前全面完成`) give one checkpoint
each and the last one's date. Anything else is not understood: the text is kept
as written, the item keeps the plan's year end, and the preview lists it.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date

from django.utils.translation import gettext as _

from core.numerals import chinese_numeral_value

from .document import ParsedCheckpoint, ParsedDeadline

MONTHLY, QUARTERLY, HALF_YEARLY = "monthly", "quarterly", "half_yearly"

_Y = r"(?:(?P<year>(?:19|20)\d{2})\s*年(?:度)?)?"
_M = r"(?P<month>\d{1,2}|[一二三四五六七八九十]{1,3})\s*月(?:份)?"
# Words around a date that change nothing: 前, 以前, 完成, 底前完成…
_BEFORE = re.compile(r"^(?:于|在|到|至|截至|截止|截止到|力争|争取|确保|原则上)+")
_AFTER = re.compile(r"(?:之前|以前|前|内|为止|止|结束|完成|全面完成|基本完成|落实|启动|见效)+$")

DAY = re.compile(rf"^{_Y}{_M}\s*(?P<day>\d{{1,2}})\s*[日号]$")
DOTTED = re.compile(r"^(?P<year>(?:19|20)\d{2})[-./](?P<month>\d{1,2})[-./](?P<day>\d{1,2})$")
MONTH = re.compile(rf"^{_Y}{_M}(?P<part>底|末|上旬|中旬|下旬|初)?$")
MONTH_RANGE = re.compile(
    rf"^{_Y}(?P<first>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月?\s*(?:—+|–|-|~|～|至|到)\s*"
    rf"(?:(?P<year2>(?:19|20)\d{{2}})\s*年)?(?P<month>\d{{1,2}}|[一二三四五六七八九十]{{1,3}})\s*月(?:底|末|份)?$"
)
YEAR = re.compile(rf"^{_Y}(?:年底|年末|年内|底|末|全年|本年度|当年)?$")
YEAR_END_WORDS = re.compile(r"^(?:本?年底|本?年末|年内|本年度|今年|当年|全年|全年度|年度内|[Xx]月底)$")
HALF = re.compile(rf"^{_Y}(?P<half>上|下)半年(?:底|末)?$")
QUARTER = re.compile(rf"^{_Y}第?(?P<quarter>[一二三四1-4])季度(?:末|底)?$")
ONGOING = re.compile(r"^(?:长期坚持|长期|持续推进|持续开展|持续|常态化(?:开展|推进)?|长期推进|全年持续|贯穿全年|全年推进|常年)$")
EVERY_QUARTER = re.compile(r"^(?:每季度?(?:末|底|最后一个月)?|按季度?|每个季度末?|逐季)$")
EVERY_HALF_YEAR = re.compile(r"^(?:每半年(?:末|底)?|按半年)$")
EVERY_MONTH = re.compile(r"^(?:每月(?:底|末|初|\d{1,2}日)?|按月|逐月|每个月)$")
PARTS = re.compile(r"[，,；;。\n]+")

QUARTER_ENDS = ((3, 31), (6, 30), (9, 30), (12, 31))
HALF_YEAR_ENDS = ((6, 30), (12, 31))
QUARTER_NUMERALS = "一二三四"


def parse_deadline(text: str, *, plan_year: int) -> ParsedDeadline | None:
    """The deadline `text` states for a plan of `plan_year`; None for an empty text."""
    written = " ".join((text or "").split())
    if not written:
        return None
    normalized = _normalized(written)
    if EVERY_QUARTER.match(normalized):
        return _periodic(written, plan_year, QUARTER_ENDS, QUARTERLY,
                         lambda n: _("End of quarter %(quarter)s") % {"quarter": QUARTER_NUMERALS[n]})
    if EVERY_HALF_YEAR.match(normalized):
        return _periodic(written, plan_year, HALF_YEAR_ENDS, HALF_YEARLY,
                         lambda n: _("First half-year") if n == 0 else _("Second half-year"))
    if EVERY_MONTH.match(normalized):
        return ParsedDeadline(text=written, due_date=date(plan_year, 12, 31), reporting_cycle=MONTHLY, understood=True)
    if ONGOING.match(normalized):
        return ParsedDeadline(text=written, due_date=date(plan_year, 12, 31), understood=True)
    single = _single_date(normalized, plan_year)
    if single is not None:
        return ParsedDeadline(text=written, due_date=single, understood=True)
    return _several_dates(written, plan_year)


def _normalized(text: str) -> str:
    # Full-width digits and letters (２０２３年６月) read as ASCII; spaces go.
    text = unicodedata.normalize("NFKC", text).replace(" ", "")
    text = text.strip("（）()【】[]。.；;，,")
    return text


def _stripped(part: str) -> str:
    part = _BEFORE.sub("", part)
    previous = None
    while previous != part:
        previous = part
        part = _AFTER.sub("", part)
    return part


def _single_date(normalized: str, plan_year: int) -> date | None:
    candidates = [normalized, _stripped(normalized)]
    for part in dict.fromkeys(candidates):
        found = _date_of(part, plan_year)
        if found is not None:
            return found
    return None


def _date_of(part: str, plan_year: int) -> date | None:
    if not part:
        return None
    if YEAR_END_WORDS.match(part):
        return date(plan_year, 12, 31)
    if match := DOTTED.match(part):
        return _day(int(match["year"]), int(match["month"]), int(match["day"]))
    if match := DAY.match(part):
        return _day(_year(match, plan_year), _number(match["month"]), int(match["day"]))
    if match := MONTH_RANGE.match(part):
        year = int(match["year2"]) if match["year2"] else _year(match, plan_year)
        return _month_end(year, _number(match["month"]))
    if match := MONTH.match(part):
        year, month = _year(match, plan_year), _number(match["month"])
        if match["part"] == "上旬":
            return _day(year, month, 10)
        if match["part"] == "中旬":
            return _day(year, month, 20)
        if match["part"] == "初":
            return _day(year, month, 10)
        return _month_end(year, month)
    if match := HALF.match(part):
        return date(_year(match, plan_year), 6, 30) if match["half"] == "上" else date(_year(match, plan_year), 12, 31)
    if match := QUARTER.match(part):
        quarter = int(match["quarter"]) if match["quarter"].isdigit() else QUARTER_NUMERALS.index(match["quarter"]) + 1
        month, day = QUARTER_ENDS[quarter - 1]
        return date(_year(match, plan_year), month, day)
    if (match := YEAR.match(part)) and match["year"]:
        return date(int(match["year"]), 12, 31)
    return None


def _several_dates(written: str, plan_year: int) -> ParsedDeadline:
    """`6月底前完成方案，年底前全面完成`: a checkpoint per part, due on the last; else not understood."""
    parts = [part for part in PARTS.split(written) if part.strip()]
    dated = []
    for part in parts:
        found = _leading_date(_normalized(part), plan_year)
        if found is None:
            return ParsedDeadline(text=written, due_date=None, understood=False)
        dated.append((found, part.strip()))
    if len(dated) < 2 or [d for d, _part in dated] != sorted(d for d, _part in dated):
        return ParsedDeadline(text=written, due_date=None, understood=False)
    checkpoints = tuple(
        ParsedCheckpoint(due_date=due, title=part, expected_percent=None, order=order)
        for order, (due, part) in enumerate(dated)
    )
    return ParsedDeadline(text=written, due_date=dated[-1][0], checkpoints=checkpoints, understood=True)


_LEADING_WORDS = re.compile(r"(?:前|底前|以前|之前)")


def _leading_date(part: str, plan_year: int) -> date | None:
    """The date a part starts with (`6月底前完成方案` -> 6-30), if the rest is what is due by then."""
    found = _single_date(part, plan_year)
    if found is not None:
        return found
    match = _LEADING_WORDS.search(part)
    if match is None:
        return None
    return _single_date(part[: match.end()], plan_year)


def _periodic(written, plan_year, ends, cycle, title) -> ParsedDeadline:
    share = 100 // len(ends)
    checkpoints = tuple(
        ParsedCheckpoint(due_date=date(plan_year, month, day), title=title(order),
                         expected_percent=100 if order == len(ends) - 1 else share * (order + 1), order=order)
        for order, (month, day) in enumerate(ends)
    )
    return ParsedDeadline(text=written, due_date=date(plan_year, 12, 31), checkpoints=checkpoints,
                          reporting_cycle=cycle, understood=True)


def _year(match: re.Match, plan_year: int) -> int:
    return int(match["year"]) if match["year"] else plan_year


def _number(written: str) -> int:
    return chinese_numeral_value(written)


def _month_end(year: int, month: int) -> date | None:
    if not (1 <= month <= 12):
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None
