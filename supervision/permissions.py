"""Who may do what in the 督办 loop. Asks departments' roles and tasks.permissions, never guardian.

- leadership writes instructions (批示) and 交办事项, confirms or returns answers, decides extensions;
- the supervision office (督查) chases, checks extensions and completions (销号), confirms or returns
  answers on leadership's behalf, edits checkpoints; it reports and reviews for nobody;
- a department's people answer its instructions and chases; its heads ask for more time.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from departments.models import Membership
from departments.permissions import in_group, is_leadership, is_plan_admin, is_supervisor
from tasks import permissions as plan_permissions

from .models import ChaseTarget, Extension, Instruction


def is_head_of(user, department) -> bool:
    return user.is_authenticated and in_group(user, department.head_group.name)


def can_supervise(user) -> bool:
    """The 督办 desk, every department's page and the bulletins: the office, leadership and plan admins."""
    return is_supervisor(user) or is_leadership(user) or is_plan_admin(user)


def can_manage_summaries(user) -> bool:
    """The plan's named summary reports and their deadlines, on the set-up page: who sets the plan's cycle."""
    return plan_permissions.can_change_plan_settings(user)


def can_instruct(user, item) -> bool:
    return is_leadership(user) and plan_permissions.is_open(item)


def can_assign(user) -> bool:
    """An instruction without an item (交办事项, from a meeting) becomes an item of its own."""
    return is_leadership(user)


def instruction_department_ids(instruction: Instruction) -> set[int]:
    """The departments that must act: those chosen, else the item's responsible ones (expects prefetches)."""
    chosen = {department.pk for department in instruction.departments.all()}
    return chosen or {r.department_id for r in instruction.item.responsibilities.all()}


def user_department_ids(user) -> set[int]:
    """The departments the user belongs to: ask once per page, pass to the checks below."""
    if not user.is_authenticated:
        return set()
    return set(Membership.objects.filter(user=user).values_list("department_id", flat=True))


def can_handle_instruction(user, instruction: Instruction, *, member_of: set[int] | None = None) -> bool:
    """A department's people answer an open instruction to their department (plan admins on its behalf)."""
    if not instruction.is_open or not plan_permissions.is_open(instruction.item):
        return False
    if is_plan_admin(user):
        return True
    member_of = user_department_ids(user) if member_of is None else member_of
    return bool(member_of & instruction_department_ids(instruction))


def can_conclude_instruction(user, instruction: Instruction) -> bool:
    """Confirm 办结 of an answered instruction, or return it: its author, any leader, or the office for them."""
    if instruction.state != Instruction.State.ANSWERED or not plan_permissions.is_open(instruction.item):
        return False
    return user.is_authenticated and (instruction.author_id == user.pk or is_leadership(user) or is_supervisor(user))


def can_chase(user) -> bool:
    return is_supervisor(user) or is_leadership(user)


def can_answer_chase(user, target: ChaseTarget) -> bool:
    return target.answered_at is None and user.is_authenticated and in_group(user, target.department.group.name)


def can_request_extension(user, item, *, checkpoint=None, today: datetime.date | None = None) -> bool:
    """The lead department's head (or the checkpoint's department's) asks, before the date has passed."""
    today = today or timezone.localdate()
    if not plan_permissions.is_open(item) or item.status == item.Status.DONE:
        return False
    due = checkpoint.due_date if checkpoint is not None else item.due_date
    if today > due:
        return False
    department = (checkpoint.department if checkpoint is not None and checkpoint.department_id else
                  next((r.department for r in item.responsibilities.all() if r.role == "lead"), None))
    return department is not None and is_head_of(user, department)


def can_check_extension(user, extension: Extension) -> bool:
    """The office checks a pending request (and decides it when the plan has one step)."""
    return extension.state == Extension.State.PENDING and is_supervisor(user)


def can_decide_extension(user, extension: Extension) -> bool:
    """Leadership decides a checked request (two steps); with one step the office decides on its check."""
    if extension.item.section.plan.extension_steps == 1:
        return can_check_extension(user, extension)
    return extension.state == Extension.State.CHECKED and is_leadership(user)


def can_check_completion(user, item) -> bool:
    """The office closes (销号) or returns an item its department reported done."""
    plan = item.section.plan
    return (is_supervisor(user) and plan.completion_check_required and plan_permissions.is_open(item)
            and item.status == item.Status.DONE and item.closed_at is None)


def can_submit_summary(user, department) -> bool:
    return user.is_authenticated and in_group(user, department.group.name)
