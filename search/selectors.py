"""The search box's reads: what a query means, and what of each kind the user may see that matches it.

Four kinds are searched: work items (number, title, text), departments, progress reports
(narratives) and leadership instructions (批示 and their replies). Who sees what is asked of
the apps that own the rule, never decided here:

- items and 批示: everyone who sees the plan (tasks.permissions.can_view_plan), as on the item page;
- departments: those whose page the user may open (dashboard.permissions);
- narratives: progress.permissions.readable_narratives, the database form of may_read
  (部门内 / 计划内), and each row is asked may_read again before it is shown.

Every term must occur (in any of the kind's fields); matching is case-insensitive
(search.lookups says how, so that PostgreSQL's trigram indexes serve it). Each kind costs at most two queries
(its count and one page of rows), whatever the size of the plan.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.utils.functional import cached_property
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.numerals import item_number_in
from dashboard.permissions import can_view_dashboard
from departments.models import Department
from departments.permissions import department_ids
from progress import permissions as progress_permissions
from progress.models import ProgressReport
from supervision.models import Instruction
from tasks import permissions as plan_permissions
from tasks import selectors as plan_selectors
from tasks.models import WorkItem

from .lookups import term_in

MAX_QUERY_LENGTH = 100  # characters; a longer query is refused with a message, never searched
MAX_TERMS = 5  # words that must all match; the rest of a long list is ignored
PER_GROUP = 20  # rows of a kind on the overview, and per page of one kind
SNIPPET_CHARS = 80  # of a long text, the part around the first match
COUNT_CAP = 1000  # matches counted at most: "1000+" says enough, and counting stops there

ITEMS, DEPARTMENTS, REPORTS, INSTRUCTIONS = "items", "departments", "reports", "instructions"
KIND_LABELS = {
    ITEMS: gettext_lazy("Work items"),
    DEPARTMENTS: gettext_lazy("Departments"),
    REPORTS: gettext_lazy("Progress reports"),
    INSTRUCTIONS: gettext_lazy("Leadership instructions"),
}

@dataclass(frozen=True)
class SearchQuery:
    """What the visitor typed, cleaned: the text shown back, the terms searched, or why nothing is."""

    text: str
    terms: tuple[str, ...] = ()
    error: str = ""

    @property
    def searchable(self) -> bool:
        return bool(self.terms) and not self.error


def parse_query(raw: str | None) -> SearchQuery:
    """Control characters (NUL, which PostgreSQL refuses in a string, among them) become spaces;
    full-width letters and digits read as their ASCII forms (NFKC); terms split on spaces."""
    text = unicodedata.normalize("NFKC", raw or "")
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in text).strip()
    if len(text) > MAX_QUERY_LENGTH:
        return SearchQuery(text=text[:MAX_QUERY_LENGTH], error=_(
            "Search for at most %(limit)d characters (you typed %(count)d).") % {
            "limit": MAX_QUERY_LENGTH, "count": len(text)})
    terms = tuple(dict.fromkeys(text.split()))[:MAX_TERMS]
    return SearchQuery(text=text, terms=terms)


def item_number(text: str) -> int | None:
    """The item number a query names ("8", "第8项", "第八项", "8."), else None."""
    return item_number_in(text)


def item_jump(*, user, query: SearchQuery) -> str | None:
    """The page of the current plan's item the query names by number, when it names exactly one."""
    if not query.searchable:
        return None
    number = item_number(query.text)
    if number is None:
        return None
    plan = plan_selectors.plan_current()
    if plan is None or not plan_permissions.can_view_plan(user, plan):
        return None
    found = list(WorkItem.objects.filter(section__plan=plan, number=number).values_list("pk", flat=True)[:2])
    return reverse("tasks:item-detail", args=[found[0]]) if len(found) == 1 else None


# -- each kind: its matching rows the user may see, in the order shown ---------------------------


def _all_terms(terms, fields) -> Q:
    """Every term in one of the fields (AND of ORs)."""
    condition = Q()
    for term in terms:
        either = Q()
        for name in fields:
            either |= term_in(name, term)
        condition &= either
    return condition


def _item_matches(terms) -> Q:
    condition = Q()
    for term in terms:
        either = term_in("title", term) | term_in("body", term)
        number = item_number(term)
        if number is not None:
            either |= Q(number=number)
        condition &= either
    return condition


def items_matching(*, user, terms) -> QuerySet[WorkItem]:
    if not (user.is_authenticated and user.is_active):  # can_view_plan: every signed-in person, every plan
        return WorkItem.objects.none()
    return (WorkItem.objects.filter(_item_matches(terms))
            .select_related("section__plan")
            .only("number", "title", "body", "status", "section__number", "section__numeral", "section__title",
                  "section__plan__year", "section__plan__title", "section__plan__status")
            .order_by("-section__plan_id", "section__number", "number"))  # the newest plan first, in its order


def departments_matching(*, user, terms) -> QuerySet[Department]:
    found = Department.objects.filter(_all_terms(terms, ["name"]), is_active=True)
    if not can_view_dashboard(user):  # dashboard.permissions.can_view_department_dashboard, as a filter
        found = found.filter(pk__in=department_ids(user))
    return found.select_related("parent").only("name", "order", "parent__name").order_by("order", "name")


def reports_matching(*, user, terms) -> QuerySet[ProgressReport]:
    return (ProgressReport.objects.filter(_all_terms(terms, ["narrative"]))
            .filter(progress_permissions.readable_narratives(user))
            .select_related("item__section__plan", "department")
            .only("narrative", "narrative_visibility", "state", "created_at", "reporter_id", "item__number",
                  "item__title", "item__section__plan__year", "department__name")
            .order_by("-pk"))  # newest first: walks the primary key and stops at a page


