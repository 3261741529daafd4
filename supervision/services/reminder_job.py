"""The daily reminder job: due dates and checkpoints, reporting cycles, instruction deadlines,
summary reports, 催办 to heads and one 督办 a day to leadership.

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
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.dates import local_date
from departments.models import Department
from notifications import audiences
from notifications import services as notification_services
from notifications.models import ReminderLog
from notifications.services import ReminderKey
from progress import rollup
from progress.models import ProgressReport
from progress import selectors as progress_selectors
from progress.services import rollup_compute
from tasks.cycles import cycle_months
from tasks.models import Checkpoint, Responsibility, Target, WorkItem, WorkPlan

from .. import reminders, selectors
from ..models import Chase, Instruction


@dataclass
class ReminderRun:
    today: datetime.date
    planned: list[reminders.Planned] = field(default_factory=list)
    claimed: int = 0
    already_sent: int = 0
    sent: int = 0
    failed: int = 0
    lines: list[str] = field(default_factory=list)  # one per planned reminder: what, to whom (and a 督办's lines)


@dataclass
class Facts:
    """What the rule is asked about for one plan, and the objects its messages name."""

    items: dict[int, WorkItem]
    item_facts: list[reminders.ItemFacts]
    checkpoints: dict[int, Checkpoint] = field(default_factory=dict)
    instructions: dict[int, Instruction] = field(default_factory=dict)
    instruction_facts: list[reminders.InstructionFacts] = field(default_factory=list)
    chase_targets: dict[int, object] = field(default_factory=dict)  # ChaseTarget by id
    chase_facts: list[reminders.ChaseFacts] = field(default_factory=list)
    requirements: dict[int, object] = field(default_factory=dict)  # SummaryRequirement by id
    summary_facts: list[reminders.SummaryFacts] = field(default_factory=list)
    escalated_on: list[datetime.date] = field(default_factory=list)
    percents: dict[int, float] = field(default_factory=dict)


def _item_facts(plan: WorkPlan, *, today: datetime.date) -> Facts:
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
    # An approved extension of a checkpoint writes its new date on the checkpoint (the first one kept in
    # original_due_date): its due_date is the date that counts.
    checkpoints = {c.pk: c for c in Checkpoint.objects.filter(item__section__plan=plan).order_by("due_date", "order")}
    # Met or not by the one definition every page uses (progress.rollup.checkpoint_met over the reports that
    # count for each checkpoint, progress.selectors.checkpoint_facts).
    counted = {pk: facts for rows in (progress_selectors.checkpoint_facts(items=Q(section__plan=plan)).values()
                                      if checkpoints else ()) for pk, facts in rows}
    by_item = defaultdict(list)
    for checkpoint in checkpoints.values():
        item = items[checkpoint.item_id]
        facts_of = counted.get(checkpoint.pk) or rollup.CheckpointFacts(
            checkpoint.due_date, None if checkpoint.expected_percent is None else float(checkpoint.expected_percent))
        done = item.counts_as_done(check_required=plan.completion_check_required)
        by_item[checkpoint.item_id].append(reminders.CheckpointDuty(
            checkpoint.pk, facts_of, checkpoint.department_id, met=rollup.checkpoint_met(facts_of, done=done)))
    # The official figure, as the roll-up computes it (a checkpoint is met against it): a fixed number of queries.
    percents = {result.key: result.percent for result in rollup_compute(plan=plan, today=today).items} \
        if checkpoints else {}
    facts = [
        reminders.ItemFacts(
            item_id=item.pk, due_date=item.due_date, done=item.status == WorkItem.Status.DONE,
            duties=tuple(duties[item.pk]), targets=tuple(targets[item.pk]),
            percent=percents.get(item.pk, 0.0), checkpoints=tuple(by_item[item.pk]),
            cycle_months=cycle_months(item.reporting_cycle or plan.reporting_cycle),
        )
        for item in items.values()
    ]
    return Facts(items=items, item_facts=facts, checkpoints=checkpoints, percents=percents)


def _reminder_facts(plan: WorkPlan, *, today: datetime.date, catch_up_days: int) -> Facts:
    """Every fact of the plan's reminders, in a fixed number of queries whatever the plan's size."""
    facts = _item_facts(plan, today=today)
    oldest = today - datetime.timedelta(days=catch_up_days + 1)  # older moments are stale: not read
    by_item = {f.item_id: f for f in facts.item_facts}
    # 批示 still waiting for their departments, with a 时限 not long past.
    for instruction in Instruction.objects.filter(
        item__section__plan=plan, state=Instruction.State.OPEN, due_date__gte=oldest
    ).prefetch_related("departments").order_by("due_date", "pk"):
        chosen = tuple(d.pk for d in instruction.departments.all())
        department_ids = chosen or tuple(d.department_id for d in by_item[instruction.item_id].duties)
        facts.instructions[instruction.pk] = instruction
        facts.instruction_facts.append(reminders.InstructionFacts(
            instruction.pk, instruction.item_id, instruction.due_date, department_ids))
    # Chases whose answer-by date has just passed, answered as the chase page says (selectors.chase_statuses).
    chases = list(Chase.objects.filter(plan=plan, reply_by__lt=today, reply_by__gte=oldest).order_by("pk"))
    for statuses in selectors.chase_statuses(chases=chases, today=today).values():
        for status in statuses:
            target = status.target
            facts.chase_targets[target.pk] = target
            facts.chase_facts.append(reminders.ChaseFacts(
                target.pk, target.chase_id, target.department_id, target.chase.reply_by,
                replied=status.replied_at is not None, item_ids=tuple(i.pk for i in target.items.all())))
    # Summary reports: who has not sent each (the /summaries/ page's rows).
    unsent = defaultdict(list)
    for row in selectors.summary_rows(plan=plan):
        facts.requirements[row.requirement.pk] = row.requirement
        if row.latest is None:
            unsent[row.requirement.pk].append(row.department.pk)
    facts.summary_facts = [reminders.SummaryFacts(pk, requirement.due_date, tuple(unsent[pk]))
                           for pk, requirement in facts.requirements.items()]
    # The days a 督办 of this plan went out: what they listed is not listed again.
    for period in ReminderLog.objects.filter(subject=f"plan:{plan.pk}", audience=audiences.LEADERSHIP,
                                             kind=reminders.ESCALATION).values_list("period", flat=True):
        try:
            facts.escalated_on.append(datetime.date.fromisoformat(period))
        except ValueError:
            continue
    return facts


def reminder_rules(plan: WorkPlan, *, today: datetime.date) -> reminders.Rules:
    return reminders.Rules(
        today=today,
        plan_start=plan.year_start,
        lead_days=reminders.parse_lead_days(plan.reminder_lead_days) or (30, 7, 1),
        escalation_days=plan.escalation_days,
        reporting_day=plan.reporting_day,
        catch_up_days=settings.UNIONPLAN_REMINDER_CATCH_UP_DAYS,
        instruction_days=plan.instruction_reminder_days,
        summary_days=plan.summary_reminder_days,
    )


def plan_reminders(plan: WorkPlan, *, today: datetime.date) -> tuple[Facts, list[reminders.Planned]]:
    """What is due on `today` for one plan, and the facts behind it (no write)."""
    rules = reminder_rules(plan, today=today)
    facts = _reminder_facts(plan, today=today, catch_up_days=rules.catch_up_days)
    planned = reminders.due_reminders(
        plan.pk, facts.item_facts, rules, instructions=facts.instruction_facts, chases=facts.chase_facts,
        summaries=facts.summary_facts, escalated_on=facts.escalated_on,
    )
    return facts, planned


def reminders_run(*, today: datetime.date | None = None, dry_run: bool = False, plan: WorkPlan | None = None) -> ReminderRun:
    """Claim and send every reminder due on `today` for the published plans; each at most once.

    With `dry_run`, say what would be sent (and what was sent already) and write nothing.
    """
    today = today or timezone.localdate()
    run = ReminderRun(today=today)
    plans = [plan] if plan is not None else list(WorkPlan.objects.filter(status=WorkPlan.Status.PUBLISHED))
    with translation.override(settings.LANGUAGE_CODE):
        for current in plans:
            facts, planned = plan_reminders(current, today=today)
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
                title, body, url = _reminder_message(entry, plan=current, facts=facts, departments=departments)
                users, webhooks = _audience(entry, recipients=recipients, leadership=leadership)
                key = ReminderKey(*entry.key)
                run.lines.append(f"{entry.kind:<11} {entry.audience:<22} {entry.period:<14} {title}")
                if entry.kind == reminders.ESCALATION:
                    run.lines.extend(f"{'':<11} {line}" for line in body.splitlines()[1:] if line.strip())
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


def _link(path: str) -> str:
    return f"{settings.UNIONPLAN_SITE_URL.rstrip('/')}{path}" if path else ""


def _percent(value) -> str:
    return f"{float(value):g}"


def _reminder_message(entry: reminders.Planned, *, plan, facts: Facts, departments) -> tuple[str, str, str]:
    department = departments.get(entry.department_id)
    item = facts.items[entry.item_ids[0]] if entry.item_ids else None
    words = {
        "plan": plan.title,
        "item": str(item) if item else "",
        "department": department.name if department else "",
        "date": entry.due_date.isoformat() if entry.due_date else "",
        "days": entry.days_left or 0,
    }
    item_url = item.get_absolute_url() if item else ""
    if entry.kind == reminders.ESCALATION:
        return _escalation_message(entry, plan=plan, facts=facts, departments=departments, words=words)
    if entry.subject.startswith("checkpoint:"):
        checkpoint = facts.checkpoints[entry.subject_id]
        words["checkpoint"] = checkpoint.title
        words["expected"] = "" if checkpoint.expected_percent is None else _percent(checkpoint.expected_percent)
        words["percent"] = _percent(facts.percents.get(checkpoint.item_id, 0))
        if entry.kind == reminders.DUE_SOON:
            title = _("Checkpoint due in %(days)d days: %(checkpoint)s") % words
            body = _("%(department)s: the checkpoint “%(checkpoint)s” of work item %(item)s (%(plan)s) is due on "
                     "%(date)s.") % words
            if words["expected"]:
                body += " " + _("By then the item should be at %(expected)s%%; it is at %(percent)s%%.") % words
        else:
            title = _("Checkpoint not met, please follow up: %(checkpoint)s") % words
            body = _(
                "The checkpoint “%(checkpoint)s” of work item %(item)s was due on %(date)s and is not met "
                "(逾期未完成): the item is at %(percent)s%% of the %(expected)s%% expected. "
                "As head of the lead department %(department)s, please see to it."
            ) % words
        return title, body, item_url
    if entry.subject.startswith("instruction:"):
        words["instruction"] = facts.instructions[entry.subject_id].text
        title = _("Instruction due in %(days)d days: %(item)s") % words
        body = _("%(department)s: the leadership instruction “%(instruction)s” on work item %(item)s is to be "
                 "answered by %(date)s (办理时限).") % words
        return title, body, item_url + "#instructions"
    if entry.kind == reminders.SUMMARY_DUE:
        requirement = facts.requirements[entry.subject_id]
        words["summary"] = requirement.name
        if entry.days_left:
            title = _("Summary report due in %(days)d days: %(summary)s") % words
        else:
            title = _("Summary report due today: %(summary)s") % words
        body = _("%(department)s has not sent its %(summary)s of %(plan)s, due on %(date)s.") % words
        return title, body, reverse("supervision:summary-submit", args=[requirement.pk])
    if entry.kind == reminders.DUE_SOON and entry.subject.startswith("target:"):
        target = Target.objects.get(pk=entry.subject_id)
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
    else:
        title = _("Overdue, please follow up: %(item)s") % words
        body = _(
            "Work item %(item)s of %(plan)s was due on %(date)s and is not done. "
            "As head of the lead department %(department)s, please see to it."
        ) % words
    return title, body, item_url


def _escalation_message(entry: reminders.Planned, *, plan, facts: Facts, departments, words) -> tuple[str, str, str]:
    """The day's one 督办: every late matter, by kind, each naming its lead department, with a link."""
    headings = {
        reminders.ITEM: _("Work items overdue:"),
        reminders.CHECKPOINT: _("Checkpoints not met (逾期未完成):"),
        reminders.INSTRUCTION: _("Leadership instructions past their deadline, not answered:"),
        reminders.CHASE: _("Chased departments that did not answer:"),
        reminders.SUMMARY: _("Summary reports not sent:"),
    }
    by_kind = defaultdict(list)
    for line in entry.lines:
        department = departments.get(line.department_id)
        what = {"department": department.name if department else _("(no lead department)"),
                "date": line.since.isoformat()}
        if line.kind == reminders.ITEM:
            item = facts.items[line.subject_id]
            what["item"] = str(item)
            text, path = _("%(department)s: %(item)s (due %(date)s)") % what, item.get_absolute_url()
        elif line.kind == reminders.CHECKPOINT:
            checkpoint = facts.checkpoints[line.subject_id]
            what.update(item=str(facts.items[checkpoint.item_id]), checkpoint=checkpoint.title)
            text = _("%(department)s: %(item)s, checkpoint “%(checkpoint)s” (%(date)s)") % what
            path = facts.items[checkpoint.item_id].get_absolute_url()
        elif line.kind == reminders.INSTRUCTION:
            instruction = facts.instructions[line.subject_id]
            what.update(item=str(facts.items[instruction.item_id]), instruction=instruction.text[:60])
            text = _("%(department)s: “%(instruction)s” on %(item)s (deadline %(date)s)") % what
            path = facts.items[instruction.item_id].get_absolute_url() + "#instructions"
        elif line.kind == reminders.CHASE:
            target = facts.chase_targets[line.subject_id]
            what["chase"] = target.chase.message[:60]
            text = _("%(department)s: chase “%(chase)s” (answer by %(date)s)") % what
            path = target.chase.get_absolute_url()
        else:
            requirement = facts.requirements[line.subject_id]
            what["summary"] = requirement.name
            text = _("%(department)s: %(summary)s (due %(date)s)") % what
            path = reverse("supervision:summaries")
        by_kind[line.kind].append(f"· {text} {_link(path)}")
    words["count"] = len(entry.lines)
    title = ngettext("Escalation (督办) of %(date)s: %(count)d matter of %(plan)s late",
                     "Escalation (督办) of %(date)s: %(count)d matters of %(plan)s late", len(entry.lines)) % words
    parts = [_("Still not done, by lead department:")]
    for kind in reminders.LINE_KINDS:
        if by_kind[kind]:
            parts.append(headings[kind])
            parts.extend(by_kind[kind])
    return title, "\n".join(parts), reverse("supervision:desk")
