"""Thin views of reporting and review: load through selectors, ask permissions, write through services."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
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


def _keep_checked_files(request, form, item) -> None:
    """A refused submit keeps the files that passed their own check (pending uploads of the user)."""
    from .evidence import validate_evidence

    uploads = []
    for upload in request.FILES.getlist("evidence"):
        try:
            uploads.append(validate_evidence(upload))
        except ValidationError:
            continue
    if uploads:
        services.pending_uploads_keep(user=request.user, item=item, uploads=uploads)


@login_required
def report_create(request, item_id: int):
    # Not the item page's reads: the form needs the departments and targets, not every report of the item.
    try:
        item = plan_selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404
    if permissions.plan_is_draft(item):
        return render(request, "progress/report_refused.html", {"item": item}, status=403)
    departments = permissions.reporting_departments(request.user, item)
    if not departments:
        raise PermissionDenied
    choices = Department.objects.filter(pk__in=[d.pk for d in departments])
    returned = selectors.returned_report(item_id=item.pk, department_ids=[d.pk for d in departments])
    pending = selectors.pending_uploads(user=request.user, item_id=item.pk)
    form_kwargs = {"item": item, "departments": choices, "returned": returned, "pending": pending}
    if request.method == "POST":
        form = ProgressReportForm(request.POST, request.FILES, **form_kwargs)
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
                    kept=list(data["kept"]),
                    pending=list(data["pending"]),
                )
            except services.ProgressConflict as conflict:
                # Keep what the user typed; show what changed; a new submit is a deliberate act.
                fresh = plan_selectors.item_detail(item_id=item.pk)
                _keep_checked_files(request, form, item)
                form = form_after_conflict(ProgressReportForm, request, conflict, item=fresh, departments=choices,
                                           returned=returned,
                                           pending=selectors.pending_uploads(user=request.user, item_id=item.pk))
                return render(
                    request,
                    "progress/report_form.html",
                    {"item": fresh, "form": form, "conflict": True, "returned": returned,
                     "recent_reports": selectors.item_recent_reports(item_id=item.pk)},
                    status=409,
                )
            messages.success(request, _("Your progress report was submitted."))
            return redirect(item)
        # Refused: the files that passed their own check are kept and offered again, ticked.
        _keep_checked_files(request, form, item)
        posted = request.POST.copy()
        pending = selectors.pending_uploads(user=request.user, item_id=item.pk)  # with the ones kept just now
        posted.setlist("pending", [str(pk) for pk in pending.values_list("pk", flat=True)])
        refused = ProgressReportForm(posted, **form_kwargs | {"pending": pending})
        refused.is_valid()
        if "evidence" in form.errors:
            refused.add_error("evidence", form.errors["evidence"])
        return render(request, "progress/report_form.html", {"item": item, "form": refused, "returned": returned})
    has_checkpoints, default = selectors.next_checkpoint_to_meet(item=item, today=local_date(timezone.now()))
    form = ProgressReportForm(**form_kwargs, default_checkpoint=default, has_checkpoints=has_checkpoints)
    return render(request, "progress/report_form.html", {"item": item, "form": form, "returned": returned})


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
        # The comment field gets the focus, so the browser brings the error into view next to the buttons.
        form.fields["comment"].widget.attrs["autofocus"] = True
        if request.POST.get("next") == "reviews":
            # Stay on the queue: the error next to the buttons of that very report.
            return _review_queue_page(request, form=form, target=report.pk, status=400)
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


def _review_queue_page(request, *, form=None, target=None, status=200):
    reports = permissions.with_visibility(request.user, selectors.review_queue(
        user=request.user, as_plan_admin=permissions.reviews_when_no_head_may(request.user)))
    return render(request, "progress/review_queue.html",
                  {"reports": reports, "review_form": form or ReviewForm(), "review_target": target}, status=status)


@login_required
def review_queue(request):
    return _review_queue_page(request)


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
