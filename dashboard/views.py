"""Thin views of the leadership dashboard, its drill-downs and the bulletins (read from the stored roll-up)."""

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from departments.models import Department
from supervision import selectors as supervision_selectors
from tasks import extensions
from tasks import selectors as plan_selectors
from tasks.models import Section, WorkPlan

from . import bulletins, permissions, selectors


def _dashboard_plan(request) -> WorkPlan:
    year = request.GET.get("year", "")
    if year.isdigit():
        plan = selectors.plans_by_year().filter(year=int(year)).first()
        if plan is None:
            raise Http404
        return plan
    plan = plan_selectors.plan_current()
    if plan is None:
        raise Http404
    return plan


def _light_filter(request) -> str | None:
    light = request.GET.get("light")
    return light if light in selectors.LIGHTS else None


@login_required
def dashboard(request):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    today = timezone.localdate()
    key = selectors.body_cache_key(plan=plan, today=today, language=get_language())
    body, context = cache.get(key), {}
    if body is None:
        data = selectors.dashboard(plan=plan, today=today)
        chart = {
            "dates": data.trend_dates,
            "series": [{"name": str(_("Whole plan")), "data": data.trend["plan"]}]
            + [{"name": f"{c.section.numeral}、{c.section.title}", "data": data.trend[str(c.section.number)]}
               for c in data.cards],
            "sections": {str(c.section.number): [v for _d, v in c.trend] for c in data.cards},
        }
        links = extensions.section_links(plan)
        for card in data.cards:
            card.links = links.get(card.section.pk, [])
        context = {"data": data, "chart": chart}
        body = render_to_string("dashboard/_body.html", {"plan": plan, **context}, request=request)
        cache.set(key, body, 60 * 60)
    return render(
        request,
        "dashboard/dashboard.html",
        {"plan": plan, "body": mark_safe(body), "plans": selectors.plans_by_year(), **context},
    )


@login_required
def section_dashboard(request, section_id: int):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    section = get_object_or_404(Section.objects.select_related("plan"), pk=section_id)
    department = request.GET.get("department", "")
    items = selectors.item_rows(
        plan=section.plan,
        section_id=section.pk,
        department_id=int(department) if department.isdigit() else None,
        light=_light_filter(request),
    )
    return render(
        request,
        "dashboard/items.html",
        {"plan": section.plan, "section": section, "items": items, "light": _light_filter(request),
         "departments": Department.objects.filter(is_active=True), "department_id": department},
    )


@login_required
def department_dashboard(request, department_id: int):
    department = get_object_or_404(Department.objects.select_related("group"), pk=department_id)
    if not permissions.can_view_department_dashboard(request.user, department):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    rows = selectors.department_table(plan=plan, department_id=department.pk)
    items = selectors.item_rows(plan=plan, department_id=department.pk, light=_light_filter(request))
    return render(
        request,
        "dashboard/items.html",
        {"plan": plan, "department": department, "row": rows[0] if rows else None, "items": items,
         "light": _light_filter(request), "plans": selectors.plans_by_year()},
    )


@login_required
def my_department_dashboard(request):
    membership = request.user.memberships.select_related("department").order_by("department__order").first()
    if membership is None:
        raise Http404
    return redirect("dashboard:department-dashboard", department_id=membership.department_id)


def _bulletin_parts(request):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    data = selectors.dashboard(plan=plan, today=timezone.localdate())
    return plan, data, selectors.bulletin_items(plan=plan)


@login_required
def bulletin_excel(request):
    plan, data, items = _bulletin_parts(request)
    content = bulletins.excel_bulletin(plan=plan, dashboard=data, items=items)
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = content_disposition_header(True, f"{plan.title}.xlsx")
    return response


@login_required
def bulletin_word(request):
    plan, data, items = _bulletin_parts(request)
    start = parse_date(request.GET.get("from", "") or "")
    end = parse_date(request.GET.get("to", "") or "") or timezone.localdate()
    content = bulletins.word_bulletin(
        plan=plan, dashboard=data, items=items, instructions=supervision_selectors.pending_instructions(plan=plan),
        period=(start, end),
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = content_disposition_header(True, f"{plan.title}.docx")
    return response
