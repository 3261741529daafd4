"""Thin views of the leadership dashboard, its drill-downs and the bulletins (read from the stored roll-up)."""

from django.contrib.auth.decorators import login_required
import datetime
import hashlib
import re
import secrets
import threading
from collections import OrderedDict

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from core.prepared import database_scoped
from core.querystring import int_param
from departments.models import Department
from progress import selectors as progress_selectors
from supervision import permissions as supervision_permissions
from supervision import selectors as supervision_selectors
from tasks import extensions
from tasks import selectors as plan_selectors
from tasks.models import Section, WorkPlan

from . import bulletins, periods, permissions, selectors


def _number(request, name: str) -> int | None:
    """A whole number from the query string; anything else ("²", "1e3", "", thirty digits) is no number."""
    return int_param(request.GET.get(name))


def _plan_among(request, plans: list) -> WorkPlan:
    """_dashboard_plan's choice made among `plans` (plans_by_year, already loaded): no query of its own."""
    plan_id, year = _number(request, "plan"), _number(request, "year")
    if plan_id is not None or year is not None:
        plan = next((p for p in plans if (p.pk == plan_id if plan_id is not None else p.year == year)), None)
    else:  # plan_selectors.plan_current's order: the newest published, else the newest
        plan = min(plans, key=lambda p: (p.status != WorkPlan.Status.PUBLISHED, -p.year, -p.pk), default=None)
    if plan is None:
        raise Http404
    return plan


def _dashboard_plan(request) -> WorkPlan:
    plan_id = _number(request, "plan")
    if plan_id is not None:
        plan = selectors.plans_by_year().filter(pk=plan_id).first()
        if plan is None:
            raise Http404
        return plan
    year = _number(request, "year")
    if year is not None:
        plan = selectors.plans_by_year().filter(year=year).first()
        if plan is None:
            raise Http404
        return plan
    plan = plan_selectors.plan_current()
    if plan is None:
        raise Http404
    return plan


def _as_of(request, plan: WorkPlan, today) -> tuple:
    """(the day asked for, or None for today's figures; a message when the date was not understood)."""
    text = request.GET.get("as_of", "")
    if not text:
        return selectors.default_as_of(plan=plan, today=today), None
    try:
        day = parse_date(text)
    except ValueError:
        day = None
    if day is None:
        return selectors.default_as_of(plan=plan, today=today), _("“%(text)s” is not a date (YYYY-MM-DD); today's figures are shown.") % {"text": text}
    if day >= today:
        return None, None
    if day < plan.year_start:
        return plan.year_start, _("The plan starts on %(day)s; its first day is shown.") % {"day": plan.year_start}
    return day, None


def _light_filter(request) -> str | None:
    light = request.GET.get("light")
    return light if light in selectors.LIGHTS else None


def _chart(data) -> dict:
    return {
        "dates": data.trend_dates,
        "series": [{"name": str(_("Whole plan")), "data": data.trend["plan"]}]
        + [{"name": f"{c.section.numeral}、{c.section.title}", "data": data.trend[str(c.section.number)]}
           for c in data.cards],
        "sections": {str(c.section.number): [v for _d, v in c.trend] for c in data.cards},
    }


def _trend_rows(chart) -> list:
    """(day, [each series' value that day]) for the trend's table: the template only prints."""
    return [(day, [series["data"][n] for series in chart["series"]]) for n, day in enumerate(chart["dates"])]


def _department_rows(data, plan) -> list[dict]:
    """The department table's cells, ready to print: 200 rows rendered without a reverse(), a date
    filter or a number localized per cell (all of them cost more than the row itself)."""
    from django.urls import reverse

    placeholder = 987654321
    link = reverse("dashboard:department-dashboard", args=[placeholder])
    query = f"?year={plan.year}" + (f"&as_of={data.as_of.isoformat()}" if data.as_of else "")
    rows = []
    for row in data.departments:
        last = timezone.localtime(row.last_report).date().isoformat() if row.last_report else "—"
        rate = row.on_time_rate
        rows.append({"url": link.replace(str(placeholder), str(row.department.pk)) + query,
                     "name": row.department.name, "items": row.items, "rate": "—" if rate is None else f"{rate}%",
                     "overdue": row.overdue, "red": row.red, "last": last})
    return rows


