"""Thin views: load through selectors, ask permissions, write through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from departments.models import Department

from . import permissions, selectors, services
from .forms import InstructionForm, InstructionReplyForm, ProgressReportForm, ReviewForm
from .models import Evidence, Instruction, ProgressReport, WorkItem, WorkPlan


def _get_or_404(loader, **kwargs):
    try:
        return loader(**kwargs)
    except (WorkItem.DoesNotExist, WorkPlan.DoesNotExist, ProgressReport.DoesNotExist, Evidence.DoesNotExist,
            Instruction.DoesNotExist):
        raise Http404


@login_required
def plan_current(request):
    plan = selectors.plan_current()
    if plan is None:
        return render(request, "tasks/no_plan.html")
    return redirect(plan)


@login_required
def plan_list(request):
    return render(request, "tasks/plan_list.html", {"plans": selectors.plan_list()})


@login_required
def plan_detail(request, plan_id: int):
    plan = _get_or_404(selectors.plan_with_sections, plan_id=plan_id)
    return render(request, "tasks/plan_detail.html", {"plan": plan})


@login_required
def my_work(request):
    plan = selectors.plan_current()
    rows = selectors.my_work(user=request.user, plan=plan) if plan else []
    today = timezone.localdate()
    sections = {}
    for row in rows:
        row.flag_list = row.flags(today)
        sections.setdefault(row.item.section, []).append(row)
    return render(
        request,
        "tasks/my_work.html",
        {"plan": plan, "sections": sections, "row_count": len(rows), "today": today},
    )


def _item_context(request, item, **extra):
    user = request.user
    context = {
        "item": item,
        "plan": item.section.plan,
        "timeline": selectors.item_timeline(item=item),
        "can_report": permissions.can_report(user, item),
        "can_instruct": permissions.can_instruct(user, item),
        "reviewable": {r.pk for r in item.reports.all() if permissions.can_review(user, r)},
        "answerable": {i.pk for i in item.instructions.all() if permissions.can_handle_instruction(user, i)},
        "instruction_form": InstructionForm(),
        "review_form": ReviewForm(),
        "reply_form": InstructionReplyForm(),
    }
    context.update(extra)
    return context


@login_required
def item_detail(request, item_id: int):
    item = _get_or_404(selectors.item_page, item_id=item_id)
    return render(request, "tasks/item_detail.html", _item_context(request, item))


@login_required
def report_create(request, item_id: int):
    item = _get_or_404(selectors.item_page, item_id=item_id)
    departments = permissions.reporting_departments(request.user, item)
    if not departments:
        raise PermissionDenied
    choices = Department.objects.filter(pk__in=[d.pk for d in departments])
    if request.method == "POST":
        form = ProgressReportForm(request.POST, request.FILES, item=item, departments=choices)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.report_submit(
                    item=item,
                    department=data["department"],
                    reporter=request.user,
                    status=data["status"],
                    percent=data["percent"],
                    narrative=data["narrative"],
                    readings=form.readings(),
                    evidence=data["evidence"],
                    base_version=data["version"],
                )
            except services.ProgressConflict as conflict:
                # Keep what the user typed; show what changed; a new submit is a deliberate act.
                fresh = selectors.item_page(item_id=item.pk)
                data = request.POST.copy()
                data["version"] = str(fresh.version)
                form = ProgressReportForm(data, item=fresh, departments=choices)
                form.is_valid()
                form.add_error(None, conflict.message)
                return render(
                    request,
                    "tasks/report_form.html",
                    {"item": fresh, "form": form, "conflict": True, "recent_reports": list(fresh.reports.all()[:3])},
                    status=409,
                )
            messages.success(request, _("Your progress report was submitted."))
            return redirect(item)
    else:
        form = ProgressReportForm(item=item, departments=choices)
    return render(request, "tasks/report_form.html", {"item": item, "form": form})


@login_required
@require_POST
def report_review(request, report_id: int):
    report = _get_or_404(selectors.report_for_review, report_id=report_id)
    if not permissions.can_review(request.user, report):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        item = selectors.item_page(item_id=report.item_id)
        return render(
            request, "tasks/item_detail.html", _item_context(request, item, review_form=form, review_target=report.pk),
            status=400,
        )
    try:
        if form.cleaned_data["decision"] == ReviewForm.Decision.APPROVE:
            services.report_approve(report=report, reviewer=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, _("Report approved."))
        else:
            services.report_return(report=report, reviewer=request.user, comment=form.cleaned_data["comment"])
            messages.success(request, _("Report returned to the department."))
    except services.ProgressConflict as conflict:
        messages.error(request, conflict.message)
    if request.POST.get("next") == "reviews":
        return redirect("tasks:review-queue")
    return redirect(report.item)


@login_required
def review_queue(request):
    return render(request, "tasks/review_queue.html", {"reports": selectors.review_queue(user=request.user),
                                                       "review_form": ReviewForm()})


@login_required
@require_POST
def instruction_create(request, item_id: int):
    item = _get_or_404(selectors.item_page, item_id=item_id)
    if not permissions.can_instruct(request.user, item):
        raise PermissionDenied
    form = InstructionForm(request.POST)
    if not form.is_valid():
        return render(request, "tasks/item_detail.html", _item_context(request, item, instruction_form=form), status=400)
    services.instruction_create(item=item, author=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("Instruction sent to the responsible departments."))
    return redirect(item)


@login_required
@require_POST
def instruction_handle(request, instruction_id: int):
    instruction = _get_or_404(
        lambda pk: Instruction.objects.select_related("item__section__plan").get(pk=pk), pk=instruction_id
    )
    if not permissions.can_handle_instruction(request.user, instruction):
        raise PermissionDenied
    form = InstructionReplyForm(request.POST)
    if not form.is_valid():
        item = selectors.item_page(item_id=instruction.item_id)
        return render(
            request, "tasks/item_detail.html",
            _item_context(request, item, reply_form=form, reply_target=instruction.pk), status=400,
        )
    try:
        services.instruction_handle(instruction=instruction, user=request.user, reply=form.cleaned_data["reply"])
        messages.success(request, _("Your reply was recorded."))
    except services.ProgressConflict as conflict:
        messages.error(request, conflict.message)
    return redirect(instruction.item)


@login_required
def evidence_download(request, evidence_id: int):
    evidence = _get_or_404(selectors.evidence_file, evidence_id=evidence_id)
    if not permissions.can_download_evidence(request.user, evidence):
        raise PermissionDenied
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404
    return FileResponse(handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type)
