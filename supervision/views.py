"""Thin views of supervision (督办): 我的工作, instructions, chases, extensions, 销号, summaries and the desk."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import Conflict
from core.querystring import int_param
from core.views import allowed_only
from departments.models import Department, Membership
from departments.permissions import is_leadership, is_plan_admin, is_supervisor
from progress import selectors as progress_selectors
from tasks import selectors as plan_selectors
from tasks.extensions import Link, PanelContent, TimelineEvent
from tasks.models import Section, WorkItem, WorkPlan
from tasks.services import PlanClosed
from tasks.views import item_page_response, plan_setup_response

from . import permissions, selectors, services
from .forms import (
    AssignmentForm,
    ChaseAnswerForm,
    ChaseForm,
    DecisionForm,
    ExtensionForm,
    InstructionConclusionForm,
    InstructionForm,
    InstructionReplyForm,
    SummaryForm,
    summary_requirement_formset,
)
from .models import ChaseTarget, Extension, Instruction, SummaryRequirement


def _item_or_404(item_id: int) -> WorkItem:
    try:
        return plan_selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404


def _refused(form, error: ValidationError):
    """A service's refusal lands on the form's fields, like the form's own checks."""
    form.add_error(None, error)
    return form


def _current_plan(request) -> WorkPlan:
    plan_id = int_param(request.GET.get("plan") or request.POST.get("plan"))
    if plan_id is not None:
        return get_object_or_404(WorkPlan, pk=plan_id)
    plan = plan_selectors.plan_current()
    if plan is None:
        raise Http404
    return plan


# ---------------------------------------------------------------------------
# 我的工作


@login_required
def landing(request):
    """Where each role lands after log-in: its work, not the plan's front page.

    Plan admins → the set-up pages; a head with reports waiting → the review queue; leadership
    and the supervision office (督查) → the dashboard; everyone else → my work.
    """
    user = request.user
    if is_plan_admin(user):
        return redirect("tasks:manage-plans")
    if Membership.objects.filter(user=user, role=Membership.Role.HEAD).exists() and \
            progress_selectors.awaiting_my_review(user=user, as_plan_admin=False):
        return redirect("progress:review-queue")
    if is_leadership(user) or is_supervisor(user):
        return redirect("dashboard:dashboard")
    return redirect("supervision:my-work")


@login_required
def my_work(request):
    plan = plan_selectors.plan_current()
    shown = selectors.my_work(user=request.user, plan=plan, page=request.GET.get("page")) if plan else None
    today = timezone.localdate()
    sections = {}
    for row in shown.rows if shown else []:
        row.flag_list = row.flags(today)
        sections.setdefault(row.item.section, []).append(row)
    return render(
        request,
        "supervision/my_work.html",
        {"plan": plan, "sections": sections, "row_count": shown.total if shown else 0, "today": today,
         "page": shown.page if shown else None, "query": "",
         "chases": selectors.my_chases(user=request.user, plan=plan) if plan else [],
         "summaries": selectors.my_summaries(user=request.user, plan=plan) if plan else [],
         "answer_form": ChaseAnswerForm(),
         "computed_at": progress_selectors.plan_computed_at(plan=plan) if plan else None},
    )


# ---------------------------------------------------------------------------
# 领导批示 and 交办事项


@login_required
@require_POST
def instruction_create(request, item_id: int):
    item = _item_or_404(item_id)
    if not permissions.can_instruct(request.user, item):
        raise PermissionDenied
    form = InstructionForm(request.POST, item=item)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.instruction_create(item=item, author=request.user, text=data["text"],
                                        departments=list(data["departments"]), due_date=data["due_date"])
            messages.success(request, _("Instruction sent to the departments."))
            return redirect(reverse("tasks:item-detail", args=[item.pk]) + "#instructions")
        except ValidationError as error:
            _refused(form, error)
    return item_page_response(request, item.pk, status=400, overrides={"instruction_form": form})


def _instruction_or_404(instruction_id: int) -> Instruction:
    try:
        return selectors.instruction_for_reply(instruction_id=instruction_id)
    except Instruction.DoesNotExist:
        raise Http404