# The cached page: rendered once per body, role set, language and address, with marks where the
# viewer's own parts go (name, unread count, CSRF token), which each view fills in. It is kept with its
# stamp (the body's key and the year picker's plans) under a key of the role set and the address, and
# found through the viewer's pointer (below), read with the session: a view of a cached page costs one
# cache round trip, no query, no template. The page is kept as the UTF-8 bytes it is sent as: filled in
# without decoding or encoding 85 KB a view.
_MARK = "uP9d1c"
_WHO, _UNREAD, _CSRF = f"{_MARK}who", f"{_MARK}unread", f"{_MARK}csrf"
_WHO_B, _UNREAD_B, _CSRF_B = _WHO.encode(), _UNREAD.encode(), _CSRF.encode()
# A kept page is cut at its marks once, when this process keeps it (_remember): a view joins the pieces and
# its own values in one copy of the page, instead of searching all 85 KB for each mark. The unread count's
# badge is one piece, so a viewer with nothing unread gets no badge at all.
_MARKS = re.compile(rb'( ?<span class="badge"[^>]*>' + _UNREAD_B + rb'</span>|' + _WHO_B + rb'|' + _UNREAD_B
                    + rb'|' + _CSRF_B + rb')')
_SLOTS = {_WHO_B: 0, _UNREAD_B: 1, _CSRF_B: 2}


def _page_key(request) -> str | None:
    """The cached page's key; None when the page has something for this view only (messages)."""
    from django.contrib.messages.storage.cookie import CookieStorage

    if request.COOKIES.get(CookieStorage.cookie_name) or request.session.get("_messages"):
        return None
    if getattr(request.user, "notifications_unread", None) is None:  # not loaded by the portal's backend
        return None
    # What the navigation offers follows from the user's groups (roles, the departments they head or
    # belong to) and superuser flag: viewers with the same ones share a page.
    user = request.user
    groups = sorted(name for name in _group_names(user))
    who = f"{user.is_superuser:d}{user.is_staff:d}:" + "\n".join(groups)
    digest = hashlib.sha1(f"{who}\n{request.get_full_path()}\n{get_language()}".encode()).hexdigest()[:20]
    return database_scoped(f"dashboard-page:{digest}")


def _page_stamp(body_key: str, plans: list) -> str:
    """What the cached page was made of: its body's key and the year picker's plans."""
    picker = ";".join(f"{p.pk}:{p.year}:{p.organization}:{p.status}" for p in plans)
    return f"{body_key}\n{picker}"


# The cached pages this process has served lately: page key -> (token, page). Redis holds each page with
# its stamp and a token, and for each viewer and address a pointer (page key, stamp, token) of a few bytes:
# a view reads the pointer with its session (core.prefetch) and takes the page from here when the tokens
# agree, from Redis only when this process has not got it. An 85 KB page read and unpickled from Redis
# on every view cost more than the rest of a cached view.
_PAGES: "OrderedDict[str, tuple[str, tuple]]" = OrderedDict()  # page key -> (token, its pieces)
_PAGES_LOCK = threading.Lock()  # a threaded server's views share them: one evicting while another reads
_PAGES_KEPT = 16
_PAGE_SECONDS = 60 * 60


def prefetched_keys(request, user_id: str) -> list[str]:
    """What a view of the dashboard reads first, read with the session (core.prefetch)."""
    return [progress_selectors.plans_key(), supervision_selectors.last_chase_key(),
            pointer_key(user_id, request.get_full_path())]


def pointer_key(user_id, full_path: str) -> str:
    """The viewer's pointer to the cached page at `full_path` (core.prefetch reads it with the session)."""
    digest = hashlib.sha1(full_path.encode()).hexdigest()[:20]
    return database_scoped(f"dashboard-pointer:{user_id}:{digest}")


def _cached_page(page_key: str, stamp: str, *, pointer, pointer_at: str) -> tuple | None:
    """The page cached for `page_key` when it was made of `stamp` (cut at its marks: _page_pieces), else None."""
    if pointer is not None and pointer[0] == page_key and pointer[1] == stamp:
        with _PAGES_LOCK:
            kept = _PAGES.get(page_key)
            if kept is not None and kept[0] == pointer[2]:
                _PAGES.move_to_end(page_key)
                return kept[1]
    entry = cache.get(page_key)  # made by another process or for another viewer: read once, then kept here
    if entry is None or entry[0] != stamp:
        return None
    _stamp, token, page = entry
    cache.set(pointer_at, (page_key, stamp, token), _PAGE_SECONDS)
    return _remember(page_key, token, page)


def _page_keep(page_key: str, stamp: str, page: bytes, *, pointer_at: str) -> tuple:
    token = secrets.token_hex(8)
    cache.set_many({page_key: (stamp, token, page), pointer_at: (page_key, stamp, token)}, _PAGE_SECONDS)
    return _remember(page_key, token, page)


def _remember(page_key: str, token: str, page: bytes) -> tuple:
    pieces = _page_pieces(page)
    with _PAGES_LOCK:
        _PAGES[page_key] = (token, pieces)
        _PAGES.move_to_end(page_key)
        while len(_PAGES) > _PAGES_KEPT:
            _PAGES.popitem(last=False)
    return pieces


