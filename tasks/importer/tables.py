"""任务分解表: a table of a plan's items -> rows the parser turns into sections and items.

The heading row is found by its words, in any column order: 序号 | 工作任务 |
具体措施 | 责任领导 | 牵头部门 | 配合部门 | 完成时限 (and their usual synonyms).
A row whose only text is `一、…` (merged across the row, or alone in its first
column) starts a section. A cell merged over several rows applies to each of
them: a 工作任务 over three 具体措施 makes three items under that task.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .departments import ListedDepartment, listed_departments, split_responsibility_clause
from .reading import SourceCell, SourceTable

NUMBER, TASK, MEASURES, LEADER, LEAD, CO_ORGANIZERS, DEADLINE = (
    "number", "task", "measures", "leader", "lead", "co_organizers", "deadline"
)
# Most specific first: 目标任务 is a column of measures although it ends in 任务.
COLUMN_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (NUMBER, ("序号", "编号", "序", "号")),
    (MEASURES, ("具体措施", "工作要求", "目标任务", "工作措施", "主要措施", "具体内容", "工作目标", "目标要求",
                "推进措施", "措施", "任务要求", "具体任务")),
    (TASK, ("工作任务", "重点工作", "工作内容", "重点任务", "工作事项", "主要任务", "任务名称", "任务", "工作项目",
            "项目", "工作")),
    (LEADER, ("责任领导", "分管领导", "牵头领导", "责任市领导", "联系领导", "领导")),
    (CO_ORGANIZERS, ("配合部门", "协办单位", "配合单位", "协办部门", "配合部室", "参与部门", "协助单位", "配合处室",
                     "参与单位", "协办")),
    (LEAD, ("牵头部门", "责任部门", "责任单位", "牵头单位", "责任部室", "牵头部室", "主责部门", "责任处室",
            "牵头处室", "承办单位", "主办单位", "责任主体")),
    (DEADLINE, ("完成时限", "完成时间", "时间节点", "时限", "完成期限", "时间安排", "进度安排", "时间要求", "完成节点")),
)
SECTION_ROW = re.compile(r"^(?:第(?P<chapter>[一二三四五六七八九十百]+)(?:部分|章)|(?P<numeral>[一二三四五六七八九十百]+)\s*[、．.])"
                         r"\s*(?P<title>.*)$", re.S)
ITEM_NUMBER = re.compile(r"^[（(]?\s*(?P<number>\d{1,4})\s*[)）.．、]?$")
HEADING_SEARCH_ROWS = 10
BLANK = re.compile(r"\s+")


@dataclass(frozen=True)
class TableSection:
    numeral: str  # as written; "" when the table has no section rows
    title: str
    row: int  # 1-based row in the table


@dataclass(frozen=True)
class TableRow:
    """One item of a 任务分解表, as written."""

    table: int
    row: int  # 1-based row in its table
    section: TableSection | None
    number: int | None  # 序号, when the row has a number of its own
    task: str  # 工作任务
    task_shared: bool  # the 工作任务 cell spans this row and others
    measures: str  # 具体措施
    leader: str  # 责任领导
    departments: tuple[ListedDepartment, ...]  # 牵头 first, then 配合, as written
    deadline: str  # 完成时限 as written
    clause_text: str = ""  # a （责任部室：…） found inside the task's or measures' text, removed from it


@dataclass(frozen=True)
class BreakdownTable:
    number: int
    title_lines: tuple[str, ...]  # rows above the heading (an Excel sheet's title)
    columns: dict[str, int]
    rows: tuple[TableRow, ...]


def _normalized_heading(text: str) -> str:
    return BLANK.sub("", text).strip("：:*＊()（）")


def column_roles(cells: Sequence[str]) -> dict[str, int]:
    """Heading cells -> {role: column}; each role once, the first column that names it."""
    roles: dict[str, int] = {}
    for column, text in enumerate(cells):
        heading = _normalized_heading(text)
        if not heading or len(heading) > 12:
            continue
        role = _role_of(heading, set(roles))
        if role is not None:
            roles[role] = column
    return roles


def _role_of(heading: str, taken: set[str]) -> str | None:
    for role, words in COLUMN_WORDS:
        if role not in taken and heading in words:
            return role
    for role, words in COLUMN_WORDS:
        if role not in taken and role != NUMBER and any(word in heading for word in words if len(word) >= 2):
            return role
    return None


def _is_heading(roles: dict[str, int]) -> bool:
    return (TASK in roles or MEASURES in roles) and len(roles) >= 3


def breakdown_table(table: SourceTable) -> BreakdownTable | None:
    """The table read as a 任务分解表; None when no heading row names its columns."""
    for index, row in enumerate(table.rows[:HEADING_SEARCH_ROWS]):
        roles = column_roles([cell.text for cell in row])
        if _is_heading(roles):
            title_lines = tuple(
                text for above in table.rows[:index] if (text := " ".join(_distinct_texts(above)).strip())
            )
            return BreakdownTable(
                number=table.number, title_lines=title_lines, columns=roles,
                rows=tuple(_rows(table, roles, start=index + 1)),
            )
    return None


def _distinct_texts(row: Sequence[SourceCell]) -> list[str]:
    seen, texts = set(), []
    for cell in row:
        if cell.origin not in seen and cell.text.strip():
            seen.add(cell.origin)
            texts.append(cell.text.strip())
    return texts


def _rows(table: SourceTable, roles: dict[str, int], *, start: int) -> list[TableRow]:
    rows: list[TableRow] = []
    section: TableSection | None = None
    heading_texts = [_normalized_heading(cell.text) for cell in table.rows[start - 1]]
    for index in range(start, len(table.rows)):
        row = table.rows[index]
        texts = _distinct_texts(row)
        if not texts:
            continue
        if [_normalized_heading(cell.text) for cell in row] == heading_texts:
            continue  # the heading again, as Word repeats it on every page
        found = _section_row(row, texts)
        if found is not None:
            numeral, title = found
            section = TableSection(numeral=numeral, title=title, row=index + 1)
            continue
        item = _item_row(table, roles, index, section)
        if item is not None:
            rows.append(item)
    return rows


def _section_row(row: Sequence[SourceCell], texts: list[str]) -> tuple[str, str] | None:
    if len(texts) != 1:
        return None
    text = " ".join(texts[0].split())
    merged_across = len({cell.origin for cell in row}) == 1 and len(row) > 1
    alone_in_first = row[0].text.strip() == texts[0]
    match = SECTION_ROW.match(text)
    if match and (merged_across or alone_in_first):
        return (match["chapter"] or match["numeral"]), match["title"].strip()
    if merged_across and not ITEM_NUMBER.match(text):
        return "", text
    return None


def _cell(table: SourceTable, roles: dict[str, int], index: int, role: str) -> SourceCell | None:
    column = roles.get(role)
    if column is None or column >= len(table.rows[index]):
        return None
    return table.rows[index][column]


def _text(cell: SourceCell | None) -> str:
    return cell.text.strip() if cell is not None else ""


def _spans_other_rows(table: SourceTable, cell: SourceCell | None, index: int, column: int | None) -> bool:
    if cell is None or column is None:
        return False
    if cell.origin[0] != index:
        return True
    following = table.rows[index + 1][column] if index + 1 < len(table.rows) else None
    return following is not None and following.origin == cell.origin


def _item_row(table: SourceTable, roles: dict[str, int], index: int, section) -> TableRow | None:
    task_cell, measures_cell = _cell(table, roles, index, TASK), _cell(table, roles, index, MEASURES)
    task, measures = _text(task_cell), _text(measures_cell)
    task_shared = _spans_other_rows(table, task_cell, index, roles.get(TASK)) and bool(measures)
    if not task and not measures:
        return None
    # A （责任部室：…） written into the text itself still says who is responsible.
    clause_text, clause_departments = "", ()
    for name in ("measures", "task"):
        text = measures if name == "measures" else task
        body, clause = split_responsibility_clause(text)
        if clause is not None:
            clause_text, clause_departments = clause.text, clause.departments
            if name == "measures":
                measures = body
            else:
                task = body
            break
    number_cell = _cell(table, roles, index, NUMBER)
    number = None
    if number_cell is not None and number_cell.origin[0] == index and not _spans_other_rows(
        table, number_cell, index, roles.get(NUMBER)
    ):
        if match := ITEM_NUMBER.match(_text(number_cell)):
            number = int(match["number"])
    departments = tuple(listed_departments(_text(_cell(table, roles, index, LEAD)), lead=True)) + tuple(
        listed_departments(_text(_cell(table, roles, index, CO_ORGANIZERS)), lead=False)
    )
    if not departments:
        departments = tuple(clause_departments)
    leader = " ".join(_text(_cell(table, roles, index, LEADER)).split())
    return TableRow(
        table=table.number, row=index + 1, section=section, number=number, task=task, task_shared=task_shared,
        measures=measures, leader=leader, departments=departments,
        deadline=" ".join(_text(_cell(table, roles, index, DEADLINE)).split()), clause_text=clause_text,
    )
