"""Measurable targets in an item's text: counts (X家…), percentages (达X%), coverage (实现…全覆盖).

A plan is full of numbers that are not targets: slogans in quotes (“两个维护”),
congress names (十九届四中全会), years (2019年度), idioms (一个都不能少). So a
number only counts when it stands with a measure word *and* an action verb in
the same clause, and quoted spans are blanked out before anything is matched.
"X" is how the plan writes a value still to be decided: it gives value None.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from core.numerals import CHINESE_NUMERAL, chinese_numeral_value

from .document import ParsedTarget, TargetKind

PLACEHOLDER = "X"
PERCENT_UNIT = "%"
FULL_COVERAGE = Decimal(100)

CLAUSE_DELIMITERS = frozenset("，；。！？;\n")
OPENING_BRACKETS = frozenset("（(")
CLOSING_BRACKETS = frozenset("）)")
QUOTE_PAIRS = {"“": "”", "「": "」", "『": "』", "《": "》", "‘": "’", '"': '"'}
MASK = "□"  # stands in for quoted text: same length, so positions still match the original


ACTION_VERBS = (
    "创建|新建|建成|建设|建立|举办|培训|培养|培育|推荐|申报|命名|组织|开展|实现|新增|评选|选树|表彰"
    "|扶持|帮扶|慰问|资助|救助|发放|召开|完成|打造|走访|审计|吸纳|安置|转移|招聘|提供|服务|选拔"
    "|发展|覆盖|办好|达到|帮助|引导|认定|授予|争创|创评"
)
# Single-character "verbs" (为 X 名职工, 对 X 个工会) are only trusted before X or digits:
# before a Chinese numeral they are too often part of another word (成为两个…).
PREPOSITION_VERBS = "为|对|向|给"
UNITS = (
    "万人次|人次|万人|万户|万元|亿元|场次|家|个|名|期|项|所|座|处|场|次|户|人(?!民)|支|批|件|套|台|条|篇|班|辆|间|位"
)

# "不少于8个竞赛项目": the number stands after a comparison instead of a verb.
COMPARATORS = "不少于|不低于|至少|多于|超过|达到|达"
VERB = re.compile(f"(?:{ACTION_VERBS}|{PREPOSITION_VERBS}|{COMPARATORS})")
COUNT_IN_DIGITS = re.compile(rf"(?<![A-Za-z\d.．])(?P<value>[XＸ]+|\d+(?:\.\d+)?)\s*(?P<unit>{UNITS})")
COUNT_IN_WORDS = re.compile(rf"(?:{ACTION_VERBS}|{COMPARATORS})(?P<value>{CHINESE_NUMERAL})(?P<unit>{UNITS})")
# "举办培训班三期": the numeral after the noun, closing the clause (never "一个都不能少" inside it).
COUNT_IN_WORDS_AFTER_NOUN = re.compile(
    rf"(?<=[\u4e00-\u9fff])(?P<value>{CHINESE_NUMERAL})(?P<unit>{UNITS})(?=(?:以上|左右|次)?$|[、和及与])"
)
VAGUE_COUNTS = frozenset({("一", "批"), ("一", "些")})  # "培育一批典型": a way of speaking, not a target

PERCENT_VALUE = re.compile(r"(?P<value>[XＸ]+|\d+(?:\.\d+)?)\s*[%％]")
_ONE_PERCENT = r"(?:[XＸ]+|\d+(?:\.\d+)?)\s*[%％]"
PERCENTAGE = re.compile(
    r"(?:分别)?(?:达到|达|提高到|提升到|提高至|提升至|保持在|稳定在|控制在|不低于|不少于|超过)\s*"
    rf"(?P<values>{_ONE_PERCENT}(?:\s*[、和及/]\s*{_ONE_PERCENT})*)\s*(?:以上|以内|以下|左右)?"
)
COVERAGE = re.compile(r"实现(?P<subject>[^，；。]*?)全覆盖")

LEVEL = re.compile(r"国家级|全国|自治区级|省级|市级|县[（(]市、区[)）]级|县级|区级|乡镇级|乡镇（街道）级")
LEVEL_SPELLINGS = {"县（市、区）级": "县级", "县(市、区)级": "县级", "县（市、区)级": "县级", "县(市、区）级": "县级"}

YEAR_END = re.compile(r"(?:到|在|于)?(?P<year>\d{4})年(?:(?P<month>\d{1,2})月)?(?:底|末)前?")
YEAR_STARTING_CLAUSE = re.compile(r"^(?:力争|争取|确保)?(?:到|在|于)?(?P<year>\d{4})年(?:内)?(?!度|\d|底|末)")
WITHIN_YEARS = re.compile(rf"(?:利用|通过|用|经过|花)(?P<years>\d+|{CHINESE_NUMERAL})年")
DATE_ONLY_CLAUSE = re.compile(r"^(?:力争|争取|确保)?(?:到|在|于)?\d{4}年(?:\d{1,2}月)?(?:底|末)前?$")
REFERS_BACK = "其中"  # "其中货车司机…": the clause before it sets the due date, and its target is the whole

LEADING_NOISE = re.compile(
    r"^(?:(?:力争|争取|努力|确保|全年|年内|今年|其中|要|拟|将|使|并|同时|进一步"
    r"|(?:到|在|于)?\d{4}年(?:\d{1,2}月)?(?:底|末)?前?|开展|组织|完成|实现)\s*)+"
)
LEADING_VERBS = re.compile(rf"^(?:{ACTION_VERBS}|{PREPOSITION_VERBS}|{COMPARATORS}|[和及与、\s])+")
TRAILING_ACTION = re.compile(r"(?:进行|开展)[^，；。]*$")
# "宣讲活动100场以上" and "资金不少于500万元": the words around the number are not what is counted.
LEADING_QUALIFIERS = re.compile(r"^(?:及以上|以上|以内|左右|之多|余)+")
TRAILING_QUALIFIERS = re.compile(rf"(?:{COMPARATORS}|以上|共计|共|累计|总计|总数|总量|数量|规模|分别|各)+$")
SUBJECT_JOINERS = "和及与、，, \u3000"
SUBJECT_PUNCTUATION = SUBJECT_JOINERS + "：:；;。.！!？?·"
HEADING_COLON = re.compile("[：:]")
QUOTE_CHARACTERS = re.compile("[“”「」『』‘’\"]")


@dataclass(frozen=True)
class _Clause:
    start: int
    text: str  # as written
    masked: str  # same length, quoted spans blanked
    due_date: date | None


@dataclass(frozen=True)
class _Found:
    position: int
    target: ParsedTarget
    subset: bool = False  # "其中…": a part of the target before it


def extract_targets(text: str, *, plan_year: int) -> list[ParsedTarget]:
    """The targets an item's text sets, in the order they are written; `其中…` ones point to their whole."""
    found: list[_Found] = []
    for clause in _clauses(text, plan_year):
        subset = clause.masked.startswith(REFERS_BACK)
        found.extend(replace(f, subset=subset) for f in (
            *_percentages(clause), *_coverages(clause), *_counts(clause, excluded=_percentage_spans(clause))
        ))
    found.sort(key=lambda f: f.position)
    targets, whole = [], None
    for order, f in enumerate(found):
        parent = whole if f.subset else None
        if not f.subset:
            whole = order
        targets.append(replace(f.target, order=order, parent=parent))
    return targets