def _page_pieces(page: bytes) -> tuple:
    """The page (UTF-8) cut at its marks: its text as bytes, each mark as its slot (_SLOTS), the unread
    badge as the text (before, after) its count goes between."""
    pieces = _MARKS.split(page)
    for at in range(1, len(pieces), 2):
        mark = pieces[at]
        if mark in _SLOTS:
            pieces[at] = _SLOTS[mark]
        else:
            before, after = mark.split(_UNREAD_B)
            pieces[at] = (before, after)
    return tuple(pieces)


def _group_names(user) -> set[str]:
    from departments.permissions import in_group

    in_group(user, "")  # loads the user's group names once (with the user, by the auth backend)
    return user._unionplan_groups


def _personal(pieces: tuple, request) -> bytes:
    """The cached page (its pieces: _page_pieces) with the viewer's name, unread count and CSRF token
    filled in, as UTF-8."""
    from django.utils.html import escape

    from core.csrf import get_token
    from core.people import display_name

    unread = request.user.notifications_unread  # loaded with the user (_page_key made sure)
    count = str(unread).encode()
    values = (escape(display_name(request.user)).encode(), count, get_token(request).encode())
    return b"".join([
        piece if piece.__class__ is bytes
        else values[piece] if piece.__class__ is int
        else (piece[0] + count + piece[1] if unread else b"")
        for piece in pieces])


LATE_SHOWN = 20  # late items and departments the dashboard names; 全部 lists every one
# Where the 一键催办 action goes in the (shared, cached) body: filled per view for those who may chase.
_LATE_ACTION = "<!--late-action-->"


def _late_action(request, *, plan, chase_ids: list[int], today, csrf: str | None = None) -> str:
    """The 一键催办 form for who may chase (督查, leadership), else nothing: a small fragment of its own,
    so the cached body stays the same for every viewer."""
    if not chase_ids or not supervision_permissions.can_chase(request.user):
        return ""
    context = {"plan": plan, "chase_ids": chase_ids, "reply_by": today + datetime.timedelta(days=3),
               "next": request.get_full_path() + "#late"}
    if csrf is not None:  # a page cached for everyone with the viewer's groups: the token is filled in per view
        context["csrf_token"] = csrf
    return render_to_string("dashboard/_late_action.html", context, request=request)


@login_required
def dashboard(request):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    # One cache round trip gives the year picker's plans, the plan shown, when its figures were computed
    # and when anyone was last chased (the cached body's key), and the viewer's pointer to the cached
    # page; read with the session and the user's frame (prefetched_keys), it is a cached view's only one.
    page_key = _page_key(request)
    chase_key = supervision_selectors.last_chase_key()
    pointer_at = pointer_key(request.user.pk, request.get_full_path())
    plans, cached = selectors.plans_with_computed_at(also=[chase_key, *([pointer_at] if page_key else [])])
    plan = _plan_among(request, plans)
    today = timezone.localdate()
    as_of, date_problem = _as_of(request, plan, today)
    key = selectors.body_cache_key(plan=plan, today=today, language=get_language(), as_of=as_of,
                                   computed_at=plan.computed_at,
                                   chased=supervision_selectors.last_chase_stamp(cached=cached.get(chase_key)))
    stamp = _page_stamp(key, plans)
    page = _cached_page(page_key, stamp, pointer=cached.get(pointer_at), pointer_at=pointer_at) if page_key else None
    if page is not None:
        return HttpResponse(_personal(page, request))
    body_entry, context = cache.get(key), {}
    if isinstance(body_entry, dict):
        body, chase_ids = body_entry["body"], body_entry["chase_ids"]
    else:
        data = selectors.dashboard(plan=plan, today=today, as_of=as_of)
        links = extensions.section_links(plan)
        for card in data.cards:
            card.links = links.get(card.section.pk, [])
        chart = _chart(data)
        late = None if as_of else selectors.late_board(plan=plan, today=today, limit=LATE_SHOWN,
                                                          counted=data.late_counted)
        context = {"data": data, "chart": chart, "trend_rows": _trend_rows(chart),
                   "department_rows": _department_rows(data, plan), "late": late}
        body = render_to_string("dashboard/_body.html", {"plan": plan, **context}, request=request)
        chase_ids = late.chase_ids if late else []
        cache.set(key, {"body": body, "chase_ids": chase_ids}, 60 * 60)
    body = body.replace(_LATE_ACTION, _late_action(request, plan=plan, chase_ids=chase_ids, today=today,
                                                   csrf=_CSRF if page_key else None) if not as_of else "")
    page = render_to_string(
        "dashboard/dashboard.html",
        {"plan": plan, "body": mark_safe(body), "plans": plans, "as_of": as_of,
         "date_problem": date_problem, "today": today, "keep": [("year", plan.year)],
         "periods": periods.presets(year=plan.year, day=as_of or today), **context,
         **({"who_name": _WHO, "notifications_unread": _UNREAD, "csrf_token": _CSRF} if page_key else {})},
        request=request,
    )
    if page_key:
        page = _personal(_page_keep(page_key, stamp, page.encode(), pointer_at=pointer_at), request)
    return HttpResponse(page)