@login_required
@require_POST
def instruction_reply(request, instruction_id: int):
    instruction = _instruction_or_404(instruction_id)
    if not permissions.can_handle_instruction(request.user, instruction):
        raise PermissionDenied
    form = InstructionReplyForm(request.POST)
    if not form.is_valid():
        return item_page_response(request, instruction.item_id, status=400,
                                  overrides={"reply_form": form, "reply_target": instruction.pk})
    department = (Department.objects.filter(pk__in=permissions.instruction_department_ids(instruction),
                                            memberships__user=request.user).order_by("order").first())
    try:
        services.instruction_reply(instruction=instruction, user=request.user, text=form.cleaned_data["reply"],
                                   department=department)
        messages.success(request, _("Your reply was sent to the leader."))
    except Conflict as conflict:
        messages.error(request, conflict.message)
    return redirect(reverse("tasks:item-detail", args=[instruction.item_id]) + "#instructions")


@login_required
@require_POST
def instruction_conclude(request, instruction_id: int):
    instruction = _instruction_or_404(instruction_id)
    if not permissions.can_conclude_instruction(request.user, instruction):
        raise PermissionDenied
    form = InstructionConclusionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == form.Decision.CLOSE:
                services.instruction_close(instruction=instruction, user=request.user, comment=data["comment"])
                messages.success(request, _("Instruction closed (办结); the departments were told."))
            else:
                services.instruction_return(instruction=instruction, user=request.user, comment=data["comment"])
                messages.success(request, _("Instruction returned to the departments."))
            return redirect(reverse("tasks:item-detail", args=[instruction.item_id]) + "#instructions")
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(reverse("tasks:item-detail", args=[instruction.item_id]) + "#instructions")
        except ValidationError as error:
            _refused(form, error)
    return item_page_response(request, instruction.item_id, status=400,
                              overrides={"conclusion_form": form, "conclusion_target": instruction.pk})


@allowed_only(permissions.can_assign)
def assignment_create(request):
    plan = _current_plan(request)
    form = AssignmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            instruction = services.assignment_create(
                plan=plan, author=request.user, title=data["title"], text=data["text"],
                departments=sorted(data["departments"], key=lambda d: request.POST.getlist("departments").index(str(d.pk))),
                due_date=data["due_date"])
            messages.success(request, _("Assigned: the item is in the plan and the departments were told."))
            return redirect(instruction.item)
        except ValidationError as error:
            _refused(form, error)
    return render(request, "supervision/assignment_form.html", {"plan": plan, "form": form},
                  status=400 if request.method == "POST" else 200)


def instructions_panel(request, item, overrides):
    """The item page's leadership instructions, each with its loop and the forms the user may use."""
    instructions = selectors.item_instructions(item_id=item.pk)
    for instruction in instructions:
        instruction.item = item  # loaded already: the permission checks need its plan and departments
    member_of = permissions.user_department_ids(request.user) if instructions else set()
    return PanelContent(
        context={
            "instructions": instructions,
            "answerable": {i.pk for i in instructions
                           if permissions.can_handle_instruction(request.user, i, member_of=member_of)},
            "concludable": {i.pk for i in instructions if permissions.can_conclude_instruction(request.user, i)},
            "can_instruct": permissions.can_instruct(request.user, item),
            "instruction_form": overrides.get("instruction_form") or InstructionForm(item=item),
            "reply_form": overrides.get("reply_form") or InstructionReplyForm(),
            "reply_target": overrides.get("reply_target"),
            "conclusion_form": overrides.get("conclusion_form") or InstructionConclusionForm(),
            "conclusion_target": overrides.get("conclusion_target"),
            "today": timezone.localdate(),
        },
        events=selectors.instruction_events(instructions),
    )


# ---------------------------------------------------------------------------
# 一键催办


def _chase_scope(request) -> dict:
    """What a chase is about, from the query: an item, a section, a department, or the whole plan."""
    scope = {"item": None, "section": None, "department": None}
    source = request.POST if request.method == "POST" else request.GET
    for key, model in (("item", WorkItem), ("section", Section), ("department", Department)):
        value = source.get(key)
        if value:
            pk = int_param(value)
            if pk is None:
                raise Http404
            scope[key] = get_object_or_404(model, pk=pk)
    return scope


@allowed_only(permissions.can_chase)
def chase_create(request):
    scope = _chase_scope(request)
    if scope["item"] is not None:
        plan = scope["item"].section.plan
    elif scope["section"] is not None:
        plan = scope["section"].plan
    else:
        plan = _current_plan(request)
    late = services.late_departments(plan=plan, **scope)
    form = ChaseForm(request.POST or None, late=late)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            chase = services.chase_create(plan=plan, author=request.user, message=data["message"],
                                          reply_by=data["reply_by"], targets=form.targets(),
                                          item=scope["item"], section=scope["section"])
            messages.success(request, _("Chase sent to %(count)s departments.") % {"count": chase.targets.count()})
            back = request.POST.get("next", "")  # the dashboard's late list, which then says 已催办
            if back and url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()},
                                                        require_https=request.is_secure()):
                return redirect(back)
            return redirect(chase)
        except ValidationError as error:
            _refused(form, error)
    return render(request, "supervision/chase_form.html",
                  {"plan": plan, "form": form, "late": late, **scope},
                  status=400 if request.method == "POST" else 200)