def masked_quotes(text: str) -> str:
    """The text with everything inside quotes and 《》 replaced by MASK (same length)."""
    characters = list(text)
    closing: str | None = None
    for index, character in enumerate(text):
        if closing is not None:
            if character == closing:
                closing = None
            else:
                characters[index] = MASK
        elif character in QUOTE_PAIRS:
            closing = QUOTE_PAIRS[character]
    return "".join(characters)


# -- clauses -------------------------------------------------------------------------------------


def _clauses(text: str, plan_year: int) -> list[_Clause]:
    masked = masked_quotes(text)
    clauses: list[_Clause] = []
    carried: date | None = None
    for start, end in _clause_spans(masked):
        written, hidden = text[start:end], masked[start:end]
        offset = len(written) - len(written.lstrip())
        written, hidden = written.strip(), hidden.strip()
        if not written:
            continue
        due = _due_date(hidden, plan_year) or carried
        if due is None and clauses and hidden.startswith(REFERS_BACK):
            due = clauses[-1].due_date
        carried = due if DATE_ONLY_CLAUSE.match(hidden) else None
        clauses.append(_Clause(start=start + offset, text=written, masked=hidden, due_date=due))
    return clauses


def _clause_spans(masked: str) -> list[tuple[int, int]]:
    """Spans between ，；。 that are not inside brackets (县（市、区）级 stays whole)."""
    spans, start, depth = [], 0, 0
    for index, character in enumerate(masked):
        if character in OPENING_BRACKETS:
            depth += 1
        elif character in CLOSING_BRACKETS:
            depth = max(depth - 1, 0)
        elif character in CLAUSE_DELIMITERS and depth == 0:
            spans.append((start, index))
            start = index + 1
        elif character == "," and depth == 0 and not _between_digits(masked, index):
            spans.append((start, index))
            start = index + 1
    spans.append((start, len(masked)))
    return spans


