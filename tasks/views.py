"""Thin views of the plan itself: load through selectors, ask permissions, write through services.

The item page is put together from panels other apps register (tasks.extensions):
progress shows the reports, supervision the instructions; tasks shows the item,
its departments and targets, and the history all of them add to.
"""

import uuid
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.views import allowed_only

from . import extensions, permissions, selectors, services
from .forms import PlanCloneForm, PlanUploadForm, TargetFillForm
from .importer import PlanParseError
from .models import Target, WorkItem, WorkPlan


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
    try:
        plan = selectors.plan_with_sections(plan_id=plan_id)
    except WorkPlan.DoesNotExist:
        raise Http404
    links, figures = extensions.section_links(plan), extensions.item_figures(plan)
    for section in plan.sections.all():
        section.links = links.get(section.pk, [])
        for item in section.items.all():
            item.figure = figures.get(item.pk)
    computed_at = max((f.computed_at for f in figures.values() if f.computed_at), default=None)
    return render(request, "tasks/plan_detail.html", {"plan": plan, "computed_at": computed_at})


def item_page_response(request, item_id: int, *, status: int = 200, overrides: dict | None = None):
    """The item page; with `overrides`, again with a refused form and its field messages (then 400)."""
    try:
        item = selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404
    overrides = overrides or {}
    context = {"item": item, "plan": item.section.plan, "panels": [], "head_panels": [], "actions": []}
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


UPLOAD_SESSION_KEY = "plan_upload"


@allowed_only(permissions.can_manage_plans)
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


@allowed_only(permissions.can_manage_plans)
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


@allowed_only(permissions.can_manage_plans)
def plan_setup(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    problems = selectors.plan_setup_problems(plan=plan)
    forms_by_target = {t.pk: TargetFillForm(target=t, prefix=f"t{t.pk}") for t in problems.placeholder_targets}
    return render(request, "tasks/plan_setup.html", {"plan": plan, "problems": problems, "target_forms": forms_by_target})


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
        return render(
            request, "tasks/plan_setup.html", {"plan": plan, "problems": problems, "target_forms": forms_by_target},
            status=400,
        )
    services.target_fill(target=target, value=form.cleaned_data["value"], no_number=form.cleaned_data["no_number"])
    messages.success(request, _("Target saved: %(subject)s") % {"subject": target.subject})
    return redirect(reverse("tasks:plan-setup", args=[plan.pk]) + "#placeholders")


@allowed_only(permissions.can_manage_plans)
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


@allowed_only(permissions.can_manage_plans)
@require_POST
def plan_close(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    services.plan_close(plan=plan)
    messages.success(request, _("%(title)s is closed and read-only.") % {"title": plan.title})
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
