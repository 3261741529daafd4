"""Thin views of the plan itself: load through selectors, ask permissions, write through services.

The item page is put together from panels other apps register (tasks.extensions):
progress shows the reports, supervision the instructions; tasks shows the item,
its departments and targets, and the history all of them add to.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import allowed_only
from departments import jobs
from departments.models import ImportJob

from . import extensions, import_jobs, permissions, selectors, services
from .forms import (
    CheckpointForm,
    ItemCycleForm,
    PlanCloneForm,
    PlanSettingsForm,
    PlanUploadForm,
    QuarterlyCheckpointsForm,
    TargetFillForm,
)
from .importer import PlanParseError
from .models import Checkpoint, ReportingCycle, Target, WorkItem, WorkPlan


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
    """The plan, a page of items at a time (PLAN_PAGE_ITEMS) under their sections; the table of contents
    names every section with its item count and links to the page it starts on."""
    try:
        shown = selectors.plan_page(plan_id=plan_id, page=request.GET.get("page"))
    except WorkPlan.DoesNotExist:
        raise Http404
    plan = shown.plan
    items = list(shown.page.object_list)
    links, figures = extensions.section_links(plan), extensions.item_figures(plan, [item.pk for item in items])
    for section in shown.sections:
        section.links = links.get(section.pk, [])
    for item in items:
        item.figure = figures.get(item.pk)
    computed_at = max((f.computed_at for f in figures.values() if f.computed_at), default=None)
    return render(request, "tasks/plan_detail.html", {
        "plan": plan, "shown": shown, "page": shown.page, "computed_at": computed_at,
        "can_manage_checkpoints": permissions.can_manage_checkpoints(request.user) and plan.status != WorkPlan.Status.CLOSED})


def item_page_response(request, item_id: int, *, status: int = 200, overrides: dict | None = None):
    """The item page; with `overrides`, again with a refused form and its field messages (then 400)."""
    try:
        item = selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404
    overrides = overrides or {}
    context = {"item": item, "plan": item.section.plan, "panels": [], "head_panels": [], "actions": [],
               "checkpoints": selectors.item_checkpoints(item=item),
               "can_edit_checkpoints": permissions.can_edit_checkpoints(request.user, item)}
    events = selectors.item_field_changes(item=item)
    for panel in extensions.item_panels():
        content = panel.load(request, item, overrides)
        context.update(content.context)
        context["head_panels" if panel.slot == "head" else "panels"].append(panel.template)
        context["actions"].extend(content.actions)
        events.extend(content.events)
    context["timeline"] = sorted(events, key=lambda event: event.at, reverse=True)
    return render(request, "tasks/item_detail.html", context, status=status)


@login_required
def item_detail(request, item_id: int):
    return item_page_response(request, item_id)


# ---------------------------------------------------------------------------
# Plan administration (plan admins only).


UPLOAD_SESSION_KEY = "plan_upload_job"


@allowed_only(permissions.can_manage_plans)
def manage_plans(request):
    return render(request, "tasks/manage_plans.html", {"plans": selectors.plan_list(), "clone_form": PlanCloneForm(),
                                                       "this_year": timezone.localdate().year})


@allowed_only(permissions.can_manage_plans)
def plan_upload(request):
    """Upload → the importer's dry run as a preview → confirm; errors name the line.

    A large document is checked and written by a background job (departments.jobs); the page then
    follows its progress (plan_upload_job). Its bytes wait in the job's row, never in a file.
    """
    if request.method == "POST" and "confirm" in request.POST:
        job = jobs.job_for(job_id=request.session.get(UPLOAD_SESSION_KEY) or 0, user=request.user)
        if job is None or job.kind != ImportJob.Kind.PLAN:
            messages.error(request, _("The upload expired; please upload the document again."))
            return redirect("tasks:plan-upload")
        return _plan_confirm(request, job)
    form = PlanUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["document"]
        data = upload.read()
        options = {"organization": form.cleaned_data["organization"] or None, "year": form.cleaned_data["year"]}
        try:
            document = services.plan_document_read(data=data, filename=upload.name, **options)
        except PlanParseError as error:
            for problem in error.problems:
                form.add_error("document", problem)
        else:
            job = jobs.job_create(kind=ImportJob.Kind.PLAN, user=request.user, filename=upload.name, document=data,
                                  options=options)
            request.session[UPLOAD_SESSION_KEY] = job.pk
            background = len(document.parsed.items) > import_jobs.INLINE_ITEMS
            job = jobs.job_check(job=job, background=background)
            if background:
                return redirect("tasks:plan-upload-job", job_id=job.pk)
            if job.state == ImportJob.State.FAILED:
                for problem in job.error.splitlines():
                    form.add_error("document", problem)
            else:
                return render(request, "tasks/plan_upload.html", _preview_context(job, form=form))
    return render(request, "tasks/plan_upload.html", {"form": form}, status=400 if form.errors else 200)


def _preview_context(job: ImportJob, *, form=None, removals=None, problems=()) -> dict:
    from departments.models import Department

    preview = job.preview or {}
    names = set(Department.objects.values_list("name", flat=True))
    for alias in preview.get("aliases", []):
        names.update(name for name in [alias["proposed"], *alias["candidates"]] if name)
    chosen = (job.options or {}).get("aliases") or {}
    aliases = [alias | {"chosen": chosen.get(alias["written"], alias["proposed"])} for alias in preview.get("aliases", [])]
    removals = removals or {}
    losses = [loss | {"choice": removals.get(loss["key"], "")} for loss in preview.get("losses", [])]
    return {"form": form or PlanUploadForm(), "job": job, "preview": preview, "aliases": aliases, "losses": losses,
            "department_names": sorted(names), "problems": problems}


def _plan_confirm(request, job: ImportJob):
    if job.state not in (ImportJob.State.PREVIEW, ImportJob.State.FAILED) or not job.preview:
        return redirect("tasks:plan-upload-job", job_id=job.pk)
    preview = job.preview
    background = preview.get("items", 0) > import_jobs.INLINE_ITEMS
    # The admin's answers about abbreviations: a correction becomes an alias, so the document is read again.
    chosen = dict((job.options or {}).get("aliases") or {})
    corrected = False
    for alias in preview.get("aliases", []):
        answer = request.POST.get(f"alias:{alias['written']}")
        if answer is None:
            continue
        if answer != chosen.get(alias["written"], alias["proposed"]):
            corrected = True
        chosen[alias["written"]] = answer
    if corrected:
        job = jobs.job_check(job=job, background=background, options=(job.options or {}) | {"aliases": chosen})
        if background:
            return redirect("tasks:plan-upload-job", job_id=job.pk)
        messages.info(request, _("The preview now reads the departments as you chose; check it and confirm again."))
        return render(request, "tasks/plan_upload.html", _preview_context(job), status=200)
    everything = request.POST.get("removal:all", "")
    removals = {loss["key"]: request.POST.get(f"removal:{loss['key']}") or everything
                for loss in preview.get("losses", [])}
    undecided = [key for key, choice in removals.items() if choice not in (services.KEEP, services.APPLY)]
    if undecided:
        problem = _("Choose for each removal below whether to keep it as it is or to apply it (%(count)d not chosen).") % {
            "count": len(undecided)}
        return render(request, "tasks/plan_upload.html",
                      _preview_context(job, removals=removals, problems=[problem]), status=400)
    job = jobs.job_start(job=job, options=(job.options or {}) | {"aliases": chosen, "removals": removals},
                         background=background)
    request.session.pop(UPLOAD_SESSION_KEY, None)
    if job.state == ImportJob.State.DONE:
        result = job.result or {}
        messages.success(request, _("%(title)s was imported.") % {"title": result.get("title", "")})
        return redirect("tasks:plan-setup", plan_id=result["plan_id"])
    if job.state == ImportJob.State.FAILED:
        return render(request, "tasks/plan_upload.html",
                      _preview_context(job, removals=removals, problems=job.error.splitlines()), status=400)
    return redirect("tasks:plan-upload-job", job_id=job.pk)


@allowed_only(permissions.can_manage_plans)
def plan_upload_job(request, job_id: int):
    """A plan upload checked or written in the background: its progress, its preview, its outcome."""
    job = jobs.job_for(job_id=job_id, user=request.user)
    if job is None or job.kind != ImportJob.Kind.PLAN:
        raise Http404
    if request.method == "POST":
        if "retry" in request.POST:
            jobs.job_retry(job=job)
            return redirect("tasks:plan-upload-job", job_id=job.pk)
        return _plan_confirm(request, job)
    if job.state == ImportJob.State.PREVIEW:
        return render(request, "tasks/plan_upload.html", _preview_context(job))
    return render(request, "tasks/plan_upload_job.html", {"job": job, "result": job.result or {}})


@allowed_only(permissions.can_manage_plans)
def plan_setup(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    problems = selectors.plan_setup_problems(plan=plan)
    forms_by_target = {t.pk: TargetFillForm(target=t, prefix=f"t{t.pk}") for t in problems.placeholder_targets}
    return render(request, "tasks/plan_setup.html",
                  _setup_context(plan, problems=problems, target_forms=forms_by_target, request=request))


def _setup_context(plan: WorkPlan, *, problems, target_forms, settings_form=None, request=None,
                   overrides: dict | None = None) -> dict:
    context = {"plan": plan, "problems": problems, "target_forms": target_forms,
               "settings_form": settings_form or PlanSettingsForm(instance=plan, prefix="settings"),
               "settings_history": selectors.plan_settings_history(plan=plan),
               "checkpoint_count": Checkpoint.objects.filter(item__section__plan=plan).count(),
               "setup_panels": []}
    for panel in extensions.setup_panels():
        context.update(panel.load(request, plan, overrides or {}))
        context["setup_panels"].append(panel.template)
    return context


def plan_setup_response(request, plan: WorkPlan, *, status: int = 200, overrides: dict | None = None):
    """The set-up page; with `overrides`, again with another app's refused form (then 400)."""
    problems = selectors.plan_setup_problems(plan=plan)
    forms_by_target = {t.pk: TargetFillForm(target=t, prefix=f"t{t.pk}") for t in problems.placeholder_targets}
    return render(request, "tasks/plan_setup.html",
                  _setup_context(plan, problems=problems, target_forms=forms_by_target, request=request,
                                 overrides=overrides), status=status)