@login_required
def chase_detail(request, chase_id: int):
    try:
        chase = selectors.chase_page(chase_id=chase_id)
    except selectors.Chase.DoesNotExist:
        raise Http404
    statuses = selectors.chase_statuses(chases=[chase], today=timezone.localdate())[chase.pk]
    mine = set(Membership.objects.filter(user=request.user).values_list("department_id", flat=True))
    if not (permissions.can_chase(request.user) or permissions.can_supervise(request.user)
            or any(s.target.department_id in mine for s in statuses)):
        raise PermissionDenied
    answerable = {s.target.pk for s in statuses if permissions.can_answer_chase(request.user, s.target)}
    return render(request, "supervision/chase_detail.html",
                  {"chase": chase, "statuses": statuses, "answerable": answerable, "answer_form": ChaseAnswerForm()})


@login_required
@require_POST
def chase_answer(request, target_id: int):
    try:
        target = selectors.chase_target(target_id=target_id)
    except ChaseTarget.DoesNotExist:
        raise Http404
    if not permissions.can_answer_chase(request.user, target):
        raise PermissionDenied
    form = ChaseAnswerForm(request.POST)
    if form.is_valid():
        try:
            services.chase_answer(target=target, user=request.user, text=form.cleaned_data["answer"])
            messages.success(request, _("Your answer was recorded."))
        except Conflict as conflict:
            messages.error(request, conflict.message)
        return redirect(target.chase)
    chase = selectors.chase_page(chase_id=target.chase_id)
    statuses = selectors.chase_statuses(chases=[chase], today=timezone.localdate())[chase.pk]
    return render(request, "supervision/chase_detail.html",
                  {"chase": chase, "statuses": statuses, "answerable": {target.pk}, "answer_form": form,
                   "answer_target": target.pk}, status=400)


# ---------------------------------------------------------------------------
# 延期申请


def _lead_department(item: WorkItem, checkpoint=None):
    if checkpoint is not None and checkpoint.department_id:
        return checkpoint.department
    return next((r.department for r in item.responsibilities.all() if r.role == "lead"), None)