def instructions_matching(*, user, terms) -> QuerySet[Instruction]:
    if not (user.is_authenticated and user.is_active):  # shown on the item page to all who see the plan
        return Instruction.objects.none()
    return (Instruction.objects.filter(_all_terms(terms, ["text", "reply"]))
            .select_related("item__section__plan")
            .only("text", "reply", "state", "created_at", "item__number", "item__title", "item__section__plan__year")
            .order_by("-pk"))  # newest first: walks the primary key and stops at a page


_MATCHING = {ITEMS: items_matching, DEPARTMENTS: departments_matching, REPORTS: reports_matching,
             INSTRUCTIONS: instructions_matching}


# -- what the page shows -------------------------------------------------------------------------


@dataclass
class Hit:
    """One result: where it leads, its heading and the words around the match (plain text, escaped
    and highlighted by the template)."""

    url: str
    title: str
    snippet: str = ""
    meta: str = ""


@dataclass
class Group:
    kind: str
    label: str
    count: int
    hits: list[Hit]
    page: Page | None = None  # when one kind is shown page by page

    @property
    def has_more(self) -> bool:
        return self.page is None and self.count > len(self.hits)

    @property
    def shown_count(self) -> str:
        return f"{COUNT_CAP}+" if self.count > COUNT_CAP else str(self.count)


class _CappedPaginator(Paginator):
    """Counts COUNT_CAP + 1 matches at most: a word in every one of 100,000 reports is not counted
    to the last (the pages after the cap's are not offered)."""

    @cached_property
    def count(self) -> int:
        # no order and no joined columns: the count stops at the cap instead of sorting every match
        return self.object_list.order_by().values("pk")[:COUNT_CAP + 1].count()


@dataclass
class SearchResults:
    query: SearchQuery
    kind: str = ""  # one kind, paged; "" for the overview of every kind
    groups: list[Group] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


def snippet(text: str, terms, *, width: int = SNIPPET_CHARS) -> str:
    """The part of `text` around the first match of a term, `width` characters, … where cut."""
    text = " ".join(text.split())
    if len(text) <= width:
        return text
    folded = text.casefold()
    found = [folded.find(term.casefold()) for term in terms]
    first = min((at for at in found if at >= 0), default=0)
    start = max(0, min(first - width // 4, len(text) - width))
    part = text[start:start + width]
    return ("…" if start else "") + part + ("…" if start + width < len(text) else "")


def _item_label(number, title) -> str:
    return _("Item %(number)s: %(title)s") % {"number": number, "title": title}


def _hits(kind: str, rows, *, user, terms) -> list[Hit]:
    if kind == ITEMS:
        return [Hit(url=reverse("tasks:item-detail", args=[item.pk]),
                    title=_item_label(item.number, item.title),
                    snippet=snippet(item.body, terms) if any(t.casefold() in item.body.casefold() for t in terms)
                    else "",
                    meta=f"{item.section.plan.year} · {item.section.numeral}、{item.section.title}")
                for item in rows]
    if kind == DEPARTMENTS:
        return [Hit(url=reverse("dashboard:department-dashboard", args=[department.pk]), title=department.name,
                    meta=department.parent.name if department.parent_id else "")
                for department in rows]
    if kind == REPORTS:
        hits = []
        for report in rows:
            # the filter said so already; asking the one rule again costs nothing and keeps it the rule
            if not progress_permissions.may_read(user, visibility=report.narrative_visibility,
                                                 department_id=report.department_id, reporter_id=report.reporter_id):
                continue
            hits.append(Hit(url=reverse("tasks:item-detail", args=[report.item_id]) + f"#report-{report.pk}",
                            title=_item_label(report.item.number, report.item.title),
                            snippet=snippet(report.narrative, terms),
                            meta=f"{report.item.section.plan.year} · {report.department.name} · "
                                 f"{report.created_at:%Y-%m-%d} · {report.get_state_display()}"))
        return hits
    return [Hit(url=reverse("tasks:item-detail", args=[instruction.item_id]) + f"#instruction-{instruction.pk}",
                title=_item_label(instruction.item.number, instruction.item.title),
                snippet=snippet(instruction.text if any(t.casefold() in instruction.text.casefold() for t in terms)
                                else instruction.reply, terms),
                meta=f"{instruction.item.section.plan.year} · {instruction.created_at:%Y-%m-%d} · "
                     f"{instruction.get_state_display()}")
            for instruction in rows]


def search(*, user, query: SearchQuery, kind: str | None = None, page: str | int | None = 1) -> SearchResults:
    """Every kind's count and first PER_GROUP hits, or one kind (`kind`) a page at a time:
    two queries a kind shown, none when the query is empty or refused."""
    kind = kind if kind in _MATCHING else ""
    results = SearchResults(query=query, kind=kind)
    if not query.searchable:
        return results
    for name in [kind] if kind else list(_MATCHING):
        paginator = _CappedPaginator(_MATCHING[name](user=user, terms=query.terms), PER_GROUP)
        shown = paginator.get_page(page if kind else 1)
        results.groups.append(Group(kind=name, label=str(KIND_LABELS[name]), count=paginator.count,
                                    hits=_hits(name, shown.object_list, user=user, terms=query.terms),
                                    page=shown if kind else None))
    return results
