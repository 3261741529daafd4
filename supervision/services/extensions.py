"""Extension requests (延期申请): asked by the lead department's head before the date, checked by the office,
decided by leadership (or by the office, where the plan has one step).

Guarantees:
- Refused without a reason, for a date not later than the current one, or once the date has passed.
- The date first promised is kept (WorkItem/Checkpoint.original_due_date); lights and reminders use
  the approved date, and the figures are recomputed after commit.
- Everyone involved is told: the office when asked, leadership when checked, the asking department
  when decided.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict
from core.people import display_name
from notifications import audiences
from notifications import services as notification_services
from notifications.services import ReminderKey
from progress import services as progress_services
from tasks.models import Checkpoint, WorkItem

from ..models import Extension


def _tell(extension: Extension, *, audience: str, users, step: str, title: str, body: str, webhooks=()) -> None:
    notification_services.notice(
        key=ReminderKey(f"extension:{extension.pk}", audience, "extension", step),
        title=title, body=body, url=extension.item.get_absolute_url() + f"#extension-{extension.pk}", users=users, webhooks=webhooks,
    )


def _words(extension: Extension, user) -> dict:
    what = extension.checkpoint.title if extension.checkpoint_id else str(extension.item)
    return {"what": what, "who": display_name(user), "from": extension.current_due.isoformat(),
            "to": extension.new_due.isoformat(), "reason": extension.reason}


@transaction.atomic
def extension_request(*, item: WorkItem, user, department, new_due: datetime.date, reason: str,
                      checkpoint: Checkpoint | None = None, today: datetime.date | None = None) -> Extension:
    """Ask for a later date for `item` (or one of its checkpoints); the office is told."""
    today = today or timezone.localdate()
    current = checkpoint.due_date if checkpoint is not None else item.due_date
    errors = {}
    if not reason.strip():
        errors["reason"] = _("Say why more time is needed.")
    if new_due <= current:
        errors["new_due"] = _("The new date must be after the current one (%(date)s).") % {"date": current}
    if today > current:
        errors["new_due"] = _("The date (%(date)s) has passed: an extension is asked for before it.") % {"date": current}
    if Extension.objects.filter(item=item, checkpoint=checkpoint,
                                state__in=[Extension.State.PENDING, Extension.State.CHECKED]).exists():
        errors["new_due"] = _("A request for this date is waiting already.")
    if errors:
        raise ValidationError(errors)
    extension = Extension(item=item, checkpoint=checkpoint, department=department, requested_by=user, reason=reason,
                          current_due=current, new_due=new_due)
    extension.full_clean()
    extension.save()
    words = _words(extension, user)
    _tell(extension, audience=audiences.SUPERVISION, users=audiences.supervision_users(), step="asked",
          title=_("Extension asked for: %(what)s") % words,
          body=_("%(who)s asks to move %(from)s to %(to)s: %(reason)s") % words)
    return extension


def _locked(extension: Extension) -> Extension:
    return Extension.objects.select_for_update(of=("self",)).select_related(
        "item__section__plan", "checkpoint", "department", "requested_by").get(pk=extension.pk)


def _apply(extension: Extension) -> None:
    if extension.checkpoint_id:
        checkpoint = Checkpoint.objects.select_for_update().get(pk=extension.checkpoint_id)
        checkpoint.original_due_date = checkpoint.original_due_date or checkpoint.due_date
        checkpoint.due_date = extension.new_due
        checkpoint.save(update_fields=["original_due_date", "due_date"])
    else:
        item = WorkItem.objects.select_for_update(of=("self",)).get(pk=extension.item_id)
        item.original_due_date = item.original_due_date or item.due_date
        item.due_date = extension.new_due
        item.save(update_fields=["original_due_date", "due_date"])
    progress_services.rollup_schedule(plan_id=extension.item.section.plan_id)


def _decided(extension: Extension, user, *, approve: bool, comment: str) -> Extension:
    extension.state = Extension.State.APPROVED if approve else Extension.State.REFUSED
    extension.decided_by, extension.decided_at, extension.decision_comment = user, timezone.now(), comment
    extension.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
    if approve:
        _apply(extension)
    words = _words(extension, user) | {"comment": comment}
    recipients = audiences.department_recipients(department_ids=[extension.department_id])[extension.department_id]
    _tell(extension, audience=audiences.staff_of(extension.department_id), users=recipients.staff,
          webhooks=recipients.webhooks, step=extension.state,
          title=(_("Extension approved: %(what)s now due %(to)s") if approve
                 else _("Extension refused: %(what)s stays due %(from)s")) % words,
          body=(_("%(who)s: %(comment)s") % words).strip())
    return extension


@transaction.atomic
def extension_check(*, extension: Extension, user, approve: bool, comment: str = "") -> Extension:
    """The office's check: with two steps it passes the request to leadership (or refuses it);
    with one step its check is the decision."""
    locked = _locked(extension)
    if locked.state != Extension.State.PENDING:
        raise Conflict(_("This request was handled meanwhile (%(state)s).") % {"state": locked.get_state_display()})
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the request is refused.")})
    locked.checked_by, locked.checked_at, locked.check_comment = user, timezone.now(), comment
    if locked.item.section.plan.extension_steps == 1 or not approve:
        locked.save(update_fields=["checked_by", "checked_at", "check_comment"])
        return _decided(locked, user, approve=approve, comment=comment)
    locked.state = Extension.State.CHECKED
    locked.save(update_fields=["state", "checked_by", "checked_at", "check_comment"])
    words = _words(locked, user) | {"comment": comment}
    _tell(locked, audience=audiences.LEADERSHIP, users=audiences.leadership_users(), step="checked",
          title=_("Extension to decide: %(what)s") % words,
          body=_("%(from)s to %(to)s: %(reason)s — checked by %(who)s. %(comment)s") % words)
    return locked


@transaction.atomic
def extension_decide(*, extension: Extension, user, approve: bool, comment: str = "") -> Extension:
    """Leadership's decision on a checked request."""
    locked = _locked(extension)
    if locked.state != Extension.State.CHECKED:
        raise Conflict(_("This request was handled meanwhile (%(state)s).") % {"state": locked.get_state_display()})
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the request is refused.")})
    return _decided(locked, user, approve=approve, comment=comment)
