"""Thin views: load through selectors, ask permissions, write through services."""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.dateparse import parse_date
from django.utils.http import content_disposition_header
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from departments.models import Department
from departments.permissions import plan_admin_required

from . import bulletins, permissions, selectors, services
from . import dashboard as dashboard_reads
from .forms import (
    DepartmentDeactivateForm,
    InstructionForm,
    InstructionReplyForm,
    PlanCloneForm,
    PlanUploadForm,
    ProgressReportForm,
    ReviewForm,
    TargetFillForm,
)
from .evidence import evidence_response
from .importer import PlanParseError
from .models import Evidence, Instruction, ProgressReport, Section, Target, WorkItem, WorkPlan


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


def _item_page_with_errors(request, item_id: int, **forms):
    """The item page again, with the form that was refused and its field messages (HTTP 400)."""
    item = selectors.item_page(item_id=item_id)
    return render(request, "tasks/item_detail.html", _item_context(request, item, **forms), status=400)


@login_required
def item_detail(request, item_id: int):
    item = _get_or_404(selectors.item_page, item_id=item_id)
    return render(request, "tasks/item_detail.html", _item_context(request, item))


@login_required
def report_create(request, item_id: int):
    # Not item_page: the form needs the departments and targets, not every report of the item.
    item = _get_or_404(selectors.item_detail, item_id=item_id)
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
                fresh = selectors.item_detail(item_id=item.pk)
                data = request.POST.copy()
                data["version"] = str(fresh.version)
                form = ProgressReportForm(data, item=fresh, departments=choices)
                form.is_valid()
                form.add_error(None, conflict.message)
                return render(
                    request,
                    "tasks/report_form.html",
                    {"item": fresh, "form": form, "conflict": True,
                     "recent_reports": selectors.item_recent_reports(item_id=item.pk)},
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
        return _item_page_with_errors(request, report.item_id, review_form=form, review_target=report.pk)
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
    item = _get_or_404(selectors.item_detail, item_id=item_id)
    if not permissions.can_instruct(request.user, item):
        raise PermissionDenied
    form = InstructionForm(request.POST)
    if not form.is_valid():
        return _item_page_with_errors(request, item.pk, instruction_form=form)
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
        return _item_page_with_errors(request, instruction.item_id, reply_form=form, reply_target=instruction.pk)
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
    return evidence_response(evidence)


# ---------------------------------------------------------------------------
# Plan administration (plan admins only).


UPLOAD_SESSION_KEY = "plan_upload"


@plan_admin_required
def manage_plans(request):
    return render(request, "tasks/manage_plans.html", {"plans": selectors.plan_list(), "clone_form": PlanCloneForm()})


def _stash_upload(request, data: bytes, filename: str, organization, year) -> None:
    # The preview and the confirmation are two requests: keep the bytes under
    # var/ (not the session: a .docx can be megabytes) and a token in the session.
    token = uuid.uuid4().hex
    folder = Path(settings.VAR_DIR) / "plan-uploads"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / token).write_bytes(data)
    request.session[UPLOAD_SESSION_KEY] = {"token": token, "filename": filename, "organization": organization, "year": year}


def _unstash_upload(request):
    stash = request.session.get(UPLOAD_SESSION_KEY)
    if not stash or not all(c in "0123456789abcdef" for c in stash.get("token", "")):
        return None, None
    path = Path(settings.VAR_DIR) / "plan-uploads" / stash["token"]
    return (path.read_bytes() if path.exists() else None), stash


