"""Chases (一键催办): the office or leadership tells late departments, once each, and follows their answer.

Guarantees:
- A chase reaches each department once (in-app to its people, e-mail, its group robot),
  whatever retries happen (the reminder log's key per chase and department); a department
  already chased for the same scope today, and not answered yet, is not chased again.
- Who is late is read from the official figures (the roll-up), the same ones every page shows
  (`selectors.late_departments`, the one rule of who is late).
"""

from __future__ import annotations

import datetime

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.exceptions import Conflict
from core.people import display_name
from departments.models import Department
from notifications import audiences
from notifications import services as notification_services
from notifications.services import ReminderKey
from tasks.models import Section, WorkItem, WorkPlan

from ..models import Chase, ChaseTarget
from ..selectors import Late, last_chase_key, late_departments  # noqa: F401 (who is late: a read, kept in selectors)


@transaction.atomic
def chase_create(*, plan: WorkPlan, author, message: str, reply_by: datetime.date, targets: dict[Department, list],
                 item: WorkItem | None = None, section: Section | None = None) -> Chase:
    """Chase the departments in `targets` (department -> the items it is chased for); each is told once, now."""
    if not targets:
        raise ValidationError({"departments": _("Choose at least one department to chase.")})
    if reply_by < timezone.localdate():
        raise ValidationError({"reply_by": _("The answer-by date has passed already; give a date from today on.")})
    # A second click (or a second office clerk) the same day chases nobody twice for the same thing.
    today = timezone.localdate()
    chased_today = set(ChaseTarget.objects.filter(
        chase__plan=plan, chase__item=item, chase__section=section, chase__created_at__date=today,
        department__in=list(targets), answered_at__isnull=True).values_list("department_id", flat=True))
    targets = {department: items for department, items in targets.items() if department.pk not in chased_today}
    if not targets:
        raise ValidationError({"departments": _("These departments were chased for this today already.")})
    chase = Chase(plan=plan, item=item, section=section, created_by=author, message=message, reply_by=reply_by)
    chase.full_clean()
    chase.save()
    # The dashboard's late list says 已催办: its cached body is keyed by the last chase (forgotten now,
    # and again once this commits, so a view in between cannot keep the old stamp).
    cache.delete(last_chase_key())
    transaction.on_commit(lambda: cache.delete(last_chase_key()))
    recipients = audiences.department_recipients(department_ids=[d.pk for d in targets])
    for department, items in targets.items():
        target = ChaseTarget.objects.create(chase=chase, department=department)
        target.items.set(items)
        found = recipients[department.pk]
        words = {"who": display_name(author), "message": message, "date": reply_by.isoformat(),
                 "items": "；".join(str(i) for i in items) or _("(the whole department's work)")}
        notification_services.notice(
            key=ReminderKey(f"chase:{chase.pk}", audiences.staff_of(department.pk), "chase", "sent"),
            title=_("Chase (催办): please answer by %(date)s") % words,
            body=_("%(who)s: %(message)s Items: %(items)s") % words,
            url=chase.get_absolute_url(), users=found.staff, webhooks=found.webhooks,
        )
    return chase


@transaction.atomic
def chase_answer(*, target: ChaseTarget, user, text: str) -> ChaseTarget:
    """The department's written answer to a chase (a report on one of its items answers it too)."""
    locked = ChaseTarget.objects.select_for_update(of=("self",)).get(pk=target.pk)
    if locked.answered_at is not None:
        raise Conflict(_("%(name)s answered this chase already.") % {"name": display_name(locked.answered_by)})
    locked.answer, locked.answered_by, locked.answered_at = text, user, timezone.now()
    locked.full_clean()
    locked.save(update_fields=["answer", "answered_by", "answered_at"])
    return locked
