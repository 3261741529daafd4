"""A 工作要点 document's lines -> ParsedPlan: title, 总体要求, sections, items, departments, targets.

Nothing here knows the 2020 plan of the 市总工会: any plan of the usual shape
reads the same way. Sections are 一、… (or 第一部分); items are 1.… When a
plan has （一） headings *and* numbered items the （一） lines are
sub-headings; when it has no numbered items the （一） lines are the items.

A 任务分解表 (tables.py) is a plan of its own when the text has no sections;
beside a text that has them, its rows are the text's items again, and its
departments, leaders and deadlines win.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.numerals import chinese_numeral_value

from .deadlines import parse_deadline
from .departments import (
    ListedDepartment,
    ResponsibilityClause,
    ambiguous_abbreviations,
    resolve_aliases,
    responsibilities,
    split_responsibility_clause,
)
from .document import (
    ParsedDepartment,
    ParsedItem,
    ParsedPlan,
    ParsedSection,
    PlanParseError,
)
from .reading import SourceDocument, SourceTable, split_lines
from .tables import BreakdownTable, TableRow, breakdown_table
from .targets import extract_targets

# What a plan may be: a 工作要点 has tens of items, a city's 任务分解表 a few thousand.
MAX_ITEMS = 5_000
MAX_SECTIONS = 100

_NUMERAL = "[一二三四五六七八九十百]+"

# Numbering styles, outermost first. Which of them are sections, sub-headings
# and items is decided per document (see _Layout).
CHAPTER = "chapter"  # 第一部分 / 第一章
NUMERAL = "numeral"  # 一、 一． 一.
BRACKETED_NUMERAL = "bracketed_numeral"  # （一） (一)
NUMBER = "number"  # 1. 1． 1、 15. (never 2020年…: the number must be followed by . ． 、)
BRACKETED_NUMBER = "bracketed_number"  # （1） (1)

NUMBERING_STYLES: dict[str, re.Pattern[str]] = {
    CHAPTER: re.compile(rf"^第(?P<label>{_NUMERAL})(?:部分|章)[\s、．.:：]*(?P<text>.*)$"),
    NUMERAL: re.compile(rf"^(?P<label>{_NUMERAL})\s*[、．.]\s*(?P<text>.*)$"),
    BRACKETED_NUMERAL: re.compile(rf"^[（(]\s*(?P<label>{_NUMERAL})\s*[)）]\s*[、．.]?\s*(?P<text>.*)$"),
    NUMBER: re.compile(r"^(?P<label>\d{1,3})\s*[.．、](?!\d)\s*(?P<text>.*)$"),
    BRACKETED_NUMBER: re.compile(r"^[（(]\s*(?P<label>\d{1,3})\s*[)）]\s*[、．.]?\s*(?P<text>.*)$"),
}
SECTION_STYLES = (CHAPTER, NUMERAL)

TITLE = re.compile(
    r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<between>.*?)(?:工作要点|工作计划|工作安排|任务分工|任务分解|分解表|重点工作|工作任务|要点|计划)"
)
YEAR = re.compile(r"(?:19|20)\d{2}(?=\s*年)")
MAX_TITLE_LENGTH = 80
DISCLAIMER = re.compile(r"原创|仅供|参考|请勿|转载|来源|声明|版权|免责|作者|编者按|摘自")
ORGANIZATION_TRIM = " \u3000《》“”\"'：:"
TITLE_END = re.compile("。")
TITLE_END_FALLBACK = re.compile("[！；]")
QUOTED_NAME = re.compile(r"“([^“”]+)”|\"([^\"]+)\"|「([^「」]+)」|『([^『』]+)』")


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    text: str  # stripped
    style: str | None
    label: str = ""  # the numeral or number, as written
    rest: str = ""  # the text after it


@dataclass(frozen=True)
class _Layout:
    """Which numbering style plays which part in this document."""

    section: tuple[str, ...]
    subheading: str | None
    item: str | None

    def role(self, style: str | None) -> str:
        if style in self.section:
            return "section"
        if style is not None and style == self.item:
            return "item"
        if style is not None and style == self.subheading:
            return "subheading"
        return "text"


@dataclass
class _ItemDraft:
    number: int
    line: int
    subheading: str
    paragraphs: list[str]
    location: str = ""
    row: TableRow | None = None  # the 任务分解表 row it came from


@dataclass
class _SectionDraft:
    numeral: str
    title: str
    line: int
    intro: list[str] = field(default_factory=list)
    items: list[_ItemDraft] = field(default_factory=list)
    location: str = ""
    numbers: dict[int, _ItemDraft] = field(default_factory=dict, repr=False)  # number -> item, for duplicates


@dataclass(frozen=True)
class _ItemText:
    draft: _ItemDraft
    body: str
    clause: ResponsibilityClause | None
    title: str | None = None  # None: the body's first sentence


def parse_plan_text(text: str, **kwargs) -> ParsedPlan:
    """parse_plan() on a text: its lines are numbered as read_document() would number them."""
    return parse_plan(split_lines(text), **kwargs)


def parse_source(source: SourceDocument, **kwargs) -> ParsedPlan:
    """parse_plan() on what reading.read_source() read: the lines and the tables."""
    return parse_plan(source.lines, tables=source.tables, **kwargs)


def parse_plan(
    lines: list[str],
    *,
    tables: Sequence[SourceTable] = (),
    year: int | None = None,
    organization: str | None = None,
    known_departments: Mapping[str, Sequence[str]] | None = None,
    alias_choices: Mapping[str, str] | None = None,
) -> ParsedPlan:
    """The plan a document's lines (and 任务分解表 tables) describe; raises PlanParseError when it cannot be read.

    `alias_choices` are the admin's answers about abbreviations (written -> full name, "" for its own).
    """
    classified = [_classify(number, text) for number, text in enumerate(lines, start=1) if text.strip()]
    breakdowns = [found for table in tables if (found := breakdown_table(table)) is not None and found.rows]
    if not classified and not breakdowns:
        raise PlanParseError(_("The document is empty."))
    text_has_sections = _has_sections(classified)
    if not text_has_sections and breakdowns:
        return _table_plan(classified, breakdowns, year=year, organization=organization,
                           known_departments=known_departments, alias_choices=alias_choices)
    if not text_has_sections and tables:
        raise PlanParseError(
            _("No section headings (such as “一、…”) and no 任务分解表 (a table whose first row names columns "
              "such as 序号, 工作任务, 牵头部门, 完成时限) were found; is this a work plan?")
        )
    layout = _layout(classified)
    first_section = next(index for index, line in enumerate(classified) if layout.role(line.style) == "section")
    _reject_items_before_sections(classified[:first_section], layout)
    title_index = _title_index(classified[:first_section])
    title = classified[title_index].text if title_index is not None else ""
    after_title = title_index + 1 if title_index is not None else 0
    warnings: list[str] = []
    plan_year = _plan_year(title, classified[after_title:first_section], year, warnings)
    sections = _section_drafts(classified[first_section:], layout, warnings)
    texts = {id(draft): _item_text(draft) for section in sections for draft in section.items}
    if breakdowns:
        _merge_table_rows(sections, texts, [row for table in breakdowns for row in table.rows], warnings)
    return _plan(
        title=title,
        organization=organization if organization is not None else _organization(title),
        year=plan_year,
        general_requirements="\n".join(line.text for line in classified[after_title:first_section]),
        preamble=tuple(line.text for line in classified[: title_index or 0]),
        sections=sections,
        texts=texts,
        known_departments=known_departments,
        alias_choices=alias_choices,
        warnings=warnings,
    )


def _has_sections(lines: Sequence[_Line]) -> bool:
    present = {line.style for line in lines}
    return bool(present & set(SECTION_STYLES)) or BRACKETED_NUMERAL in present


# -- 任务分解表 ------------------------------------------------------------------------------------


def _table_plan(classified, breakdowns: Sequence[BreakdownTable], *, year, organization, known_departments,
                alias_choices) -> ParsedPlan:
    """A plan that is its 任务分解表: the title from the text above it (or the sheet's title rows)."""
    heading_lines = list(classified) + [_classify(0, text) for table in breakdowns for text in table.title_lines]
    title_index = _title_index(heading_lines)
    title = heading_lines[title_index].text if title_index is not None else ""
    after_title = title_index + 1 if title_index is not None else 0
    requirements = heading_lines[after_title:]
    warnings: list[str] = []
    plan_year = _plan_year(title, requirements, year, warnings)
    rows = [row for table in breakdowns for row in table.rows]
    numbers = _table_item_numbers(rows, warnings)
    sections: list[_SectionDraft] = []
    current_key = object()
    for row, number in zip(rows, numbers, strict=True):
        key = (row.table, row.section.row) if row.section else None
        if key != current_key or not sections:
            numeral = row.section.numeral if row.section and row.section.numeral else _numeral(len(sections) + 1)
            title_text = row.section.title if row.section else _("Work items")
            line = row.section.row if row.section else row.row
            sections.append(_SectionDraft(numeral=numeral, title=title_text or _("Work items"), line=line))
            sections[-1].location = _table_location(row.table, line)
            current_key = key
        subheading = row.task if row.task_shared else ""
        draft = _ItemDraft(number=number, line=row.row, subheading=subheading, paragraphs=[],
                           location=_table_location(row.table, row.row), row=row)
        _check_new_item(sections[-1], draft)
        sections[-1].items.append(draft)
    _check_size(sections)
    texts = {id(draft): _row_text(draft) for section in sections for draft in section.items}
    return _plan(
        title=title,
        organization=organization if organization is not None else _organization(title),
        year=plan_year,
        general_requirements="\n".join(line.text for line in requirements),
        preamble=tuple(line.text for line in heading_lines[: title_index or 0]),
        sections=sections,
        texts=texts,
        known_departments=known_departments,
        alias_choices=alias_choices,
        warnings=warnings,
    )


def _table_location(table: int, row: int) -> str:
    return _("table %(table)d, row %(row)d") % {"table": table, "row": row}


def _numeral(number: int) -> str:
    digits = "零一二三四五六七八九"
    if number < 10:
        return digits[number]
    tens, ones = divmod(number, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def _table_item_numbers(rows: Sequence[TableRow], warnings: list[str]) -> list[int]:
    """The 序号 as written when every row has its own (unique in its section); else 1, 2, 3… in order."""
    written = [row.number for row in rows]
    by_section: dict[object, list[int]] = {}
    for row in rows:
        by_section.setdefault((row.table, row.section.row if row.section else None), []).append(row.number)
    if all(number is not None for number in written) and all(
        len(set(numbers)) == len(numbers) for numbers in by_section.values()
    ):
        return [number for number in written if number is not None]
    if any(number is not None for number in written):
        warnings.append(_("The table's 序号 column does not give each row a number of its own; "
                          "the items are numbered 1, 2, 3… in table order."))
    return list(range(1, len(rows) + 1))


def _row_text(draft: _ItemDraft) -> _ItemText:
    row = draft.row
    if row.task_shared:
        body, title = row.measures, _item_title(row.measures)
    elif row.measures:
        body, title = f"{row.task}\n{row.measures}" if row.task else row.measures, _item_title(row.task or row.measures)
    else:
        body, title = row.task, _item_title(row.task)
    clause = ResponsibilityClause(text=row.clause_text, departments=row.departments, leader=row.leader,
                                  deadline=row.deadline)
    return _ItemText(draft=draft, body=body, clause=clause, title=title)


_COMPARABLE = re.compile(r"[\s，,。.、；;：:“”\"（）()《》]+")


def _comparable(text: str) -> str:
    return _COMPARABLE.sub("", text)


def _matches(row: TableRow, text: _ItemText) -> bool:
    """A table row and a text item are the same item when one's title (or task) starts the other's text."""
    title = _comparable(text.title if text.title is not None else _item_title(text.body))
    for candidate in (row.task, row.measures):
        written = _comparable(_item_title(candidate))
        if written and title and (written.startswith(title[:8]) or title.startswith(written[:8])):
            return True
    return False


def _merge_table_rows(sections, texts: dict[int, _ItemText], rows: Sequence[TableRow], warnings: list[str]) -> None:
    """Beside a text plan, a 分解表's rows say again who does each item and by when: the table wins."""
    drafts = [draft for section in sections for draft in section.items]
    by_number: dict[int, list[_ItemDraft]] = {}
    for draft in drafts:
        by_number.setdefault(draft.number, []).append(draft)
    merged: dict[int, list[TableRow]] = {}
    for row in rows:
        candidates = [d for d in by_number.get(row.number, []) if _matches(row, texts[id(d)])] if row.number else []
        if not candidates:
            candidates = [d for d in drafts if _matches(row, texts[id(d)])]
        if len(candidates) != 1:
            warnings.append(
                _("%(where)s: “%(task)s” matches no item of the text (or more than one); it was not imported.")
                % {"where": _table_location(row.table, row.row), "task": _item_title(row.task or row.measures)}
            )
            continue
        merged.setdefault(id(candidates[0]), []).append(row)
    for draft_id, matched in merged.items():
        text = texts[draft_id]
        departments = tuple(d for row in matched for d in row.departments)
        if len(matched) > 1:
            # Several rows of one item: the first row's lead leads, the others' leads co-organize.
            departments = tuple(d if i == 0 or d.lead is not True else ListedDepartment(d.name, d.parent, False)
                                for i, d in enumerate(departments))
        clause = text.clause or ResponsibilityClause(text="", departments=())
        texts[draft_id] = _ItemText(
            draft=text.draft, body=text.body, title=text.title,
            clause=ResponsibilityClause(
                text=clause.text,
                departments=departments or clause.departments,
                leader="；".join(dict.fromkeys(row.leader for row in matched if row.leader)) or clause.leader,
                deadline="；".join(dict.fromkeys(row.deadline for row in matched if row.deadline)) or clause.deadline,
            ),
        )


def _check_size(sections: Sequence[_SectionDraft]) -> None:
    items = sum(len(section.items) for section in sections)
    if items > MAX_ITEMS or len(sections) > MAX_SECTIONS:
        raise PlanParseError(
            _("The document has %(items)d items in %(sections)d sections; a plan may have at most %(max_items)d "
              "items and %(max_sections)d sections. Split it into several plans.")
            % {"items": items, "sections": len(sections), "max_items": MAX_ITEMS, "max_sections": MAX_SECTIONS}
        )


# -- lines and layout ----------------------------------------------------------------------------


def _classify(number: int, text: str) -> _Line:
    text = text.strip()
    for style, pattern in NUMBERING_STYLES.items():
        if match := pattern.match(text):
            return _Line(number=number, text=text, style=style, label=match["label"], rest=match["text"].strip())
    return _Line(number=number, text=text, style=None)


def _layout(lines: Sequence[_Line]) -> _Layout:
    present = {line.style for line in lines}
    if present & set(SECTION_STYLES):
        section, inner = SECTION_STYLES, (BRACKETED_NUMERAL, NUMBER, BRACKETED_NUMBER)
    elif BRACKETED_NUMERAL in present:
        # No 一、 at all: the （一） headings are the outermost level, so they are the sections.
        section, inner = (BRACKETED_NUMERAL,), (NUMBER, BRACKETED_NUMBER)
    else:
        raise PlanParseError(_("No section headings (such as “一、…”) were found; is this a work plan?"))
    # Numbered lines are the items whenever there are any; （一） lines are items only in their absence.
    candidates = [style for style in (NUMBER, BRACKETED_NUMBER, BRACKETED_NUMERAL) if style in inner]
    item = next((style for style in candidates if style in present), None)
    subheading = BRACKETED_NUMERAL if BRACKETED_NUMERAL in inner and item != BRACKETED_NUMERAL else None
    return _Layout(section=section, subheading=subheading, item=item)


def _reject_items_before_sections(lines: Sequence[_Line], layout: _Layout) -> None:
    for line in lines:
        if layout.role(line.style) == "item":
            raise PlanParseError(
                _("Line %(line)d: item %(label)s comes before any section heading (such as “一、…”).")
                % {"line": line.number, "label": line.label},
                line=line.number,
            )


# -- title, year, organization -------------------------------------------------------------------


def _title_index(lines: Sequence[_Line]) -> int | None:
    """The line that looks like a plan title, else the first line that is not a disclaimer."""
    for index, line in enumerate(lines):
        if len(line.text) <= MAX_TITLE_LENGTH and "。" not in line.text and TITLE.search(line.text):
            return index
    for index, line in enumerate(lines):
        if not DISCLAIMER.search(line.text):
            return index
    return None


def _plan_year(title: str, requirements: Sequence[_Line], year: int | None, warnings: list[str]) -> int:
    written = _written_year(title, requirements)
    if year is None:
        if written is None:
            raise PlanParseError(_("No year was found in the title; give the plan's year explicitly."))
        return written
    if written is not None and written != year:
        warnings.append(
            _("The title says %(written)d but the plan is imported as %(year)d.") % {"written": written, "year": year}
        )
    return year


def _written_year(title: str, requirements: Sequence[_Line]) -> int | None:
    """The title's year; failing that, the first year the 总体要求 mentions."""
    for text in (title, *(line.text for line in requirements)):
        if match := YEAR.search(text):
            return int(match.group())
    return None


def _organization(title: str) -> str:
    """市总工会2020年工作要点 -> 市总工会; 2021年某区人社局工作计划 -> 某区人社局."""
    match = TITLE.search(title)
    if not match:
        return ""
    before = title[: match.start("year")].strip(ORGANIZATION_TRIM)
    return before or match["between"].strip(ORGANIZATION_TRIM)


# -- sections and items --------------------------------------------------------------------------


def _section_drafts(lines: Sequence[_Line], layout: _Layout, warnings: list[str]) -> list[_SectionDraft]:
    sections: list[_SectionDraft] = []
    item: _ItemDraft | None = None
    subheading, items = "", 0
    for line in lines:
        role = layout.role(line.style)
        if role == "section":
            sections.append(_SectionDraft(numeral=line.label, title=line.rest, line=line.number,
                                          location=_line_location(line.number)))
            item, subheading = None, ""
            if len(sections) > MAX_SECTIONS:
                _check_size(sections)
        elif role == "subheading":
            # Text between a sub-heading and its first item has no item to go to: it joins the intro.
            item, subheading = None, line.text
        elif role == "item":
            item = _ItemDraft(_item_number(line), line.number, subheading, [line.rest] if line.rest else [],
                              location=_line_location(line.number))
            _check_new_item(sections[-1], item)
            sections[-1].items.append(item)
            items += 1
            if items > MAX_ITEMS:
                _check_size(sections)
        elif item is not None:
            item.paragraphs.append(line.text)
        else:
            sections[-1].intro.append(line.text)
    _warn_about_numbering(sections, warnings)
    return sections


def _item_number(line: _Line) -> int:
    return chinese_numeral_value(line.label)


def _line_location(number: int) -> str:
    return _("line %(line)d") % {"line": number}


def _check_new_item(section: _SectionDraft, item: _ItemDraft) -> None:
    # Items are few per section, but a hostile document has thousands in one: look up, never scan.
    other = section.numbers.get(item.number)
    if other is not None:
        if item.row is not None:
            raise PlanParseError(
                _("%(where)s: item %(number)d appears twice in section %(numeral)s (first in row %(first)d).")
                % {"where": item.location, "number": item.number, "numeral": section.numeral, "first": other.line},
                line=item.line,
            )
        raise PlanParseError(
            _("Line %(line)d: item %(number)d appears twice in section %(numeral)s (first on line %(first)d).")
            % {"line": item.line, "number": item.number, "numeral": section.numeral, "first": other.line},
            line=item.line,
        )
    section.numbers[item.number] = item


def _warn_about_numbering(sections: Sequence[_SectionDraft], warnings: list[str]) -> None:
    last_number = 0
    for position, section in enumerate(sections, start=1):
        if chinese_numeral_value(section.numeral) != position:
            warnings.append(
                _("Line %(line)d: section %(numeral)s is out of sequence (it is section number %(position)d).")
                % {"line": section.line, "numeral": section.numeral, "position": position}
            )
        if not section.items:
            warnings.append(
                _("Line %(line)d: section %(numeral)s “%(title)s” has no items.")
                % {"line": section.line, "numeral": section.numeral, "title": section.title}
            )
        previous = None
        for item in section.items:
            # Numbering may run on through the plan (1…18) or restart in each section.
            expected = {previous + 1} if previous is not None else {1, last_number + 1}
            if item.number not in expected:
                warnings.append(
                    _("Line %(line)d: item %(number)d is out of sequence (expected %(expected)d).")
                    % {"line": item.line, "number": item.number, "expected": max(expected)}
                )
            previous = last_number = item.number


# -- the plan ------------------------------------------------------------------------------------


def _plan(
    *,
    title: str,
    organization: str,
    year: int,
    general_requirements: str,
    preamble: tuple[str, ...],
    sections: Sequence[_SectionDraft],
    texts: dict[int, _ItemText],
    known_departments: Mapping[str, Sequence[str]] | None,
    alias_choices: Mapping[str, str] | None,
    warnings: list[str],
) -> ParsedPlan:
    clauses = [text.clause for text in texts.values() if text.clause is not None]
    written = [name for clause in clauses for department in clause.departments for name in _names_of(department)]
    canonical = resolve_aliases(written, known_departments, alias_choices)
    ambiguous = ambiguous_abbreviations(written, known_departments, alias_choices)
    aliases = {name: full for name, full in canonical.items() if name != full}
    known_aliases = {alias for names in (known_departments or {}).values() for alias in names}
    # An abbreviation the database does not know yet is a guess: say so, so that someone checks it.
    warnings.extend(
        _("Department “%(alias)s” was read as “%(name)s”.") % {"alias": alias, "name": full}
        for alias, full in aliases.items()
        if alias not in known_aliases and alias not in (alias_choices or {})
    )
    warnings.extend(
        _("Department “%(alias)s” could be %(names)s; it is read as written until you choose.")
        % {"alias": alias, "names": "、".join(f"“{name}”" for name in names)}
        for alias, names in ambiguous.items()
    )
    parsed_sections = tuple(
        _section(position, draft, [texts[id(item)] for item in draft.items], canonical, year, warnings)
        for position, draft in enumerate(sections, start=1)
    )
    return ParsedPlan(
        title=title,
        organization=organization,
        year=year,
        general_requirements=general_requirements,
        sections=parsed_sections,
        departments=_departments(clauses, canonical),
        aliases=aliases,
        ambiguous=ambiguous,
        preamble=preamble,
        warnings=tuple(warnings),
    )


def _names_of(department: ListedDepartment) -> list[str]:
    return [department.name] + ([department.parent] if department.parent else [])


def _item_text(draft: _ItemDraft) -> _ItemText:
    body, clause = split_responsibility_clause("\n".join(draft.paragraphs))
    return _ItemText(draft=draft, body=body, clause=clause)


def _section(
    position: int,
    draft: _SectionDraft,
    items: Sequence[_ItemText],
    canonical: Mapping[str, str],
    year: int,
    warnings: list[str],
) -> ParsedSection:
    return ParsedSection(
        number=position,
        numeral=draft.numeral,
        title=draft.title,
        line=draft.line,
        items=tuple(_item(text, canonical, year, warnings) for text in items),
        intro="\n".join(draft.intro),
        location=draft.location,
    )


def _item(text: _ItemText, canonical: Mapping[str, str], year: int, warnings: list[str]) -> ParsedItem:
    draft = text.draft
    title = text.title if text.title is not None else _item_title(text.body)
    responsible = responsibilities(text.clause, canonical)
    if not responsible:
        if draft.row is not None:
            warnings.append(
                _("%(where)s: item %(number)d “%(title)s” names no responsible department.")
                % {"where": draft.location, "number": draft.number, "title": title}
            )
        else:
            warnings.append(
                _("Line %(line)d: item %(number)d “%(title)s” names no responsible department.")
                % {"line": draft.line, "number": draft.number, "title": title}
            )
    deadline = parse_deadline(text.clause.deadline, plan_year=year) if text.clause and text.clause.deadline else None
    if deadline is not None and not deadline.understood:
        warnings.append(
            _("%(where)s: item %(number)d: the deadline “%(deadline)s” was not understood; it is kept as written "
              "and the item is due at the end of the year.")
            % {"where": draft.location, "number": draft.number, "deadline": deadline.text}
        )
    return ParsedItem(
        number=draft.number,
        title=title,
        body=text.body,
        line=draft.line,
        responsibilities=responsible,
        targets=tuple(extract_targets(text.body, plan_year=year)),
        subheading=draft.subheading,
        quoted_names=_quoted_names(text.body),
        deadline=deadline,
        responsible_leader=text.clause.leader if text.clause else "",
        location=draft.location,
    )


def _item_title(body: str) -> str:
    """强化理论武装。深入学习… -> 强化理论武装 (the first sentence, without its 。)."""
    first_paragraph = body.split("\n", 1)[0]
    end = TITLE_END.search(first_paragraph) or TITLE_END_FALLBACK.search(first_paragraph)
    return (first_paragraph[: end.start()] if end else first_paragraph).strip()


def _quoted_names(body: str) -> tuple[str, ...]:
    names = (next(group for group in match.groups() if group).strip() for match in QUOTED_NAME.finditer(body))
    return tuple(dict.fromkeys(name for name in names if name))


def _departments(clauses: Sequence[ResponsibilityClause], canonical: Mapping[str, str]) -> tuple[ParsedDepartment, ...]:
    """Every department once, in order of first mention, with its parent from any A<B> mention."""
    parents: dict[str, str | None] = {}
    for clause in clauses:
        for department in clause.departments:
            name = canonical.get(department.name, department.name)
            parent = canonical.get(department.parent, department.parent) if department.parent else None
            if parents.get(name) is None:  # a later A<B> mention still supplies the parent
                parents[name] = parent
    return tuple(ParsedDepartment(name=name, parent=parent) for name, parent in parents.items())