@login_required
def extension_create(request, item_id: int):
    item = _item_or_404(item_id)
    checkpoints = list(item.checkpoints.all())
    may_ask = permissions.can_request_extension(request.user, item) or any(
        permissions.can_request_extension(request.user, item, checkpoint=c) for c in checkpoints)
    if not may_ask:
        raise PermissionDenied
    form = ExtensionForm(request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        checkpoint = data["checkpoint"]
        if not permissions.can_request_extension(request.user, item, checkpoint=checkpoint):
            form.add_error("checkpoint", _("You may not ask for more time for this date."))
        else:
            try:
                services.extension_request(item=item, user=request.user, department=_lead_department(item, checkpoint),
                                           new_due=data["new_due"], reason=data["reason"], checkpoint=checkpoint)
                messages.success(request, _("Your request was sent to the supervision office."))
                return redirect(reverse("tasks:item-detail", args=[item.pk]) + "#supervision")
            except ValidationError as error:
                _refused(form, error)
    return render(request, "supervision/extension_form.html", {"item": item, "form": form},
                  status=400 if request.method == "POST" else 200)


@login_required
@require_POST
def extension_decide(request, extension_id: int):
    try:
        extension = selectors.extension_for_decision(extension_id=extension_id)
    except Extension.DoesNotExist:
        raise Http404
    checking = extension.state == Extension.State.PENDING
    allowed = (permissions.can_check_extension(request.user, extension) if checking
               else permissions.can_decide_extension(request.user, extension))
    if not allowed:
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        step = services.extension_check if checking else services.extension_decide
        try:
            step(extension=extension, user=request.user, approve=form.approved, comment=form.cleaned_data["comment"])
            messages.success(request, _("Decision recorded; everyone involved was told."))
            return redirect(reverse("tasks:item-detail", args=[extension.item_id]) + "#supervision")
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(reverse("tasks:item-detail", args=[extension.item_id]) + "#supervision")
        except ValidationError as error:
            _refused(form, error)
    return item_page_response(request, extension.item_id, status=400,
                              overrides={"decision_form": form, "decision_target": f"extension-{extension.pk}"})


# ---------------------------------------------------------------------------
# 办结审核 and 销号


@login_required
@require_POST
def completion_decide(request, item_id: int):
    item = _item_or_404(item_id)
    if not permissions.can_check_completion(request.user, item):
        raise PermissionDenied
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            if form.approved:
                services.completion_close(item=item, user=request.user, comment=form.cleaned_data["comment"])
                messages.success(request, _("Closed (销号): the item counts as done."))
            else:
                services.completion_return(item=item, user=request.user, comment=form.cleaned_data["comment"])
                messages.success(request, _("Returned to be done again; the department was told."))
            return redirect(reverse("tasks:item-detail", args=[item.pk]) + "#supervision")
        except Conflict as conflict:
            messages.error(request, conflict.message)
            return redirect(reverse("tasks:item-detail", args=[item.pk]) + "#supervision")
        except ValidationError as error:
            _refused(form, error)
    return item_page_response(request, item.pk, status=400,
                              overrides={"decision_form": form, "decision_target": "completion"})


def supervision_panel(request, item, overrides):
    """The item page's 督办: chases, extension requests and the completion check, with their actions."""
    user = request.user
    extensions = selectors.item_extensions(item_id=item.pk)
    checks = selectors.item_completion_checks(item_id=item.pk)
    chases = selectors.chases_of(plan=item.section.plan, item_id=item.pk)
    statuses = selectors.chase_statuses(chases=chases, today=timezone.localdate()) if chases else {}
    decision_form, decision_target = overrides.get("decision_form"), overrides.get("decision_target")
    for chase in chases:
        chase.statuses = statuses.get(chase.pk, [])
    for extension in extensions:
        extension.item = item
        extension.refused_form = decision_form if decision_target == f"extension-{extension.pk}" else None
        extension.may_decide = (permissions.can_check_extension(user, extension)
                                if extension.state == Extension.State.PENDING
                                else permissions.can_decide_extension(user, extension))
    checkpoints = list(item.checkpoints.all())
    may_ask = permissions.can_request_extension(user, item) or any(
        permissions.can_request_extension(user, item, checkpoint=c) for c in checkpoints)
    actions = []
    if permissions.can_chase(user) and item.status != WorkItem.Status.DONE:
        actions.append(Link(url=reverse("supervision:chase-create") + f"?item={item.pk}", label=_("Chase (催办)"),
                            kind="supervision"))
    if may_ask:
        actions.append(Link(url=reverse("supervision:extension-create", args=[item.pk]), label=_("Ask for more time"),
                            kind="supervision"))
    events = []
    for chase in chases:
        names = "、".join(s.target.department.name for s in statuses.get(chase.pk, []))
        events.append(TimelineEvent(chase.created_at, chase.created_by, "chase",
                                    _("chased %(departments)s: %(message)s (answer by %(date)s)")
                                    % {"departments": names, "message": chase.message, "date": chase.reply_by}))
        for status in statuses.get(chase.pk, []):
            if status.target.answered_at:
                events.append(TimelineEvent(status.target.answered_at, status.target.answered_by, "chase_answer",
                                            _("answered the chase: %(text)s") % {"text": status.target.answer}))
    for extension in extensions:
        events.append(TimelineEvent(extension.created_at, extension.requested_by, "extension",
                                    _("asked to move %(from)s to %(to)s: %(reason)s")
                                    % {"from": extension.current_due, "to": extension.new_due,
                                       "reason": extension.reason}))
        if extension.checked_at and item.section.plan.extension_steps == 2 and extension.decided_by_id != extension.checked_by_id:
            events.append(TimelineEvent(extension.checked_at, extension.checked_by, "extension_check",
                                        _("checked the extension request. %(comment)s")
                                        % {"comment": extension.check_comment}))
        if extension.decided_at:
            events.append(TimelineEvent(extension.decided_at, extension.decided_by, "extension_decision",
                                        (_("approved the extension to %(date)s. %(comment)s")
                                         if extension.state == Extension.State.APPROVED
                                         else _("refused the extension. %(comment)s"))
                                        % {"date": extension.new_due, "comment": extension.decision_comment}))
    for check in checks:
        events.append(TimelineEvent(check.decided_at, check.decided_by, "completion",
                                    (_("checked and closed the item (销号). %(comment)s")
                                     if check.decision == check.Decision.CLOSED
                                     else _("returned the item to be done again: %(comment)s"))
                                    % {"comment": check.comment}))
    return PanelContent(
        context={
            "chases": chases, "chase_statuses": statuses, "extensions": extensions, "completion_checks": checks,
            "can_check_completion": permissions.can_check_completion(user, item),
            "awaiting_check": item.status == WorkItem.Status.DONE and item.closed_at is None
            and item.section.plan.completion_check_required,
            "decision_form": decision_form or DecisionForm(),
            "decision_target": decision_target,
        },
        actions=actions,
        events=events,
    )


# ---------------------------------------------------------------------------
# Summaries (半年总结, 年终总结)


@login_required
def summaries(request):
    plan = _current_plan(request)
    everyone = permissions.can_supervise(request.user)
    mine = list(Membership.objects.filter(user=request.user).values_list("department_id", flat=True))
    rows = selectors.summary_rows(plan=plan, department_ids=None if everyone else mine)
    departments = Department.objects.filter(pk__in=mine, responsibilities__item__section__plan=plan).distinct()
    return render(request, "supervision/summaries.html",
                  {"plan": plan, "rows": rows, "everyone": everyone, "today": timezone.localdate(),
                   "can_write": departments.exists()})


@login_required
def summary_submit(request, requirement_id: int):
    requirement = get_object_or_404(SummaryRequirement.objects.select_related("plan"), pk=requirement_id)
    mine = Department.objects.filter(memberships__user=request.user,
                                     responsibilities__item__section__plan=requirement.plan).distinct()
    if not mine.exists():
        raise PermissionDenied
    form = SummaryForm(request.POST or None, departments=mine)
    if request.method == "POST" and form.is_valid():
        department = form.cleaned_data["department"]
        if not permissions.can_submit_summary(request.user, department):
            raise PermissionDenied
        services.summary_submit(requirement=requirement, department=department, user=request.user,
                                text=form.cleaned_data["text"])
        messages.success(request, _("%(name)s sent.") % {"name": requirement.name})
        return redirect(reverse("supervision:summaries") + f"?plan={requirement.plan_id}")
    return render(request, "supervision/summary_form.html", {"requirement": requirement, "form": form},
                  status=400 if request.method == "POST" else 200)


def summaries_setup_panel(request, plan, overrides) -> dict:
    """The set-up page's part: the plan's named summary reports, with who changed them."""
    history = (SummaryRequirement.history.filter(plan_id=plan.pk).select_related("history_user")
               .order_by("-history_date", "-history_id")[:10])
    return {"summary_formset": overrides.get("summary_formset") or summary_requirement_formset(plan),
            "summary_history": history}


@allowed_only(permissions.can_manage_summaries)
@require_POST
def summary_requirements(request, plan_id: int):
    plan = get_object_or_404(WorkPlan, pk=plan_id)
    formset = summary_requirement_formset(plan, request.POST)
    if not formset.is_valid():
        return plan_setup_response(request, plan, status=400, overrides={"summary_formset": formset})
    existing = {r.pk: r for r in plan.summary_requirements.all()}
    rows, forms_of_rows = [], []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or (not data.get("id") and not data.get("name") and not data.get("due_date")):
            continue  # the empty row for a new summary, left empty
        requirement = existing.get(data.get("id"))
        if data.get("id") and requirement is None:
            continue  # removed meanwhile
        rows.append(services.RequirementRow(requirement, data.get("name") or "", data.get("due_date"),
                                            bool(data.get("DELETE"))))
        forms_of_rows.append(form)
    try:
        changed = services.requirements_save(plan=plan, user=request.user, rows=rows)
    except ValidationError as refusal:
        for key, errors in refusal.message_dict.items():
            index, field = key.split("-", 1)
            forms_of_rows[int(index)].add_error(field if field != "DELETE" else None, errors)
        return plan_setup_response(request, plan, status=400, overrides={"summary_formset": formset})
    except PlanClosed as refusal:
        messages.error(request, refusal.message)
        return redirect(plan)
    messages.success(request, _("Summary reports saved (%(count)d changed).") % {"count": changed})
    return redirect(reverse("tasks:plan-setup", args=[plan.pk]) + "#summaries")


# ---------------------------------------------------------------------------
# The office's desk (督办台)


@allowed_only(permissions.can_supervise)
def desk(request):
    plan = _current_plan(request)
    today = timezone.localdate()
    late = services.late_departments(plan=plan)
    board = selectors.desk(plan=plan, today=today, late=late)
    for chase in board.chases:
        chase.statuses = board.statuses.get(chase.pk, [])
    return render(request, "supervision/desk.html", {"desk": board, "plan": plan, "today": today,
                                                      "can_chase": permissions.can_chase(request.user),
                                                      "can_assign": permissions.can_assign(request.user)})

