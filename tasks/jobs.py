"""The services behind the scheduled jobs: reminders, the roll-up and its daily snapshot.

Each one reads plain facts in a fixed number of queries, applies a pure rule
(`tasks.reminders`, `tasks.rollup`) and writes the outcome. All are safe to run
twice: reminders through the notifications log's unique key, the roll-up and
snapshots by overwriting their rows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from departments.models import Department
from notifications import selectors as notification_selectors
from notifications import services as notification_services
from notifications.services import ReminderKey

from . import reminders, rollup, signals
from .models import (
    ItemRollup,
    PlanRollup,
    ProgressReport,
    Responsibility,
    RollupSnapshot,
    Section,
    SectionRollup,
    Target,
    WorkItem,
    WorkPlan,
)


def _local_date(moment: datetime.datetime | None) -> datetime.date | None:
    return timezone.localtime(moment).date() if moment else None


def _plan_start(plan: WorkPlan) -> datetime.date:
    return datetime.date(plan.year, 1, 1)


# ---------------------------------------------------------------------------
# Reminders.


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
        (row["item_id"], row["department_id"]): _local_date(row["last"])
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
    facts = [
        reminders.ItemFacts(
            item_id=item.pk, due_date=item.due_date, done=item.status == WorkItem.Status.DONE,
            duties=tuple(duties[item.pk]), targets=tuple(targets[item.pk]),
        )
        for item in items.values()
    ]
    return items, facts


def reminder_rules(plan: WorkPlan, *, today: datetime.date) -> reminders.Rules:
    return reminders.Rules(
        today=today,
        plan_start=_plan_start(plan),
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
            recipients = notification_selectors.department_recipients(
                department_ids={p.department_id for p in planned if p.department_id}
            )
            leadership = notification_selectors.leadership_users() if any(
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
    if entry.audience == reminders.LEADERSHIP:
        return leadership, []
    found = recipients.get(entry.department_id)
    if found is None:
        return [], []
    users = found.heads if entry.audience == reminders.heads_of(entry.department_id) else found.staff
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
    if entry.kind == reminders.DUE_SOON and entry.subject.startswith("target:"):
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


def report_submitted_notify(*, report_id: int) -> int:
    """Tell the department's heads a report awaits their review; once per report. Returns deliveries sent."""
    report = ProgressReport.objects.select_related("item", "department", "reporter").filter(pk=report_id).first()
    if report is None or report.state != ProgressReport.State.SUBMITTED:
        # Reviewed already (or counted at once on a plan without review): nothing to ask for.
        return 0
    heads = notification_selectors.department_recipients(department_ids=[report.department_id])[
        report.department_id
    ].heads
    users = [user for user in heads if user.pk != report.reporter_id]
    if not users:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        words = {"item": str(report.item), "department": report.department.name,
                 "who": report.reporter.get_full_name() or report.reporter.username, "percent": report.percent}
        title = _("Report awaiting your review: %(item)s") % words
        body = _("%(who)s (%(department)s) reported %(percent)d%% on work item %(item)s.") % words
    reminder = notification_services.reminder_claim(
        key=ReminderKey(f"report:{report.pk}", reminders.heads_of(report.department_id), "review_request", "submitted"),
        title=title, body=body, url=report.get_absolute_url(), users=users,
    )
    if reminder is None:
        return 0
    return notification_services.deliveries_send(reminder_ids=[reminder.pk]).sent


def report_reviewed_notify(*, report_id: int) -> int:
    """Tell the reporter their report was approved, or returned with the head's comment; once per report.

    Nothing when the reporter is the reviewer (a plan without review approves a report as it is sent).
    Returns deliveries sent.
    """
    report = (ProgressReport.objects.select_related("item", "department", "reporter", "reviewer")
              .filter(pk=report_id).first())
    if report is None or report.reviewer_id is None or report.reviewer_id == report.reporter_id:
        return 0
    if report.state not in (ProgressReport.State.APPROVED, ProgressReport.State.RETURNED):
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        words = {"item": str(report.item), "who": report.reviewer.get_full_name() or report.reviewer.username,
                 "percent": report.percent, "comment": report.review_comment}
        if report.state == ProgressReport.State.APPROVED:
            title = _("Report approved: %(item)s") % words
            body = _("%(who)s approved your report (%(percent)d%%).") % words
        else:
            title = _("Report returned: %(item)s") % words
            body = _("%(who)s returned your report (%(percent)d%%): %(comment)s") % words
        if report.state == ProgressReport.State.APPROVED and report.review_comment:
            body += " " + report.review_comment
    reminder = notification_services.reminder_claim(
        key=ReminderKey(f"report:{report.pk}", f"user:{report.reporter_id}", "report_reviewed", report.state),
        title=title, body=body, url=report.get_absolute_url(), users=[report.reporter],
    )
    if reminder is None:
        return 0
    return notification_services.deliveries_send(reminder_ids=[reminder.pk]).sent


