"""Thin views of reporting and review: load through selectors, ask permissions, write through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.dates import local_date
from departments.models import Department
from tasks import selectors as plan_selectors
from tasks.extensions import Link, PanelContent
from tasks.models import WorkItem
from tasks.views import item_page_response

from . import permissions, selectors, services
from .evidence import evidence_response
from .forms import ProgressReportForm, ReviewForm, form_after_conflict
from .models import Evidence, ProgressReport


@login_required
def report_create(request, item_id: int):
    # Not the item page's reads: the form needs the departments and targets, not every report of the item.
    try:
        item = plan_selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404
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
                    narrative_visibility=data["narrative_visibility"],
                    evidence_visibility=data["evidence_visibility"],
                    base_version=data["version"],
                    checkpoint=data["checkpoint"],
                )
            except services.ProgressConflict as conflict:
                # Keep what the user typed; show what changed; a new submit is a deliberate act.
                fresh = plan_selectors.item_detail(item_id=item.pk)
                form = form_after_conflict(ProgressReportForm, request, conflict, item=fresh, departments=choices)
                return render(
                    request,
                    "progress/report_form.html",
                    {"item": fresh, "form": form, "conflict": True,
                     "recent_reports": selectors.item_recent_reports(item_id=item.pk)},
                    status=409,
                )
            messages.success(request, _("Your progress report was submitted."))
            return redirect(item)
    else:
        has_checkpoints, default = selectors.next_checkpoint_to_meet(item=item, today=local_date(timezone.now()))
        form = ProgressReportForm(item=item, departments=choices, default_checkpoint=default,
                                  has_checkpoints=has_checkpoints)
    return render(request, "progress/report_form.html", {"item": item, "form": form})


@login_required
@require_POST
def report_review(request, report_id: int):
    try:
        report = selectors.report_for_review(report_id=report_id)
    except ProgressReport.DoesNotExist:
        raise Http404
    if not permissions.is_reviewer_of(request.user, report):
        raise PermissionDenied
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return item_page_response(request, report.item_id, status=400,
                                  overrides={"review_form": form, "review_target": report.pk})
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
        return redirect("progress:review-queue")
    return redirect(report.item)


@login_required
def review_queue(request):
    reports = permissions.with_visibility(request.user, selectors.review_queue(
        user=request.user, as_plan_admin=permissions.reviews_when_no_head_may(request.user)))
    return render(request, "progress/review_queue.html", {"reports": reports, "review_form": ReviewForm()})


@login_required
def evidence_download(request, evidence_id: int):
    try:
        evidence = selectors.evidence_file(evidence_id=evidence_id)
    except Evidence.DoesNotExist:
        raise Http404
    if not permissions.can_download_evidence(request.user, evidence):
        raise PermissionDenied
    services.evidence_download_record(evidence=evidence, user=request.user, request=request)
    return evidence_response(evidence)


def reports_panel(request, item, overrides):
    """The item page's reports: each with its review form where the user may review it."""
    reports = permissions.with_visibility(request.user,
                                          selectors.with_review_lines(selectors.item_reports(item_id=item.pk)))
    for report in reports:
        report.item = item  # the item is loaded already: permission checks need its plan
    actions = []
    if permissions.can_report(request.user, item):
        actions.append(Link(_("Report progress"), reverse("progress:report-create", args=[item.pk]), primary=True))
    return PanelContent(
        context={
            "reports": reports,
            "reviewable": {r.pk for r in reports if permissions.can_review(request.user, r)},
            "review_form": overrides.get("review_form") or ReviewForm(),
            "review_target": overrides.get("review_target"),
        },
        actions=actions,
        events=selectors.report_events(reports),
    )


def official_progress_panel(request, item, overrides):
    """The item's official progress (认定进度) under its title: the figure, its two parts and why."""
    return PanelContent(context={"official": selectors.item_official(item_id=item.pk)})
