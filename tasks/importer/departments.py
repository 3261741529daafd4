"""Who is responsible: the （责任部室：…） clause that ends an item, and department aliases.

The clause is only looked for at the very end of an item: item bodies contain
brackets of their own (县（市、区)…), sometimes mismatched, which must not be
mistaken for it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .document import ParsedResponsibility, ResponsibilityRole

OPENING_BRACKETS = frozenset("（(")
CLOSING_BRACKETS = frozenset("）)")
CLAUSE_END_PUNCTUATION = "。．.；;，, \u3000\t"
SUB_DEPARTMENT_OPENING = frozenset("<＜〈")
SUB_DEPARTMENT_CLOSING = frozenset(">＞〉")
NAME_SEPARATORS = frozenset("、，,；;/／ \u3000\t\n")  # never 和: 劳动和经济工作部 is one name
NAME_TRAILING_WORDS = re.compile(r"(?:等)+$")

# 责任部室：, 牵头单位:, 配合部门：, 责任领导： ... — the verb says the role, the noun is any kind of unit;
# 完成时限： and its spellings say when.
LABEL = re.compile(
    r"(?:(?P<role>责任|负责|牵头|主责|配合|参与|协办|协助|分管|主管)"
    r"(?P<kind>领导|部室|单位|部门|处室|科室|股室|处|科|股|室)"
    r"|(?P<deadline>完成时限|完成时间|完成期限|时间节点|时间要求|时限))\s*[:：]"
)
LEAD_ROLES = frozenset({"牵头", "主责"})
CO_ORGANIZER_ROLES = frozenset({"配合", "参与", "协办", "协助"})
PEOPLE_KINDS = frozenset({"领导"})  # 责任领导：张三 names a person, not a department
MAX_TRAILING_CLAUSES = 3  # （责任部室：…）（完成时限：…）: each closing bracket is looked at, from the end


@dataclass(frozen=True)
class ListedDepartment:
    name: str  # as written in the clause
    parent: str | None  # as written, for 保障部<女职工委员会办公室>
    lead: bool | None  # True: under 牵头; False: under 配合/参与; None: a plain list (first one leads)


@dataclass(frozen=True)
class ResponsibilityClause:
    text: str  # the clause as written, brackets included
    departments: tuple[ListedDepartment, ...]
    leader: str = ""  # 责任领导：… as written
    deadline: str = ""  # 完成时限：… as written


def split_responsibility_clause(text: str) -> tuple[str, ResponsibilityClause | None]:
    """The item text without its closing （责任部室：…） (and （完成时限：…）), and that clause (None if none)."""
    body, found = text.rstrip(), []
    for _attempt in range(MAX_TRAILING_CLAUSES):
        split = _split_last_clause(body)
        if split is None:
            break
        body, clause = split
        found.insert(0, clause)
    if not found:
        return text.rstrip(), None
    return body, ResponsibilityClause(
        text="".join(clause.text for clause in found),
        departments=tuple(department for clause in found for department in clause.departments),
        leader="；".join(clause.leader for clause in found if clause.leader),
        deadline="；".join(clause.deadline for clause in found if clause.deadline),
    )


def _split_last_clause(text: str) -> tuple[str, ResponsibilityClause] | None:
    stripped = text.rstrip().rstrip(CLAUSE_END_PUNCTUATION)
    if not stripped or stripped[-1] not in CLOSING_BRACKETS:
        return None
    opening = _matching_opening(stripped)
    if opening is None:
        return None
    inner = stripped[opening + 1 : -1].strip()
    if not LABEL.match(inner):
        return None
    departments, leader, deadline = _clause_parts(inner)
    clause = ResponsibilityClause(text=stripped[opening:], departments=tuple(departments), leader=leader,
                                  deadline=deadline)
    return stripped[:opening].rstrip(), clause


def resolve_aliases(
    written_names: Iterable[str],
    known_departments: Mapping[str, Sequence[str]] | None = None,
    choices: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """Every name as written -> its canonical name (itself when it is not an alias).

    A name is an alias when the database lists it as one, or when it abbreviates
    exactly one longer name of the document or the database (劳经部 ->
    劳动和经济工作部, 经审办 -> 经费审查办公室). A name the database already has
    is never an alias. `choices` are the admin's answers in the preview (written
    name -> full name, or "" for "a department of its own"); they win.
    """
    known = dict(known_departments or {})
    known_aliases = {alias: canonical for canonical, aliases in known.items() for alias in aliases}
    choices = dict(choices or {})
    names = list(dict.fromkeys(written_names))
    candidates = sorted(set(names) | set(known))
    canonical: dict[str, str] = {}
    # Longest first, so an abbreviation resolves to a name already resolved itself.
    for name in sorted(names, key=lambda n: (-len(n), n)):
        if name in known:
            canonical[name] = name
        elif name in known_aliases:
            canonical[name] = known_aliases[name]
        elif name in choices:
            chosen = choices[name] or name
            canonical[name] = canonical.get(chosen, known_aliases.get(chosen, chosen))
        else:
            full = _only_expansion(name, candidates)
            canonical[name] = canonical.get(full, known_aliases.get(full, full)) if full else name
    return {name: canonical[name] for name in names}


def ambiguous_abbreviations(
    written_names: Iterable[str],
    known_departments: Mapping[str, Sequence[str]] | None = None,
    choices: Mapping[str, str] | None = None,
) -> dict[str, tuple[str, ...]]:
    """Names that abbreviate more than one longer name: written -> the candidates (a question, not a guess)."""
    known = dict(known_departments or {})
    known_aliases = {alias for aliases in known.values() for alias in aliases}
    names = list(dict.fromkeys(written_names))
    candidates = sorted(set(names) | set(known))
    result = {}
    for name in names:
        if name in known or name in known_aliases or name in (choices or {}):
            continue
        expansions = tuple(candidate for candidate in candidates if abbreviates(name, candidate))
        if len(expansions) > 1:
            result[name] = expansions
    return result


def responsibilities(
    clause: ResponsibilityClause | None, canonical: Mapping[str, str]
) -> tuple[ParsedResponsibility, ...]:
    """Lead first as the clause lists it; an alias and its full name count once."""
    if clause is None:
        return ()
    listed = _distinct(clause.departments, canonical)
    explicit_lead = any(department.lead for department in listed)
    result, lead_given = [], False
    for order, department in enumerate(listed):
        if explicit_lead:
            # 牵头单位：A、B — one item has one lead: the first named; the others co-organize.
            is_lead = bool(department.lead) and not lead_given
        else:
            is_lead = order == 0 and department.lead is None
        lead_given = lead_given or is_lead
        role = ResponsibilityRole.LEAD if is_lead else ResponsibilityRole.CO_ORGANIZER
        name = canonical.get(department.name, department.name)
        result.append(ParsedResponsibility(department=name, role=role, order=order))
    return tuple(result)


def abbreviates(short: str, full: str) -> bool:
    """劳经部 abbreviates 劳动和经济工作部, 宣教部 宣传教育部: the same first character, the rest in order."""
    if not (2 <= len(short) < len(full)) or short[0] != full[0]:
        return False
    remaining = iter(full)
    return all(character in remaining for character in short)


def _only_expansion(name: str, candidates: Iterable[str]) -> str | None:
    expansions = [candidate for candidate in candidates if abbreviates(name, candidate)]
    return expansions[0] if len(expansions) == 1 else None


def _distinct(listed: Iterable[ListedDepartment], canonical: Mapping[str, str]) -> list[ListedDepartment]:
    seen: set[str] = set()
    result = []
    for department in listed:
        name = canonical.get(department.name, department.name)
        if name not in seen:
            seen.add(name)
            result.append(department)
    return result


def _matching_opening(text: str) -> int | None:
    """Index of the bracket that opens the one closing `text` (（ and ( mix freely)."""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] in CLOSING_BRACKETS:
            depth += 1
        elif text[index] in OPENING_BRACKETS:
            depth -= 1
            if depth == 0:
                return index
    return None


def _clause_parts(inner: str) -> tuple[list[ListedDepartment], str, str]:
    """The departments a clause lists, and its 责任领导 and 完成时限 as written."""
    labels = list(LABEL.finditer(inner))
    listed, leaders, deadlines = [], [], []
    for index, label in enumerate(labels):
        end = labels[index + 1].start() if index + 1 < len(labels) else len(inner)
        text = inner[label.end() : end].strip().strip("；;，,。 \u3000")
        if label["deadline"]:
            deadlines.append(text)
            continue
        if label["kind"] in PEOPLE_KINDS:
            leaders.append(text)
            continue
        lead = True if label["role"] in LEAD_ROLES else False if label["role"] in CO_ORGANIZER_ROLES else None
        listed.extend(listed_departments(text, lead=lead))
    return listed, "；".join(t for t in leaders if t), "；".join(t for t in deadlines if t)


def listed_departments(text: str, *, lead: bool | None) -> list[ListedDepartment]:
    """The departments a list of names gives ('办公室、保障部<女职工委员会办公室>'), all with the same role."""
    return [ListedDepartment(name=name, parent=parent, lead=lead) for name, parent in _names(text)]


def _names(text: str) -> list[tuple[str, str | None]]:
    """'保障部<女职工委员会办公室>、职工互助办' -> [(保障部, None), (女职工委员会办公室, 保障部), (职工互助办, None)]."""
    result: list[tuple[str, str | None]] = []
    for token in _split_names(text):
        head, _, sub = _split_sub_departments(token)
        head = _clean_name(head)
        if head:
            result.append((head, None))
        for name in _split_names(sub):
            if name := _clean_name(name):
                result.append((name, head or None))
    return result


def _split_names(text: str) -> list[str]:
    """Split on 、，；/ and spaces, but not inside （…） or <…>: 县（市、区）总工会 is one name."""
    tokens, current, depth = [], [], 0
    for character in text:
        if character in OPENING_BRACKETS or character in SUB_DEPARTMENT_OPENING:
            depth += 1
        elif character in CLOSING_BRACKETS or character in SUB_DEPARTMENT_CLOSING:
            depth = max(depth - 1, 0)
        elif character in NAME_SEPARATORS and depth == 0:
            tokens.append("".join(current))
            current = []
            continue
        current.append(character)
    tokens.append("".join(current))
    return [token for token in tokens if token.strip()]


def _split_sub_departments(token: str) -> tuple[str, str, str]:
    """'保障部<女职工委员会办公室>' -> ('保障部', '<', '女职工委员会办公室')."""
    for index, character in enumerate(token):
        if character in SUB_DEPARTMENT_OPENING:
            inner = token[index + 1 :]
            if inner and inner[-1] in SUB_DEPARTMENT_CLOSING:
                inner = inner[:-1]
            return token[:index], character, inner
    return token, "", ""


def _clean_name(name: str) -> str:
    return NAME_TRAILING_WORDS.sub("", name.strip(" \u3000\t:：。．.")).strip()
