"""The daily reminder job: due dates and checkpoints, reporting cycles, instruction deadlines,
summary reports, 催办 to heads and 督办 to leadership.

It reads plain facts in a fixed number of queries, asks the pure rule
(`supervision.reminders`) what is due today and claims each reminder's key before
sending, so a retried job, a schedule that fires twice or two workers never send one
twice, and a day the job missed is caught up (notifications.services.reminder_claim).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.dates import local_date
from departments.models import Department
from notifications import audiences
from notifications import services as notification_services
from notifications.services import ReminderKey
from progress import rollup
from progress import selectors as progress_selectors
from progress.models import ProgressReport
from tasks.cycles import cycle_months
from tasks.models import Checkpoint, Responsibility, Target, WorkItem, WorkPlan

from .. import reminders


@dataclass
class ReminderRun:
    today: datetime.date
    planned: list[reminders.Planned] = field(default_factory=list)
    claimed: int = 0
    already_sent: int = 0
    sent: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)  # one per planned reminder: what, to whom


def _reminder_facts(plan: WorkPlan) -> tuple[dict[int, WorkItem], list[reminders.ItemFacts]]:
    items = {
        item.pk: item
        for item in WorkItem.objects.filter(section__plan=plan).select_related("section").order_by(
            "section__number", "number"
        )
    }
    latest = {
        (row["item_id"], row["department_id"]): local_date(row["last"])
        for row in ProgressReport.objects.filter(item__section__plan=plan)
        .exclude(state=ProgressReport.State.RETURNED)
        .values("item_id", "department_id")
        .annotate(last=Max("created_at"))
    }
    duties = defaultdict(list)
    for item_id, department_id, role in Responsibility.objects.filter(item__section__plan=plan).order_by(
        "item_id", "order"
    ).values_list("item_id", "department_id", "role"):
        duties[item_id].append(reminders.Duty(department_id, role, latest.get((item_id, department_id))))
    targets = defaultdict(list)
    for target in Target.objects.filter(item__section__plan=plan, due_date__isnull=False).order_by("item_id", "order"):
        if target.due_date != items[target.item_id].due_date:
            met = target.target_value is not None and (target.current_value or 0) >= target.target_value
            targets[target.item_id].append(reminders.TargetFacts(target.pk, target.due_date, met=met))
    # Checkpoints (节点) and whether each is met: the roll-up's reads and rule, not a second definition.
    checkpoints = defaultdict(list)
    departments_of = dict(Checkpoint.objects.filter(item__section__plan=plan).values_list("pk", "department_id"))
    for item_id, rows in progress_selectors.checkpoint_facts(items=Q(section__plan=plan)).items():
        done = items[item_id].counts_as_done(check_required=plan.completion_check_required)
        for pk, facts in rows:
            checkpoints[item_id].append(reminders.CheckpointFacts(
                pk, facts.due_date, departments_of.get(pk), met=rollup.checkpoint_met(facts, done=done)))
    facts = [
        reminders.ItemFacts(
            item_id=item.pk, due_date=item.due_date, done=item.status == WorkItem.Status.DONE,
            duties=tuple(duties[item.pk]), targets=tuple(targets[item.pk]), checkpoints=tuple(checkpoints[item.pk]),
            cycle_months=cycle_months(item.reporting_cycle or plan.reporting_cycle),
        )
        for item in items.values()
    ]
    return items, facts


def reminder_rules(plan: WorkPlan, *, today: datetime.date) -> reminders.Rules:
    return reminders.Rules(
        today=today,
        plan_start=plan.year_start,
        lead_days=reminders.parse_lead_days(plan.reminder_lead_days) or (30, 7, 1),
        escalation_days=plan.escalation_days,
        reporting_day=plan.reporting_day,
        catch_up_days=settings.UNIONPLAN_REMINDER_CATCH_UP_DAYS,
    )


def reminders_run(*, today: datetime.date | None = None, dry_run: bool = False, plan: WorkPlan | None = None) -> ReminderRun:
    """Claim and send every reminder due on `today` for the published plans; each at most once.

    With `dry_run`, say what would be sent (and what was sent already) and write nothing.
    """
    today = today or timezone.localdate()
    run = ReminderRun(today=today)
    plans = [plan] if plan is not None else list(WorkPlan.objects.filter(status=WorkPlan.Status.PUBLISHED))
    with translation.override(settings.LANGUAGE_CODE):
        for current in plans:
            items, facts = _reminder_facts(current)
            planned = reminders.due_reminders(current.pk, facts, reminder_rules(current, today=today))
            run.planned.extend(planned)
            if not planned:
                continue
            departments = {d.pk: d for d in Department.objects.all()}
            recipients = audiences.department_recipients(
                department_ids={p.department_id for p in planned if p.department_id}
            )
            leadership = audiences.leadership_users() if any(
                p.kind == reminders.ESCALATION for p in planned
            ) else []
            for entry in planned:
                title, body, url = _reminder_message(entry, plan=current, items=items, departments=departments)
                users, webhooks = _audience(entry, recipients=recipients, leadership=leadership)
                key = ReminderKey(*entry.key)
                run.lines.append(f"{entry.kind:<11} {entry.audience:<22} {entry.period:<14} {title}")
                if dry_run:
                    run.already_sent += notification_services.reminder_exists(key)
                    continue
                reminder = notification_services.reminder_claim(
                    key=key, title=title, body=body, url=url, users=users, webhooks=webhooks
                )
                if reminder is None:
                    run.already_sent += 1
                else:
                    run.claimed += 1
    if not dry_run:
        # Everything due, not only what this run claimed: a run that died half-way is finished here.
        outcome = notification_services.deliveries_send()
        run.sent, run.failed = outcome.sent, outcome.failed + outcome.gave_up
    return run


def _audience(entry: reminders.Planned, *, recipients, leadership) -> tuple[list, list]:
    if entry.audience == audiences.LEADERSHIP:
        return leadership, []
    found = recipients.get(entry.department_id)
    if found is None:
        return [], []
    users = found.heads if entry.audience == audiences.heads_of(entry.department_id) else found.staff
    return users, found.webhooks


def _reminder_message(entry: reminders.Planned, *, plan, items, departments) -> tuple[str, str, str]:
    department = departments.get(entry.department_id)
    item = items[entry.item_ids[0]] if entry.item_ids else None
    words = {
        "plan": plan.title,
        "item": str(item) if item else "",
        "department": department.name if department else "",
        "date": entry.due_date.isoformat() if entry.due_date else "",
        "days": entry.days_left or 0,
    }
    if entry.subject.startswith("checkpoint:"):
        checkpoint = Checkpoint.objects.filter(pk=int(entry.subject.split(":")[1])).first()
        words["checkpoint"] = checkpoint.title if checkpoint else ""
        if entry.kind == reminders.DUE_SOON:
            title = _("Checkpoint due in %(days)d days: %(checkpoint)s") % words
            body = _("%(department)s: the checkpoint “%(checkpoint)s” of work item %(item)s (%(plan)s) is due on "
                     "%(date)s. Please report how far it is.") % words
        else:
            title = _("Checkpoint passed and not met: %(checkpoint)s") % words
            body = _("The checkpoint “%(checkpoint)s” of work item %(item)s (%(plan)s) was due on %(date)s and "
                     "no approved report reached it. As head of %(department)s, please see to it.") % words
    elif entry.kind == reminders.DUE_SOON and entry.subject.startswith("target:"):
        target = Target.objects.get(pk=int(entry.subject.split(":")[1]))
        words["target"] = target.subject
        title = _("Target due in %(days)d days: %(target)s") % words
        body = _("%(department)s: the target “%(target)s” of work item %(item)s (%(plan)s) is due on %(date)s.") % words
    elif entry.kind == reminders.DUE_SOON:
        title = _("Due in %(days)d days: %(item)s") % words
        body = _(
            "%(department)s: work item %(item)s of %(plan)s is due on %(date)s. Please report how it is going."
        ) % words
    elif entry.kind == reminders.REPORT_DUE:
        title = _("Progress report due: %(item)s") % words
        body = _(
            "%(department)s has not reported on work item %(item)s this cycle; the reporting day is %(date)s."
        ) % words
    elif entry.kind == reminders.OVERDUE:
        title = _("Overdue, please follow up: %(item)s") % words
        body = _(
            "Work item %(item)s of %(plan)s was due on %(date)s and is not done. "
            "As head of the lead department %(department)s, please see to it."
        ) % words
    else:
        lines = []
        for department_id, item_ids in entry.by_department.items():
            name = departments[department_id].name if department_id in departments else _("(no lead department)")
            lines.append(f"{name}: " + "; ".join(str(items[i]) for i in item_ids))
        words["count"] = len(entry.item_ids)
        title = _("Escalation: %(count)d items of %(plan)s overdue since %(date)s") % words
        body = _("Still not done, by lead department:") + "\n" + "\n".join(lines)
        return title, body, plan.get_absolute_url()
    return title, body, item.get_absolute_url() if item else ""
