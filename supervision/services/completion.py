"""办结审核: "done" from a department is a request; the office checks it and closes the item (销号), or
returns it to be done again (退回重办). Only a closed item counts as done where the plan asks for the check.

Guarantees:
- Decided once (Conflict otherwise), recorded (CompletionCheck), told to the department, and the
  figures recomputed after commit.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.exceptions import Conflict
from core.people import display_name
from notifications import audiences
from notifications import services as notification_services
from notifications.services import ReminderKey
from progress import services as progress_services
from progress.models import ProgressReport
from tasks.models import WorkItem

from ..models import CompletionCheck


def _lead_id(item: WorkItem) -> int | None:
    return item.responsibilities.filter(role="lead").values_list("department_id", flat=True).first()


def _locked(item: WorkItem) -> WorkItem:
    locked = WorkItem.objects.select_for_update(of=("self",)).select_related("section__plan").get(pk=item.pk)
    if locked.status != WorkItem.Status.DONE or locked.closed_at is not None:
        raise Conflict(_("This item is no longer awaiting its check (it was closed or returned meanwhile)."))
    return locked


def _done_report(item: WorkItem) -> ProgressReport | None:
    return (ProgressReport.objects.filter(item=item, role="lead", state=ProgressReport.State.APPROVED, status="done")
            .order_by("-reviewed_at").first())


def _tell_department(item: WorkItem, check: CompletionCheck, *, title: str, body: str) -> None:
    lead = _lead_id(item)
    if lead is None:
        return
    found = audiences.department_recipients(department_ids=[lead])[lead]
    notification_services.notice(
        key=ReminderKey(f"item:{item.pk}", audiences.staff_of(lead), "completion", f"check:{check.pk}"),
        title=title, body=body, url=item.get_absolute_url(), users=found.staff, webhooks=found.webhooks,
    )


@transaction.atomic
def completion_close(*, item: WorkItem, user, comment: str = "") -> CompletionCheck:
    """销号: the evidence and targets bear the "done" out; the item counts as done from now on."""
    locked = _locked(item)
    check = CompletionCheck.objects.create(item=locked, report=_done_report(locked),
                                           decision=CompletionCheck.Decision.CLOSED, comment=comment, decided_by=user)
    locked.closed_at, locked.closed_by = check.decided_at, user
    locked.save(update_fields=["closed_at", "closed_by"])
    words = {"item": str(locked), "who": display_name(user), "comment": comment}
    _tell_department(locked, check, title=_("Checked and closed (销号): %(item)s") % words,
                     body=(_("%(who)s closed it. %(comment)s") % words).strip())
    progress_services.rollup_schedule(plan_id=locked.section.plan_id)
    return check


@transaction.atomic
def completion_return(*, item: WorkItem, user, comment: str) -> CompletionCheck:
    """退回重办: not done yet; back to the department, in progress, with what is missing."""
    if not comment.strip():
        raise ValidationError({"comment": _("Say what is still missing.")})
    locked = _locked(item)
    check = CompletionCheck.objects.create(item=locked, report=_done_report(locked),
                                           decision=CompletionCheck.Decision.RETURNED, comment=comment, decided_by=user)
    locked.status = WorkItem.Status.IN_PROGRESS
    locked.progress_percent = min(locked.progress_percent, 99)
    locked.version = locked.version + 1  # an open report form is based on the item before the return
    locked.save(update_fields=["status", "progress_percent", "version"])
    words = {"item": str(locked), "who": display_name(user), "comment": comment}
    _tell_department(locked, check, title=_("Returned to be done again (退回重办): %(item)s") % words,
                     body=_("%(who)s: %(comment)s") % words)
    progress_services.rollup_schedule(plan_id=locked.section.plan_id)
    return check


def awaiting_check_notice(*, report: ProgressReport) -> None:
    """A lead department's "done" was approved: the office is asked to check it (once per report)."""
    supervisors = audiences.supervision_users()
    words = {"item": str(report.item), "department": report.department.name}
    notification_services.notice(
        key=ReminderKey(f"report:{report.pk}", audiences.SUPERVISION, "completion", "awaiting"),
        title=_("Reported done, awaiting your check (销号): %(item)s") % words,
        body=_("%(department)s reports it done; the head approved.") % words,
        url=report.item.get_absolute_url(), users=supervisors,
    )