@login_required
def late(request):
    """Every late item and department of the plan (the dashboard names the worst 20), with 一键催办."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    today = timezone.localdate()
    board = selectors.late_board(plan=plan, today=today, limit=None, page=request.GET.get("page") or 1)
    return render(request, "dashboard/late.html", {
        "plan": plan, "late": board, "today": today, "page": board.page, "query": f"year={plan.year}&",
        "late_action": mark_safe(_late_action(request, plan=plan, chase_ids=board.chase_ids, today=today)),
    })


def _items_page(request, *, plan, section=None, department=None, row=None, extra=None, **filters):
    today = timezone.localdate()
    as_of, date_problem = _as_of(request, plan, today)
    items = selectors.item_rows(plan=plan, reader=request.user, light=_light_filter(request), as_of=as_of,
                                section_id=section.pk if section else None, page=request.GET.get("page"), **filters)
    keep = [(name, request.GET[name]) for name in ("year", "department") if request.GET.get(name)]
    paging = keep + ([("as_of", as_of.isoformat())] if as_of else []) + (
        [("light", _light_filter(request))] if _light_filter(request) else [])
    return render(
        request,
        "dashboard/items.html",
        {"plan": plan, "section": section, "department": department, "items": items, "page": items.page,
         "query": urlencode(paging) + "&" if paging else "", "light": _light_filter(request),
         "as_of": as_of, "date_problem": date_problem, "today": today, "keep": keep,
         "filters": urlencode(keep + ([("as_of", as_of.isoformat())] if as_of else [])),
         "computed_at": None if as_of else progress_selectors.plan_computed_at(plan=plan), "row": row,
         **(extra or {})},
    )


@login_required
def section_dashboard(request, section_id: int):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    section = get_object_or_404(Section.objects.select_related("plan"), pk=section_id)
    department_id = _number(request, "department")
    return _items_page(request, plan=section.plan, section=section, department_id=department_id,
                       extra={"departments": Department.objects.filter(is_active=True),
                              "department_id": "" if department_id is None else str(department_id)})


@login_required
def department_dashboard(request, department_id: int):
    department = get_object_or_404(Department.objects.select_related("group"), pk=department_id)
    if not permissions.can_view_department_dashboard(request.user, department):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    as_of, _problem = _as_of(request, plan, timezone.localdate())
    rows = selectors.department_table(plan=plan, department_id=department.pk, as_of=as_of)
    return _items_page(request, plan=plan, department=department, row=rows[0] if rows else None,
                       department_id=department.pk)


@login_required
def my_department_dashboard(request):
    membership = request.user.memberships.select_related("department").order_by("department__order").first()
    if membership is None:
        raise Http404
    return redirect("dashboard:department-dashboard", department_id=membership.department_id)


def _bulletin(request):
    """The bulletin asked for (?from=&to=, the plan's year by ?year=), or a page that says what was wrong (400)."""
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    today = timezone.localdate()
    try:
        start = parse_date(request.GET.get("from", "")) if request.GET.get("from") else plan.year_start
        end = parse_date(request.GET.get("to", "")) if request.GET.get("to") else (
            selectors.default_as_of(plan=plan, today=today) or today)
    except ValueError:
        start = end = None
    if start is None or end is None:
        return None, _("The period must be given as dates (YYYY-MM-DD).")
    if start > end:
        return None, _("The period starts after it ends (%(start)s > %(end)s).") % {"start": start, "end": end}
    start, end = max(start, plan.year_start), min(end, today, max(plan.year_end, today))
    if start > end:
        return None, _("The plan's year does not include that period.")
    return selectors.bulletin(plan=plan, start=start, end=end, today=today), None


def _refused(request, problem: str):
    return render(request, "dashboard/bulletin_refused.html", {"problem": problem}, status=400)


@login_required
def bulletin_excel(request):
    bulletin, problem = _bulletin(request)
    if bulletin is None:
        return _refused(request, problem)
    content = bulletins.excel_bulletin(bulletin=bulletin)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{bulletin.plan.title}（{bulletins.period_label(bulletin)}）.xlsx")
    return response


@login_required
def bulletin_word(request):
    bulletin, problem = _bulletin(request)
    if bulletin is None:
        return _refused(request, problem)
    content = bulletins.word_bulletin(bulletin=bulletin)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = content_disposition_header(
        True, f"{bulletin.plan.title}（{bulletins.period_label(bulletin)}）.docx")
    return response
