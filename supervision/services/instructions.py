"""Leadership instructions (领导批示) as a closed loop, and 交办事项 (an instruction that is an item of its own).

Guarantees:
- The departments are told at once (in-app, e-mail, group robot), the leader when they
  answer, the departments when the leader returns or closes it — each notice once
  (the reminder log's key), after commit, through the outbox.
- A step on an instruction that changed meanwhile is refused (Conflict), never
  overwritten: two departments answering at once both land as replies; closing an
  instruction already closed is refused.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict
from core.numerals import chinese_numeral_text
from core.people import display_name
from departments.models import Department
from notifications import audiences
from notifications import services as notification_services
from notifications.services import ReminderKey
from progress import services as progress_services
from tasks import permissions as plan_permissions
from tasks.models import Responsibility, Section, WorkItem, WorkPlan

from ..models import Instruction, InstructionEntry

def _notify_departments(instruction: Instruction, *, kind: str, step: str, title: str, body: str) -> None:
    department_ids = instruction_departments(instruction)
    recipients = audiences.department_recipients(department_ids=department_ids)
    for department_id in department_ids:
        found = recipients[department_id]
        notification_services.notice(
            key=ReminderKey(f"instruction:{instruction.pk}", audiences.staff_of(department_id), kind, step),
            title=title, body=body, url=instruction.item.get_absolute_url() + "#instructions",
            users=found.staff, webhooks=found.webhooks,
        )


def instruction_departments(instruction: Instruction) -> list[int]:
    chosen = list(instruction.departments.values_list("pk", flat=True))
    return chosen or list(instruction.item.responsibilities.order_by("order").values_list("department_id", flat=True))


def _check_due_date(due_date: datetime.date | None) -> None:
    if due_date is not None and due_date < timezone.localdate():
        raise ValidationError({"due_date": _("The deadline has passed already; give a date from today on.")})


@transaction.atomic
def instruction_create(*, item: WorkItem, author, text: str, departments=None,
                       due_date: datetime.date | None = None) -> Instruction:
    """A leader's instruction (批示) to the chosen departments (default: the item's), told at once."""
    _check_due_date(due_date)
    instruction = Instruction(item=item, author=author, text=text, due_date=due_date)
    instruction.full_clean()
    instruction.save()
    if departments:
        instruction.departments.set(departments)
    words = {"item": str(item), "who": display_name(author), "text": text,
             "due": due_date.isoformat() if due_date else _("no deadline")}
    _notify_departments(
        instruction, kind="instruction", step="written",
        title=_("Leadership instruction on %(item)s") % words,
        body=_("%(who)s: %(text)s (deadline: %(due)s)") % words,
    )
    return instruction


def _assignments_section(plan: WorkPlan) -> Section:
    section = Section.objects.filter(plan=plan, is_assignments=True).first()
    if section is None:
        number = (plan.sections.aggregate(m=Max("number"))["m"] or 0) + 1
        section = Section.objects.create(plan=plan, number=number, numeral=chinese_numeral_text(number),
                                         title=_("Assignments from leadership"), is_assignments=True)
    return section


@transaction.atomic
def assignment_create(*, plan: WorkPlan, author, title: str, text: str, departments: list[Department],
                      due_date: datetime.date) -> Instruction:
    """交办事项: an instruction from a meeting becomes a tracked item of its own (first department leads),
    reported, reviewed and chased like any other; the instruction is on it."""
    if not departments:
        raise ValidationError({"departments": _("Choose at least one department.")})
    _check_due_date(due_date)
    section = _assignments_section(plan)
    number = (WorkItem.objects.filter(section__plan=plan).aggregate(m=Max("number"))["m"] or 0) + 1
    item = WorkItem(section=section, number=number, title=title[:300], body=text, due_date=due_date,
                    deadline_text=due_date.isoformat())
    item.full_clean()
    item.save()
    Responsibility.objects.bulk_create(
        Responsibility(item=item, department=department, order=order, role="lead" if order == 0 else "co_organizer")
        for order, department in enumerate(departments)
    )
    plan_permissions.sync_item_permissions(item)
    progress_services.rollup_schedule(plan_id=plan.pk)  # a new item: its section's and departments' figures
    return instruction_create(item=item, author=author, text=text, departments=departments, due_date=due_date)


def _locked(instruction: Instruction) -> Instruction:
    return Instruction.objects.select_for_update(of=("self",)).select_related("item", "author").get(pk=instruction.pk)


@transaction.atomic
def instruction_reply(*, instruction: Instruction, user, text: str, department: Department | None = None) -> InstructionEntry:
    """A department answers: the instruction awaits the leader's confirmation, and the leader is told."""
    locked = _locked(instruction)
    if locked.state != Instruction.State.OPEN:
        raise Conflict(_("This instruction was answered meanwhile; its state is now “%(state)s”.")
                       % {"state": locked.get_state_display()})
    entry = InstructionEntry(instruction=locked, kind=InstructionEntry.Kind.REPLY, department=department, author=user,
                             text=text)
    entry.full_clean()
    entry.save()
    locked.state, locked.handled_by, locked.handled_at, locked.reply = Instruction.State.ANSWERED, user, entry.created_at, text
    locked.save(update_fields=["state", "handled_by", "handled_at", "reply"])
    words = {"item": str(locked.item), "who": display_name(user), "text": text,
             "department": department.name if department else ""}
    notification_services.notice(
        key=ReminderKey(f"instruction:{locked.pk}", audiences.user(locked.author_id), "instruction_step",
                        f"reply:{entry.pk}"),
        title=_("Your instruction on %(item)s was answered") % words,
        body=_("%(who)s (%(department)s): %(text)s") % words,
        url=locked.item.get_absolute_url() + "#instructions", users=[locked.author],
    )
    return entry


def _conclude(instruction: Instruction, *, user, kind: str, comment: str) -> Instruction:
    locked = _locked(instruction)
    if locked.state != Instruction.State.ANSWERED:
        raise Conflict(_("This instruction is “%(state)s” now; nothing was changed.") % {"state": locked.get_state_display()})
    entry = InstructionEntry.objects.create(instruction=locked, kind=kind, author=user, text=comment)
    if kind == InstructionEntry.Kind.CLOSE:
        locked.state, locked.closed_by, locked.closed_at = Instruction.State.CLOSED, user, entry.created_at
    else:
        locked.state = Instruction.State.OPEN
    locked.save(update_fields=["state", "closed_by", "closed_at"])
    words = {"item": str(locked.item), "who": display_name(user), "comment": comment}
    if kind == InstructionEntry.Kind.CLOSE:
        title, body = _("Instruction closed (办结): %(item)s") % words, _("%(who)s confirmed it is done. %(comment)s") % words
    else:
        title, body = _("Instruction returned: %(item)s") % words, _("%(who)s returned the answer: %(comment)s") % words
    _notify_departments(locked, kind="instruction_step", step=f"{kind}:{entry.pk}", title=title, body=body.strip())
    return locked


@transaction.atomic
def instruction_close(*, instruction: Instruction, user, comment: str = "") -> Instruction:
    """The leader (or the office on the leader's behalf) confirms the answer: 办结."""
    return _conclude(instruction, user=user, kind=InstructionEntry.Kind.CLOSE, comment=comment)


@transaction.atomic
def instruction_return(*, instruction: Instruction, user, comment: str) -> Instruction:
    """The answer does not do: back to the departments with the leader's comment."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say what is still missing.")})
    return _conclude(instruction, user=user, kind=InstructionEntry.Kind.RETURN, comment=comment)
