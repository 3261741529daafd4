"""Thin views of supervision: 我的工作 and leadership instructions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.exceptions import Conflict
from progress import selectors as progress_selectors
from tasks import selectors as plan_selectors
from tasks.extensions import PanelContent
from tasks.models import WorkItem
from tasks.views import item_page_response

from . import permissions, selectors, services
from .forms import InstructionForm, InstructionReplyForm
from .models import Instruction


@login_required
def my_work(request):
    plan = plan_selectors.plan_current()
    rows = selectors.my_work(user=request.user, plan=plan) if plan else []
    today = timezone.localdate()
    sections = {}
    for row in rows:
        row.flag_list = row.flags(today)
        sections.setdefault(row.item.section, []).append(row)
    return render(
        request,
        "supervision/my_work.html",
        {"plan": plan, "sections": sections, "row_count": len(rows), "today": today,
         "computed_at": progress_selectors.plan_computed_at(plan=plan) if plan else None},
    )


@login_required
@require_POST
def instruction_create(request, item_id: int):
    try:
        item = plan_selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404
    if not permissions.can_instruct(request.user, item):
        raise PermissionDenied
    form = InstructionForm(request.POST)
    if not form.is_valid():
        return item_page_response(request, item.pk, status=400, overrides={"instruction_form": form})
    services.instruction_create(item=item, author=request.user, text=form.cleaned_data["text"])
    messages.success(request, _("Instruction sent to the responsible departments."))
    return redirect(item)


@login_required
@require_POST
def instruction_handle(request, instruction_id: int):
    try:
        instruction = selectors.instruction_for_reply(instruction_id=instruction_id)
    except Instruction.DoesNotExist:
        raise Http404
    if not permissions.can_handle_instruction(request.user, instruction):
        raise PermissionDenied
    form = InstructionReplyForm(request.POST)
    if not form.is_valid():
        return item_page_response(request, instruction.item_id, status=400,
                                  overrides={"reply_form": form, "reply_target": instruction.pk})
    try:
        services.instruction_handle(instruction=instruction, user=request.user, reply=form.cleaned_data["reply"])
        messages.success(request, _("Your reply was recorded."))
    except Conflict as conflict:
        messages.error(request, conflict.message)
    return redirect(instruction.item)


def instructions_panel(request, item, overrides):
    """The item page's leadership instructions, with a reply form where the user may answer."""
    instructions = selectors.item_instructions(item_id=item.pk)
    for instruction in instructions:
        instruction.item = item  # loaded already: the permission check needs its plan
    return PanelContent(
        context={
            "instructions": instructions,
            "answerable": {i.pk for i in instructions if permissions.can_handle_instruction(request.user, i)},
            "can_instruct": permissions.can_instruct(request.user, item),
            "instruction_form": overrides.get("instruction_form") or InstructionForm(),
            "reply_form": overrides.get("reply_form") or InstructionReplyForm(),
            "reply_target": overrides.get("reply_target"),
        },
        events=selectors.instruction_events(instructions),
    )