def _between_digits(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isdigit() and text[index + 1].isdigit()


def _due_date(masked_clause: str, plan_year: int) -> date | None:
    if match := YEAR_END.search(masked_clause):
        return _end_of(int(match["year"]), int(match["month"]) if match["month"] else 12)
    if match := WITHIN_YEARS.search(masked_clause):
        return _end_of(plan_year + _number(match["years"]) - 1, 12)
    if match := YEAR_STARTING_CLAUSE.match(masked_clause):
        return _end_of(int(match["year"]), 12)
    return None  # "年内" and no date at all: the item's own due date applies


def _end_of(year: int, month: int) -> date | None:
    if not (1 <= month <= 12 and 1900 <= year <= 2999):
        return None
    return date(year, month, calendar.monthrange(year, month)[1])


def _number(written: str) -> int:
    return chinese_numeral_value(written)


# -- target kinds --------------------------------------------------------------------------------


def _percentages(clause: _Clause) -> list[_Found]:
    found = []
    for match in PERCENTAGE.finditer(clause.masked):
        values = [_value(value["value"]) for value in PERCENT_VALUE.finditer(match["values"])]
        subjects = _split_subjects(_subject_text(clause.text[: match.start()]), len(values))
        for index, (subject, value) in enumerate(zip(subjects, values, strict=True)):
            target = _target(clause, subject, TargetKind.PERCENTAGE, PERCENT_UNIT, value)
            found.append(_Found(clause.start + match.start() + index, target))
    return found


def _percentage_spans(clause: _Clause) -> list[range]:
    return [range(match.start(), match.end()) for match in PERCENTAGE.finditer(clause.masked)]


def _coverages(clause: _Clause) -> list[_Found]:
    found = []
    for match in COVERAGE.finditer(clause.masked):
        subject = _cleaned(clause.text[match.start("subject") : match.end("subject")])
        if not subject:  # "会员卡实现全覆盖": the subject comes first
            subject = _subject_text(clause.text[: match.start()])
        target = _target(clause, subject, TargetKind.COVERAGE, PERCENT_UNIT, FULL_COVERAGE)
        found.append(_Found(clause.start + match.start(), target))
    return found


def _counts(clause: _Clause, *, excluded: list[range]) -> list[_Found]:
    matches = [m for m in _count_matches(clause.masked) if not any(m.start() in span for span in excluded)]
    found = []
    for index, match in enumerate(matches):
        previous_end = matches[index - 1].end() if index else 0
        next_start = matches[index + 1].start() if index + 1 < len(matches) else len(clause.masked)
        subject = _count_subject(clause, match, previous_end, next_start)
        unit = match["unit"]
        target = _target(clause, subject, TargetKind.COUNT, unit, _value(match["value"]))
        found.append(_Found(clause.start + match.start("value"), target))
    return found


def _count_matches(masked: str) -> list[re.Match[str]]:
    subset = masked.startswith(REFERS_BACK)  # "其中省级示范职工书屋2家": the verb was in the clause before
    in_digits = [m for m in COUNT_IN_DIGITS.finditer(masked) if subset or VERB.search(masked, 0, m.start())]
    in_words = [m for m in COUNT_IN_WORDS.finditer(masked) if (m["value"], m["unit"]) not in VAGUE_COUNTS]
    after_noun = [
        m for m in COUNT_IN_WORDS_AFTER_NOUN.finditer(masked)
        if (m["value"], m["unit"]) not in VAGUE_COUNTS and (subset or VERB.search(masked, 0, m.start()))
    ]
    by_start = {m.start("value"): m for m in (*after_noun, *in_words, *in_digits)}
    return sorted(by_start.values(), key=lambda m: m.start("value"))


def _count_subject(clause: _Clause, match: re.Match[str], previous_end: int, next_start: int) -> str:
    """What is counted: the object between the verb and the number, plus what follows the unit."""
    verb = VERB.search(clause.masked, previous_end, match.start("value"))
    before_start = verb.end() if verb else match.start("value")
    # "创建和推荐申报X家…": the verbs chained after the first one are not part of the subject.
    written_before = clause.text[before_start : match.start("value")]
    before = LEADING_VERBS.sub("", written_before)
    if len(_cleaned(before)) == 1:
        before = written_before  # "举办培训班三期": 培训 starts the noun 培训班, it is not a second verb
    after = LEADING_QUALIFIERS.sub("", TRAILING_ACTION.sub("", clause.text[match.end("unit") : next_start]))
    subject = _qualifiers_dropped(before) + after
    if _cleaned(subject):
        return _qualifiers_dropped(_cleaned(subject))
    rest = clause.text[: match.start("value")] + LEADING_QUALIFIERS.sub("", clause.text[match.end("unit") :])
    return _qualifiers_dropped(_subject_text(rest))


def _qualifiers_dropped(text: str) -> str:
    return TRAILING_QUALIFIERS.sub("", text.strip()).strip(SUBJECT_JOINERS)


def _target(clause: _Clause, subject: str, kind: str, unit: str, value: Decimal | None) -> ParsedTarget:
    return ParsedTarget(
        phrase=clause.text,
        subject=subject,
        kind=kind,
        unit=unit,
        value=value,
        level=_level(subject),
        due_date=clause.due_date,
    )


def _with_order(target: ParsedTarget, order: int) -> ParsedTarget:
    return replace(target, order=order)


# -- words ---------------------------------------------------------------------------------------


def _value(written: str) -> Decimal | None:
    if set(written) <= {PLACEHOLDER, "Ｘ"}:
        return None
    if written[0].isdigit():
        return Decimal(written)
    return Decimal(chinese_numeral_value(written))


def _subject_text(text: str) -> str:
    return _cleaned(LEADING_NOISE.sub("", text.strip()))


def _split_subjects(subject: str, count: int) -> list[str]:
    """'A建会率和B入会率' with two values -> ['A建会率', 'B入会率']; one subject per value."""
    if count > 1:
        for separators in ("、", "和", "、和及"):
            parts = [part.strip() for part in re.split(f"[{separators}]", subject)]
            if len(parts) == count and all(parts):
                return parts
    return [subject] * count


def _cleaned(text: str) -> str:
    """The subject alone: no quotes, no joiners or punctuation around it, no "目标：" heading before it."""
    subject = QUOTE_CHARACTERS.sub("", text).strip(SUBJECT_JOINERS)
    return subject_cleaned(subject)


def subject_cleaned(subject: str) -> str:
    """"目标：建会率" -> "建会率", "：省级示范职工书屋" -> "省级示范职工书屋" (what splitting at "目标：" or "其中：" left).

    A colon inside a subject only ever closes a heading (目标、其中、主要任务), so what follows it is the subject;
    the migration that cleaned the rows imported before this fix calls it too.
    """
    after_heading = HEADING_COLON.split(subject)[-1]
    return after_heading.strip(SUBJECT_PUNCTUATION) or subject.strip(SUBJECT_PUNCTUATION)


def _level(subject: str) -> str:
    match = LEVEL.search(subject)
    if not match:
        return ""
    return LEVEL_SPELLINGS.get(match.group(), match.group())
