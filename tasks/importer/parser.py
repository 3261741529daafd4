"""A 工作要点 document's lines -> ParsedPlan: title, 总体要求, sections, items, departments, targets.

Nothing here knows the 2020 plan of the 市总工会: any plan of the usual shape
reads the same way. Sections are 一、… (or 第一部分); items are 1.… When a
plan has （一） headings *and* numbered items the （一） lines are
sub-headings; when it has no numbered items the （一） lines are the items.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from core.numerals import chinese_numeral_value

from .departments import (
    ListedDepartment,
    ResponsibilityClause,
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
from .reading import split_lines
from .targets import extract_targets

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
    r"(?P<year>(?:19|20)\d{2})\s*年度?\s*(?P<between>.*?)(?:工作要点|工作计划|工作安排|任务分工|要点|计划)"
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


@dataclass
class _SectionDraft:
    numeral: str
    title: str
    line: int
    intro: list[str] = field(default_factory=list)
    items: list[_ItemDraft] = field(default_factory=list)


@dataclass(frozen=True)
class _ItemText:
    draft: _ItemDraft
    body: str
    clause: ResponsibilityClause | None


def parse_plan_text(text: str, **kwargs) -> ParsedPlan:
    """parse_plan() on a text: its lines are numbered as read_document() would number them."""
    return parse_plan(split_lines(text), **kwargs)


def parse_plan(
    lines: list[str],
    *,
    year: int | None = None,
    organization: str | None = None,
    known_departments: Mapping[str, Sequence[str]] | None = None,
) -> ParsedPlan:
    """The plan a document's lines describe; raises PlanParseError when it cannot be read."""
    classified = [_classify(number, text) for number, text in enumerate(lines, start=1) if text.strip()]
    if not classified:
        raise PlanParseError(_("The document is empty."))
    layout = _layout(classified)
    first_section = next(index for index, line in enumerate(classified) if layout.role(line.style) == "section")
    _reject_items_before_sections(classified[:first_section], layout)
    title_index = _title_index(classified[:first_section])
    title = classified[title_index].text if title_index is not None else ""
    after_title = title_index + 1 if title_index is not None else 0
    warnings: list[str] = []
    plan_year = _plan_year(title, classified[after_title:first_section], year, warnings)
    sections = _section_drafts(classified[first_section:], layout, warnings)
    return _plan(
        title=title,
        organization=organization if organization is not None else _organization(title),
        year=plan_year,
        general_requirements="\n".join(line.text for line in classified[after_title:first_section]),
        preamble=tuple(line.text for line in classified[: title_index or 0]),
        sections=sections,
        known_departments=known_departments,
        warnings=warnings,
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
    subheading = ""
    for line in lines:
        role = layout.role(line.style)
        if role == "section":
            sections.append(_SectionDraft(numeral=line.label, title=line.rest, line=line.number))
            item, subheading = None, ""
        elif role == "subheading":
            # Text between a sub-heading and its first item has no item to go to: it joins the intro.
            item, subheading = None, line.text
        elif role == "item":
            item = _ItemDraft(_item_number(line), line.number, subheading, [line.rest] if line.rest else [])
            _check_new_item(sections[-1], item)
            sections[-1].items.append(item)
        elif item is not None:
            item.paragraphs.append(line.text)
        else:
            sections[-1].intro.append(line.text)
    _warn_about_numbering(sections, warnings)
    return sections


def _item_number(line: _Line) -> int:
    return chinese_numeral_value(line.label)


def _check_new_item(section: _SectionDraft, item: _ItemDraft) -> None:
    for other in section.items:
        if other.number == item.number:
            raise PlanParseError(
                _("Line %(line)d: item %(number)d appears twice in section %(numeral)s (first on line %(first)d).")
                % {"line": item.line, "number": item.number, "numeral": section.numeral, "first": other.line},
                line=item.line,
            )


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
    known_departments: Mapping[str, Sequence[str]] | None,
    warnings: list[str],
) -> ParsedPlan:
    texts = {id(draft): _item_text(draft) for section in sections for draft in section.items}
    clauses = [text.clause for text in texts.values() if text.clause is not None]
    written = [name for clause in clauses for department in clause.departments for name in _names_of(department)]
    canonical = resolve_aliases(written, known_departments)
    aliases = {name: full for name, full in canonical.items() if name != full}
    known_aliases = {alias for names in (known_departments or {}).values() for alias in names}
    # An abbreviation the database does not know yet is a guess: say so, so that someone checks it.
    warnings.extend(
        _("Department “%(alias)s” was read as “%(name)s”.") % {"alias": alias, "name": full}
        for alias, full in aliases.items()
        if alias not in known_aliases
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
    )


def _item(text: _ItemText, canonical: Mapping[str, str], year: int, warnings: list[str]) -> ParsedItem:
    draft, title = text.draft, _item_title(text.body)
    responsible = responsibilities(text.clause, canonical)
    if not responsible:
        warnings.append(
            _("Line %(line)d: item %(number)d “%(title)s” names no responsible department.")
            % {"line": draft.line, "number": draft.number, "title": title}
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