# ---------------------------------------------------------------------------
# Roll-up.


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def rollup_compute(*, plan: WorkPlan, today: datetime.date) -> rollup.PlanRollupResult:
    """The plan's roll-up as of `today`, from four queries whatever the plan's size."""
    section_ids = list(Section.objects.filter(plan=plan).order_by("number").values_list("pk", flat=True))
    last_lead_report = dict(
        ProgressReport.objects.filter(item__section__plan=plan, role=Responsibility.Role.LEAD)
        .exclude(state=ProgressReport.State.RETURNED)
        .values("item_id")
        .annotate(last=Max("created_at"))
        .values_list("item_id", "last")
    )
    targets = defaultdict(list)
    for item_id, kind, value, current, due in Target.objects.filter(item__section__plan=plan).order_by(
        "item_id", "order"
    ).values_list("item_id", "kind", "target_value", "current_value", "due_date"):
        targets[item_id].append((kind, _float(value), _float(current), due))
    measured_elsewhere: dict[int, float] = {}
    for _receiver, answer in signals.rollup_reported_percent.send(sender=WorkPlan, plan=plan):
        measured_elsewhere.update(answer or {})
    by_section = defaultdict(list)
    for pk, section_id, due, status, percent, approved_at, weight in (
        WorkItem.objects.filter(section__plan=plan)
        .order_by("section_id", "number")
        .values_list("pk", "section_id", "due_date", "status", "progress_percent", "last_report_at", "rollup_weight")
    ):
        by_section[section_id].append(
            rollup.ItemFacts(
                key=pk, due_date=due, status=status,
                reported_percent=measured_elsewhere.get(pk, percent if approved_at else None),
                last_report_on=_local_date(last_lead_report.get(pk)),
                targets=tuple(rollup.TargetFacts(kind, value, current, t_due or due) for kind, value, current, t_due in targets[pk]),
                weight=float(weight),
            )
        )
    rules = rollup.Rules(
        today=today, plan_start=_plan_start(plan), margin=float(plan.rollup_margin), reporting_day=plan.reporting_day
    )
    return rollup.rollup(plan.pk, [(section_id, by_section[section_id]) for section_id in section_ids], rules)


def _group_fields(group: rollup.GroupResult) -> dict:
    return {
        "percent": Decimal(str(group.percent)), "expected_percent": Decimal(str(group.expected)), "light": group.light,
        "items_green": group.items.get("green", 0), "items_yellow": group.items.get("yellow", 0),
        "items_red": group.items.get("red", 0), "items_done": group.items.get("done", 0),
    }


_GROUP_FIELDS = ["percent", "expected_percent", "light", "items_green", "items_yellow", "items_red", "items_done",
                 "targets_total", "targets_met", "placeholders", "computed_at"]
_ITEM_FIELDS = ["percent", "expected_percent", "light", "is_done", "is_overdue", "reported_this_cycle",
                "targets_total", "targets_met", "placeholders", "flags", "computed_at"]


@transaction.atomic
def rollup_store(*, plan: WorkPlan, result: rollup.PlanRollupResult, now: datetime.datetime | None = None) -> None:
    """Write the roll-up's current values (one upsert per table), so pages read rather than compute."""
    now = now or timezone.now()
    ItemRollup.objects.bulk_create(
        [
            ItemRollup(
                item_id=item.key, percent=Decimal(str(item.percent)), expected_percent=Decimal(str(item.expected)),
                light=item.light, is_done=item.done, is_overdue=item.overdue,
                reported_this_cycle=item.reported_this_cycle, targets_total=item.targets_total,
                targets_met=item.targets_met, placeholders=item.placeholders, flags=list(item.flags), computed_at=now,
            )
            for item in result.items
        ],
        update_conflicts=True, unique_fields=["item"], update_fields=_ITEM_FIELDS, batch_size=1000,
    )
    extra = lambda group: {"targets_total": group.targets_total, "targets_met": group.targets_met,  # noqa: E731
                           "placeholders": group.placeholders, "computed_at": now}
    SectionRollup.objects.bulk_create(
        [SectionRollup(section_id=s.key, **_group_fields(s), **extra(s)) for s in result.sections],
        update_conflicts=True, unique_fields=["section"], update_fields=_GROUP_FIELDS,
    )
    PlanRollup.objects.bulk_create(
        [PlanRollup(plan_id=plan.pk, **_group_fields(result.plan), **extra(result.plan))],
        update_conflicts=True, unique_fields=["plan"], update_fields=_GROUP_FIELDS,
    )


def _open_plans():
    return WorkPlan.objects.exclude(status=WorkPlan.Status.CLOSED).order_by("pk")


def rollup_refresh(*, plan: WorkPlan | None = None, today: datetime.date | None = None) -> list[rollup.PlanRollupResult]:
    """Recompute and store the roll-up of one plan, or of every plan that is not closed."""
    today = today or timezone.localdate()
    results = []
    for current in [plan] if plan is not None else _open_plans():
        result = rollup_compute(plan=current, today=today)
        rollup_store(plan=current, result=result)
        results.append(result)
    return results


@transaction.atomic
def snapshot_take(*, day: datetime.date, plan: WorkPlan | None = None) -> int:
    """Record each open plan's and section's roll-up as of the end of `day`; taking it again replaces it."""
    written = 0
    for current in [plan] if plan is not None else _open_plans():
        result = rollup_compute(plan=current, today=day)
        RollupSnapshot.objects.filter(plan=current, date=day).delete()
        rows = [RollupSnapshot(plan=current, section=None, date=day, **_group_fields(result.plan))]
        rows += [
            RollupSnapshot(plan=current, section_id=section.key, date=day, **_group_fields(section))
            for section in result.sections
        ]
        RollupSnapshot.objects.bulk_create(rows)
        written += len(rows)
    return written
