"""Thin views: load through selectors, ask permissions, write through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.querystring import int_param
from departments.models import Department
from progress.forms import form_after_conflict
from progress.services import ProgressConflict
from tasks import selectors as task_selectors
from tasks.models import WorkPlan

from . import permissions, selectors, services
from .forms import MilestoneReportForm
from .models import Brand
from .progress import expected_percent


@login_required
def brand_board(request):
    plan_id = request.GET.get("plan")
    if plan_id:
        plan_pk = int_param(plan_id)
        plan = WorkPlan.objects.filter(pk=plan_pk).first() if plan_pk else None
        if plan is None:
            raise Http404
    else:
        plan = task_selectors.plan_current()
    if plan is not None and not permissions.can_view_brands(request.user, plan):
        raise PermissionDenied
    board = selectors.brand_board(plan=plan, today=timezone.localdate()) if plan else None
    return render(request, "brands/board.html", {"plan": plan, "board": board})


def _brand_or_404(brand_id: int) -> Brand:
    try:
        return selectors.brand_page(brand_id=brand_id)
    except Brand.DoesNotExist:
        raise Http404


def _detail(request, brand, *, form=None, status=200, conflict=False):
    departments = permissions.milestone_reporting_departments(request.user, brand)
    if form is None and departments and brand.milestones.all():
        form = MilestoneReportForm(brand=brand, departments=_choices(departments))
    milestones = list(brand.milestones.all())
    context = {
        "brand": brand,
        "plan": brand.plan,
        "milestones": milestones,
        "progress": selectors.brand_progress_of(brand),
        "expected": expected_percent(start=brand.start_date, target=brand.target_date, today=timezone.localdate()),
        "form": form if departments else None,
        "conflict": conflict,
    }
    return render(request, "brands/detail.html", context, status=status)


def _choices(departments):
    return Department.objects.filter(pk__in=[d.pk for d in departments])


@login_required
def brand_detail(request, brand_id: int):
    brand = _brand_or_404(brand_id)
    if not permissions.can_view_brands(request.user, brand.plan):
        raise PermissionDenied
    return _detail(request, brand)


@login_required
@require_POST
def milestone_report(request, brand_id: int):
    brand = _brand_or_404(brand_id)
    departments = permissions.milestone_reporting_departments(request.user, brand)
    if not departments:
        raise PermissionDenied
    form = MilestoneReportForm(request.POST, request.FILES, brand=brand, departments=_choices(departments))
    if not form.is_valid():
        return _detail(request, brand, form=form, status=400)
    data = form.cleaned_data
    try:
        services.milestone_report_submit(
            milestone=data["milestone"],
            department=data["department"],
            reporter=request.user,
            status=data["status"],
            percent=data["percent"],
            narrative=data["narrative"],
            evidence=data["evidence"],
            narrative_visibility=data["narrative_visibility"],
            evidence_visibility=data["evidence_visibility"],
            base_version=data["version"],
        )
    except ProgressConflict as conflict:
        # Keep what the user typed; a new submit on the fresh version is a deliberate act.
        fresh = _brand_or_404(brand_id)
        form = form_after_conflict(MilestoneReportForm, request, conflict, brand=fresh, departments=_choices(departments))
        return _detail(request, fresh, form=form, status=409, conflict=True)
    messages.success(request, _("Your milestone report was submitted."))
    return redirect(brand)