@allowed_only(permissions.can_manage_plans)
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
        return render(request, "tasks/plan_setup.html",
                      _setup_context(plan, problems=problems, target_forms=forms_by_target, request=request),
                      status=400)
    try:
        services.target_fill(target=target, value=form.cleaned_data["value"], no_number=form.cleaned_data["no_number"])
    except services.PlanClosed as refusal:
        messages.error(request, refusal.message)
        return redirect(plan)
    messages.success(request, _("Target saved: %(subject)s") % {"subject": target.subject})
    return redirect(reverse("tasks:plan-setup", args=[plan.pk]) + "#placeholders")


@allowed_only(permissions.can_manage_plans)
@require_POST
def plan_publish(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    try:
        services.plan_publish(plan=plan, actor=request.user)
    except services.PlanClosed as refusal:
        messages.error(request, refusal.message)
        return redirect("tasks:manage-plans")
    except services.PlanNotReady as refusal:
        messages.error(
            request,
            _("Not published: %(count)d things are still missing (listed below).") % {"count": refusal.problems.count},
        )
        return redirect("tasks:plan-setup", plan_id=plan.pk)
    messages.success(request, _("%(title)s is published: staff can now report progress.") % {"title": plan.title})
    return redirect(plan)


@allowed_only(permissions.can_manage_plans)
def plan_close(request, plan_id: int):
    """Closing asks first (GET: what closing does, and the plan's history); the POST closes."""
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    if request.method != "POST":
        return render(request, "tasks/plan_close.html",
                      {"plan": plan, "history": selectors.plan_status_history(plan=plan)})
    services.plan_close(plan=plan, actor=request.user)
    messages.success(request, _("%(title)s is closed and read-only.") % {"title": plan.title})
    return redirect("tasks:manage-plans")


@allowed_only(permissions.can_manage_plans)
@require_POST
def plan_reopen(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    try:
        services.plan_reopen(plan=plan, actor=request.user)
    except services.PlanNotReopenable as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(title)s is open again: staff can report progress.") % {"title": plan.title})
    return redirect("tasks:manage-plans")


@allowed_only(permissions.can_manage_plans)
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


@allowed_only(permissions.can_change_plan_settings)
@require_POST
def plan_settings(request, plan_id: int):
    """The plan's reporting cycle and its loop's switches, from the set-up page."""
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    form = PlanSettingsForm(request.POST, instance=WorkPlan.objects.get(pk=plan.pk), prefix="settings")
    if not form.is_valid():
        problems = selectors.plan_setup_problems(plan=plan)
        forms_by_target = {t.pk: TargetFillForm(target=t, prefix=f"t{t.pk}") for t in problems.placeholder_targets}
        return render(request, "tasks/plan_setup.html",
                      _setup_context(plan, problems=problems, target_forms=forms_by_target, settings_form=form,
                                     request=request),
                      status=400)
    try:
        changed = services.plan_settings_update(
            plan=plan, user=request.user, **{name: form.cleaned_data[name] for name in form.Meta.fields})
    except services.PlanClosed as refusal:
        messages.error(request, refusal.message)
        return redirect(plan)
    if changed:
        messages.success(request, _("The plan's settings were saved."))
    else:
        messages.info(request, _("Nothing was changed."))
    return redirect(reverse("tasks:plan-setup", args=[plan.pk]) + "#settings")


# ---------------------------------------------------------------------------
# Checkpoints (节点): plan admins and the supervision office.


def _item_or_404(item_id: int) -> WorkItem:
    try:
        return selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404


def _checkpoint_or_404(checkpoint_id: int) -> Checkpoint:
    try:
        return selectors.checkpoint_for_edit(checkpoint_id=checkpoint_id)
    except Checkpoint.DoesNotExist:
        raise Http404


def _checkpoints_url(item) -> str:
    return item.get_absolute_url() + "#checkpoints"


def _save_checkpoint(request, form, item, write):
    """Run the service; its refusals go onto the form's fields (then False)."""
    try:
        write(user=request.user, **form.service_arguments())
    except ValidationError as refusal:
        for field, errors in refusal.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
        return False
    except services.PlanClosed as refusal:
        form.add_error(None, refusal.message)
        return False
    return True


@allowed_only(permissions.can_manage_checkpoints)
def checkpoint_create(request, item_id: int):
    item = _item_or_404(item_id)
    form = CheckpointForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        if _save_checkpoint(request, form, item, lambda **kw: services.checkpoint_create(item=item, **kw)):
            messages.success(request, _("Checkpoint added."))
            return redirect(_checkpoints_url(item))
    return render(request, "tasks/checkpoint_form.html", {"item": item, "form": form},
                  status=400 if form.errors else 200)


@allowed_only(permissions.can_manage_checkpoints)
def checkpoint_edit(request, checkpoint_id: int):
    checkpoint = _checkpoint_or_404(checkpoint_id)
    item = _item_or_404(checkpoint.item_id)
    form = CheckpointForm(request.POST or None, item=item, checkpoint=checkpoint)
    if request.method == "POST" and form.is_valid():
        if _save_checkpoint(request, form, item,
                            lambda **kw: services.checkpoint_update(checkpoint=checkpoint, **kw)):
            messages.success(request, _("Checkpoint saved."))
            return redirect(_checkpoints_url(item))
    return render(request, "tasks/checkpoint_form.html", {"item": item, "form": form, "checkpoint": checkpoint},
                  status=400 if form.errors else 200)


@allowed_only(permissions.can_manage_checkpoints)
@require_POST
def checkpoint_delete(request, checkpoint_id: int):
    checkpoint = _checkpoint_or_404(checkpoint_id)
    item = checkpoint.item
    try:
        services.checkpoint_delete(checkpoint=checkpoint, user=request.user)
    except services.PlanClosed as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, _("Checkpoint removed: %(checkpoint)s") % {"checkpoint": checkpoint})
    return redirect(_checkpoints_url(item))


@allowed_only(permissions.can_manage_checkpoints)
@require_POST
def checkpoint_move(request, checkpoint_id: int):
    checkpoint = _checkpoint_or_404(checkpoint_id)
    try:
        services.checkpoint_move(checkpoint=checkpoint, user=request.user, up=request.POST.get("direction") != "down")
    except services.PlanClosed as refusal:
        messages.error(request, refusal.message)
    return redirect(_checkpoints_url(checkpoint.item))


def _plan_checkpoints_page(request, plan, *, form=None, status=200):
    return render(request, "tasks/plan_checkpoints.html", {
        "plan": plan, "sections": selectors.plan_checkpoint_table(plan=plan),
        "form": form or QuarterlyCheckpointsForm(plan=plan),
        "open": plan.status != WorkPlan.Status.CLOSED,
        "can_change_cycles": permissions.can_change_plan_settings(request.user),
        "cycle_choices": ReportingCycle.choices,
    }, status=status)


@allowed_only(permissions.can_manage_checkpoints)
def plan_checkpoints(request, plan_id: int):
    """Every item of the plan × its checkpoints, with the quarterly bulk action."""
    return _plan_checkpoints_page(request, get_object_or_404(WorkPlan, pk=plan_id))


@allowed_only(permissions.can_manage_checkpoints)
@require_POST
def checkpoints_quarterly(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    form = QuarterlyCheckpointsForm(request.POST, plan=plan)
    if not form.is_valid():
        return _plan_checkpoints_page(request, plan, form=form, status=400)
    try:
        result = services.checkpoints_quarterly(plan=plan, item_ids=form.item_ids(), percents=form.percents(),
                                                user=request.user)
    except services.PlanClosed as refusal:
        messages.error(request, refusal.message)
        return redirect(plan)
    messages.success(request, _("%(created)d checkpoints created on %(items)d items; %(skipped)d items skipped "
                                "(they have checkpoints on those dates, or ones the new ones would contradict).")
                     % {"created": result.created, "items": result.items, "skipped": result.skipped})
    return redirect("tasks:plan-checkpoints", plan_id=plan.pk)


@allowed_only(permissions.can_change_plan_settings)
@require_POST
def item_cycle(request, item_id: int):
    """One item's own reporting cycle (empty: the plan's)."""
    item = get_object_or_404(WorkItem.objects.select_related("section__plan"), pk=item_id)
    form = ItemCycleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a reporting cycle."))
    else:
        try:
            if services.item_cycle_set(item=item, user=request.user, reporting_cycle=form.cleaned_data["reporting_cycle"]):
                messages.success(request, _("Reporting cycle of %(item)s saved.") % {"item": item})
        except services.PlanClosed as refusal:
            messages.error(request, refusal.message)
    return redirect(reverse("tasks:plan-checkpoints", args=[item.section.plan_id]) + f"#item-{item.pk}")