@plan_admin_required
def plan_upload(request):
    """Upload → the importer's dry run as a preview → confirm; errors name the line."""
    form, preview = PlanUploadForm(), None
    if request.method == "POST" and "confirm" in request.POST:
        data, stash = _unstash_upload(request)
        if data is None:
            messages.error(request, _("The upload expired; please upload the document again."))
            return redirect("tasks:plan-upload")
        try:
            result = services.plan_import_document(
                data=data, filename=stash["filename"], organization=stash["organization"], year=stash["year"]
            )
        except PlanParseError as error:
            messages.error(request, str(error))
            return redirect("tasks:plan-upload")
        del request.session[UPLOAD_SESSION_KEY]
        messages.success(request, _("%(title)s was imported.") % {"title": result.plan.title})
        return redirect("tasks:plan-setup", plan_id=result.plan.pk)
    if request.method == "POST":
        form = PlanUploadForm(request.POST, request.FILES)
        if form.is_valid():
            upload = form.cleaned_data["document"]
            data = upload.read()
            organization, year = form.cleaned_data["organization"] or None, form.cleaned_data["year"]
            try:
                preview = services.plan_import_document(
                    data=data, filename=upload.name, organization=organization, year=year, dry_run=True
                )
            except PlanParseError as error:
                form.add_error("document", str(error))
            else:
                _stash_upload(request, data, upload.name, organization, year)
    return render(request, "tasks/plan_upload.html", {"form": form, "preview": preview})


@plan_admin_required
def plan_setup(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    problems = selectors.plan_setup_problems(plan=plan)
    forms_by_target = {t.pk: TargetFillForm(target=t, prefix=f"t{t.pk}") for t in problems.placeholder_targets}
    return render(request, "tasks/plan_setup.html", {"plan": plan, "problems": problems, "target_forms": forms_by_target})


@plan_admin_required
@require_POST
def target_fill(request, target_id: int):
    try:
        target = Target.objects.select_related("item__section__plan").get(pk=target_id)
    except Target.DoesNotExist:
        raise Http404
    plan = target.item.section.plan
    form = TargetFillForm(request.POST, target=target, prefix=f"t{target.pk}")
    if not form.is_valid():
        problems = selectors.plan_setup_problems(plan=plan)
        forms_by_target = {t.pk: TargetFillForm(target=t, prefix=f"t{t.pk}") for t in problems.placeholder_targets}
        forms_by_target[target.pk] = form
        return render(
            request, "tasks/plan_setup.html", {"plan": plan, "problems": problems, "target_forms": forms_by_target},
            status=400,
        )
    services.target_fill(target=target, value=form.cleaned_data["value"], no_number=form.cleaned_data["no_number"])
    messages.success(request, _("Target saved: %(subject)s") % {"subject": target.subject})
    return redirect(reverse("tasks:plan-setup", args=[plan.pk]) + "#placeholders")


@plan_admin_required
@require_POST
def plan_publish(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    try:
        services.plan_publish(plan=plan)
    except services.PlanNotReady as refusal:
        messages.error(
            request,
            _("Not published: %(count)d things are still missing (listed below).") % {"count": refusal.problems.count},
        )
        return redirect("tasks:plan-setup", plan_id=plan.pk)
    messages.success(request, _("%(title)s is published: staff can now report progress.") % {"title": plan.title})
    return redirect(plan)


@plan_admin_required
@require_POST
def plan_close(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    services.plan_close(plan=plan)
    messages.success(request, _("%(title)s is closed and read-only.") % {"title": plan.title})
    return redirect("tasks:manage-plans")


@plan_admin_required
@require_POST
def plan_clone(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    form = PlanCloneForm(request.POST)
    if not form.is_valid():
        return render(request, "tasks/manage_plans.html", {"plans": selectors.plan_list(), "clone_form": form,
                                                           "clone_plan": plan.pk}, status=400)
    try:
        clone = services.plan_clone(plan=plan, year=form.cleaned_data["year"])
    except services.PlanExists as error:
        form.add_error("year", str(error))
        return render(request, "tasks/manage_plans.html", {"plans": selectors.plan_list(), "clone_form": form,
                                                           "clone_plan": plan.pk}, status=400)
    messages.success(request, _("%(title)s was created as a draft.") % {"title": clone.title})
    return redirect("tasks:plan-setup", plan_id=clone.pk)


@plan_admin_required
def department_deactivate(request, department_id: int):
    department = get_object_or_404(Department, pk=department_id)
    form = DepartmentDeactivateForm(request.POST if request.method == "POST" else None, department=department)
    open_items = selectors.department_open_items(department=department)
    if request.method == "POST" and form.is_valid():
        try:
            moved = services.department_deactivate(department=department, successor=form.cleaned_data["successor"])
        except services.DepartmentStillResponsible as error:
            form.add_error("successor", str(error))
        else:
            messages.success(
                request, _("%(name)s is inactive; %(count)d items moved.") % {"name": department, "count": moved}
            )
            return redirect("departments:tree")
    return render(
        request, "tasks/department_deactivate.html", {"department": department, "form": form, "open_items": open_items},
        status=400 if form.errors else 200,
    )


# ---------------------------------------------------------------------------
# Dashboards and bulletins (read from the stored roll-up).


def _dashboard_plan(request) -> WorkPlan:
    year = request.GET.get("year", "")
    if year.isdigit():
        plan = dashboard_reads.plans_by_year().filter(year=int(year)).first()
        if plan is None:
            raise Http404
        return plan
    plan = selectors.plan_current()
    if plan is None:
        raise Http404
    return plan


def _light_filter(request) -> str | None:
    light = request.GET.get("light")
    return light if light in dashboard_reads.LIGHTS else None


@login_required
def dashboard(request):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    today = timezone.localdate()
    key = dashboard_reads.body_cache_key(plan=plan, today=today, language=get_language())
    body, context = cache.get(key), {}
    if body is None:
        data = dashboard_reads.dashboard(plan=plan, today=today)
        chart = {
            "dates": data.trend_dates,
            "series": [{"name": str(_("Whole plan")), "data": data.trend["plan"]}]
            + [{"name": f"{c.section.numeral}、{c.section.title}", "data": data.trend[str(c.section.number)]}
               for c in data.cards],
            "sections": {str(c.section.number): [v for _d, v in c.trend] for c in data.cards},
        }
        context = {"data": data, "chart": chart}
        body = render_to_string("tasks/_dashboard_body.html", {"plan": plan, **context}, request=request)
        cache.set(key, body, 60 * 60)
    return render(
        request,
        "tasks/dashboard.html",
        {"plan": plan, "body": mark_safe(body), "plans": dashboard_reads.plans_by_year(), **context},
    )


@login_required
def section_dashboard(request, section_id: int):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    section = get_object_or_404(Section.objects.select_related("plan"), pk=section_id)
    department = request.GET.get("department", "")
    items = dashboard_reads.item_rows(
        plan=section.plan,
        section_id=section.pk,
        department_id=int(department) if department.isdigit() else None,
        light=_light_filter(request),
    )
    return render(
        request,
        "tasks/dashboard_items.html",
        {"plan": section.plan, "section": section, "items": items, "light": _light_filter(request),
         "departments": Department.objects.filter(is_active=True), "department_id": department},
    )


@login_required
def department_dashboard(request, department_id: int):
    department = get_object_or_404(Department.objects.select_related("group"), pk=department_id)
    if not permissions.can_view_department_dashboard(request.user, department):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    rows = dashboard_reads.department_table(plan=plan, department_id=department.pk)
    items = dashboard_reads.item_rows(plan=plan, department_id=department.pk, light=_light_filter(request))
    return render(
        request,
        "tasks/dashboard_items.html",
        {"plan": plan, "department": department, "row": rows[0] if rows else None, "items": items,
         "light": _light_filter(request), "plans": dashboard_reads.plans_by_year()},
    )


@login_required
def my_department_dashboard(request):
    membership = request.user.memberships.select_related("department").order_by("department__order").first()
    if membership is None:
        raise Http404
    return redirect("tasks:department-dashboard", department_id=membership.department_id)


def _bulletin_parts(request):
    if not permissions.can_view_dashboard(request.user):
        raise PermissionDenied
    plan = _dashboard_plan(request)
    data = dashboard_reads.dashboard(plan=plan, today=timezone.localdate())
    return plan, data, dashboard_reads.bulletin_items(plan=plan)


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
        plan=plan, dashboard=data, items=items, instructions=dashboard_reads.pending_instructions(plan=plan),
        period=(start, end),
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    response["Content-Disposition"] = content_disposition_header(True, f"{plan.title}.docx")
    return response
