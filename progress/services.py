"""Every state change of progress: reports, their review, and the stored roll-up.

Guarantees:
- `report_submit` refuses a report based on an item version that is no longer
  current (ProgressConflict): two people never silently overwrite each other.
- Nobody reviews their own report (OwnReport): another head of the department
  does, or a plan admin, who is asked when there is no other head.
- Only an approved report of the lead department changes the item's reported
  progress and its targets' current values; a co-organizer's report is its own part.
- Notifications about a report go through the outbox after commit, once per
  report (the reminder log's key), so a broker outage delays them, never loses them.
- The roll-up reads plain facts in a fixed number of queries, applies the pure
  rule (`progress.rollup`) and overwrites its rows: safe to run twice.
"""

from __future__ import annotations

import datetime
import json
from collections import defaultdict
from decimal import Decimal
from functools import partial

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models, transaction
from django.db.models import Max, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.dates import local_dates
from core.exceptions import Conflict
from core.people import display_name
from departments import services as department_services
from departments.models import Department, SecurityEvent
from notifications import audiences
from notifications import services as notification_services
from notifications.services import ReminderKey, enqueue
from tasks.cycles import cycle_months
from tasks.models import Checkpoint, Responsibility, Section, Target, Visibility, WorkItem, WorkPlan

from . import permissions, rollup, selectors, signals
from .evidence import EvidenceUpload
from .models import (
    Evidence,
    ItemRollup,
    LeadRollup,
    PendingUpload,
    ItemSnapshot,
    PlanRollup,
    ProgressReport,
    RollupSnapshot,
    SectionRollup,
    TargetReading,
)


class ProgressConflict(Conflict):
    """Someone changed the item since the form was loaded; nothing was saved."""

    def __init__(self, message: str, *, item: WorkItem):
        self.item = item
        super().__init__(message, version=item.version)


def _lock_item(item_id: int) -> WorkItem:
    return WorkItem.objects.select_for_update(of=("self",)).select_related("section__plan").get(pk=item_id)


def _bump_version(item: WorkItem, *, expected: int | None = None) -> None:
    # The version is checked in the UPDATE's WHERE clause, so two requests that
    # read the same version cannot both win, even without the row lock.
    rows = WorkItem.objects.filter(pk=item.pk, **({"version": expected} if expected is not None else {})).update(
        version=models.F("version") + 1
    )
    if not rows:
        raise ProgressConflict(_("This item was changed by someone else meanwhile."), item=item)
    item.version = (expected if expected is not None else item.version) + 1


@transaction.atomic
def report_submit(
    *,
    item: WorkItem,
    department: Department,
    reporter,
    status: str,
    percent: int,
    narrative: str,
    readings: dict[int, Decimal],
    evidence: list[EvidenceUpload],
    base_version: int,
    checkpoint: Checkpoint | None = None,
    narrative_visibility: str | None = None,
    evidence_visibility: str | None = None,
    kept: list[Evidence] = (),
    pending: list[PendingUpload] = (),
) -> ProgressReport:
    """Record a department's progress report on an item, answering one of its checkpoints or none.

    The narrative and the evidence files are 部门内 or 计划内 as the reporter chose, else as the
    plan's default (`WorkPlan.evidence_visibility`); progress.permissions.may_read enforces it.

    Refuses (ProgressConflict) when the item changed since the form showed
    `base_version`, and (ValidationError on `checkpoint`) a checkpoint of another item.
    Without review on the plan, the report counts at once.
    `kept`: evidence of the department's returned report sent again (the same files);
    `pending`: the reporter's files kept from a refused submit, which become evidence here.
    """
    locked = _lock_item(item.pk)
    if locked.version != base_version:
        raise ProgressConflict(_("Someone else changed this item's progress since you opened the form."), item=locked)
    responsibility = locked.responsibilities.get(department=department)
    report = ProgressReport(
        item=locked,
        department=department,
        role=responsibility.role,
        reporter=reporter,
        status=status,
        percent=percent,
        narrative=narrative,
        checkpoint=checkpoint,
        narrative_visibility=narrative_visibility or locked.section.plan.evidence_visibility,
    )
    if checkpoint is not None and checkpoint.item_id != locked.pk:
        raise ValidationError({"checkpoint": _("This checkpoint belongs to another work item.")})
    report.full_clean()
    report.save()
    targets = {t.pk: t for t in locked.targets.all()}
    TargetReading.objects.bulk_create(
        TargetReading(report=report, target=targets[target_id], value=value)
        for target_id, value in readings.items()
        if target_id in targets and value is not None
    )
    files_visibility = evidence_visibility or locked.section.plan.evidence_visibility
    for old in kept:
        # The same stored file, now also evidence of the corrected report (nothing copied on disk).
        Evidence.objects.create(
            report=report, file=old.file.name, original_name=old.original_name, content_type=old.content_type,
            size=old.size, visibility=files_visibility,
        )
    for upload in pending:
        Evidence.objects.create(
            report=report, file=upload.file.name, original_name=upload.original_name,
            content_type=upload.content_type, size=upload.size, visibility=files_visibility,
        )
    PendingUpload.objects.filter(pk__in=[upload.pk for upload in pending], user=reporter).delete()
    for upload in evidence:
        Evidence.objects.create(
            report=report, file=upload.file, original_name=upload.name[:255], content_type=upload.content_type,
            size=upload.size, visibility=files_visibility,
        )
    _bump_version(locked, expected=base_version)
    if not locked.section.plan.review_required:
        _approve(report, item=locked, reviewer=reporter, comment="")
    if report.state == ProgressReport.State.SUBMITTED:
        # The heads are asked after commit; the outbox keeps the request while the broker is down.
        enqueue(task_name="progress.notify_report_submitted", kwargs={"report_id": report.pk})
    rollup_schedule(plan_id=locked.section.plan_id)
    return report


def evidence_download_record(*, evidence: Evidence, user, request=None) -> None:
    """A download of a 部门内 file is a security event (who, when, from where, which file); a 计划内
    file is for everyone who sees the plan and is not recorded."""
    if evidence.visibility != Visibility.DEPARTMENT:
        return
    report = evidence.report
    department_services.security_event_record(
        kind=SecurityEvent.Kind.EVIDENCE_DOWNLOADED, user=user, request=request,
        detail=_("%(file)s (evidence %(id)d, %(item)s)") % {"file": evidence.original_name, "id": evidence.pk,
                                                           "item": report.item})


def _approve(report: ProgressReport, *, item: WorkItem, reviewer, comment: str) -> None:
    report.state = ProgressReport.State.APPROVED
    report.reviewer, report.review_comment, report.reviewed_at = reviewer, comment, timezone.now()
    report.save(update_fields=["state", "reviewer", "review_comment", "reviewed_at"])
    signals.report_approved.send(sender=ProgressReport, report=report, item=item)
    if report.role != Responsibility.Role.LEAD:
        # A co-organizer's report is its own part; the lead's report is the item's.
        return
    item.status, item.progress_percent, item.last_report_at = report.status, report.percent, report.reviewed_at
    item.save(update_fields=["status", "progress_percent", "last_report_at"])
    for reading in report.readings.select_related("target"):
        target = reading.target
        if target.current_value != reading.value:
            target.current_value = reading.value
            target.save(update_fields=["current_value"])


class OwnReport(PermissionDenied):
    """A reviewer never reviews their own report; nothing was saved."""


def _lock_report_for_review(report: ProgressReport, *, reviewer) -> tuple[ProgressReport, WorkItem]:
    item = _lock_item(report.item_id)
    locked = ProgressReport.objects.select_for_update(of=("self",)).select_related("department", "reviewer").get(pk=report.pk)
    if reviewer.pk == locked.reporter_id:
        raise OwnReport(_("You cannot review your own report: another head of the department or a plan admin does."))
    if item.section.plan.status == WorkPlan.Status.CLOSED:
        raise ProgressConflict(_("This plan is closed: its reports are no longer reviewed."), item=item)
    if locked.state != ProgressReport.State.SUBMITTED:
        raise ProgressConflict(
            _("This report was already reviewed by %(name)s.")
            % {"name": display_name(locked.reviewer)},
            item=item,
        )
    return locked, item


@transaction.atomic
def report_approve(*, report: ProgressReport, reviewer, comment: str = "") -> ProgressReport:
    """Approve a submitted report; the lead department's then becomes the item's official progress.

    Refuses (OwnReport) a reviewer who is the report's reporter, whatever their role."""
    locked, item = _lock_report_for_review(report, reviewer=reviewer)
    _approve(locked, item=item, reviewer=reviewer, comment=comment)
    _bump_version(item)
    _tell_reporter(locked)
    rollup_schedule(plan_id=item.section.plan_id)
    return locked


@transaction.atomic
def report_return(*, report: ProgressReport, reviewer, comment: str) -> ProgressReport:
    """Send a report back to its department with the head's comment; official progress is unchanged.

    Refuses (OwnReport) a reviewer who is the report's reporter."""
    locked, item = _lock_report_for_review(report, reviewer=reviewer)
    locked.state = ProgressReport.State.RETURNED
    locked.reviewer, locked.review_comment, locked.reviewed_at = reviewer, comment, timezone.now()
    locked.full_clean()
    locked.save(update_fields=["state", "reviewer", "review_comment", "reviewed_at"])
    _bump_version(item)
    _tell_reporter(locked)
    rollup_schedule(plan_id=item.section.plan_id)
    return locked


def pending_uploads_keep(*, user, item: WorkItem, uploads: list[EvidenceUpload]) -> list[PendingUpload]:
    """Keep the checked files of a refused report form, so the user does not attach them again."""
    kept = []
    for upload in uploads:
        pending = PendingUpload(user=user, item=item, original_name=upload.name[:255],
                                content_type=upload.content_type, size=upload.size)
        upload.file.seek(0)
        pending.file.save(upload.name, upload.file, save=False)
        pending.save()
        kept.append(pending)
    return kept


def pending_uploads_sweep(*, now: datetime.datetime | None = None) -> int:
    """Remove files kept from refused forms for more than a day, with their rows; safe to run twice."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=1)
    removed = 0
    for pending in PendingUpload.objects.filter(uploaded_at__lt=cutoff):
        pending.file.delete(save=False)
        pending.delete()
        removed += 1
    return removed


def _tell_reporter(report: ProgressReport) -> None:
    # The heads' "awaiting your review" notices are handled now: read, for every head asked.
    notification_services.notices_handled(subject=f"report:{report.pk}", kind="review_request")
    # After commit, through the outbox like the review request: a broker outage loses nothing.
    enqueue(task_name="progress.notify_report_reviewed", kwargs={"report_id": report.pk})


# ---------------------------------------------------------------------------
# Telling people about a report.


def report_submitted_notify(*, report_id: int) -> int:
    """Ask the report's first reviewers in line (`permissions.review_line`) to review it: the
    department's heads other than the reporter, else the plan admins; once per report.
    Returns deliveries sent."""
    report = ProgressReport.objects.select_related("item", "department", "reporter").filter(pk=report_id).first()
    if report is None or report.state != ProgressReport.State.SUBMITTED:
        # Reviewed already (or counted at once on a plan without review): nothing to ask for.
        return 0
    heads = audiences.department_recipients(department_ids=[report.department_id])[
        report.department_id
    ].heads
    line = permissions.review_line(report, heads=heads)
    if line.plan_admins_asked:
        audience, users = audiences.PLAN_ADMINS, [u for u in audiences.plan_admin_users() if u.pk != report.reporter_id]
    else:
        audience, users = audiences.heads_of(report.department_id), list(line.heads)
    if not users:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        words = {"item": str(report.item), "department": report.department.name,
                 "who": display_name(report.reporter), "percent": report.percent}
        title = _("Report awaiting your review: %(item)s") % words
        body = _("%(who)s (%(department)s) reported %(percent)d%% on work item %(item)s.") % words
    reminder = notification_services.reminder_claim(
        key=ReminderKey(f"report:{report.pk}", audience, "review_request", "submitted"),
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
        words = {"item": str(report.item), "who": display_name(report.reviewer),
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
        key=ReminderKey(f"report:{report.pk}", audiences.user(report.reporter_id), "report_reviewed", report.state),
        title=title, body=body, url=report.get_absolute_url(), users=[report.reporter],
    )
    if reminder is None:
        return 0
    return notification_services.deliveries_send(reminder_ids=[reminder.pk]).sent


# ---------------------------------------------------------------------------
# The roll-up.


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def rollup_compute(*, plan: WorkPlan, today: datetime.date) -> rollup.PlanRollupResult:
    """The plan's roll-up as of `today`, from five queries whatever the plan's size."""
    section_ids = list(Section.objects.filter(plan=plan).order_by("number").values_list("pk", flat=True))
    last_lead_report = dict(
        ProgressReport.objects.filter(item__section__plan=plan, role=Responsibility.Role.LEAD)
        .exclude(state=ProgressReport.State.RETURNED)
        .values("item_id")
        .annotate(last=Max("created_at"))
        .values_list("item_id", "last")
    )
    items = list(
        WorkItem.objects.filter(section__plan=plan)
        .order_by("section_id", "number")
        .values_list("pk", "section_id", "due_date", "status", "progress_percent", "last_report_at", "rollup_weight",
                     "closed_at", "reporting_cycle")
    )
    item_due = {row[0]: row[2] for row in items}
    # Each target's facts made as it is read (a target without a date of its own is due with its item).
    targets, target_facts = defaultdict(list), rollup.TargetFacts
    for item_id, kind, value, current, due in Target.objects.filter(item__section__plan=plan).order_by(
        "item_id", "order"
    ).values_list("item_id", "kind", "target_value", "current_value", "due_date"):
        targets[item_id].append(target_facts(kind, None if value is None else float(value),
                                             None if current is None else float(current), due or item_due[item_id]))
    checkpoints = {item_id: [facts for _pk, facts in rows]
                   for item_id, rows in selectors.checkpoint_facts(items=Q(section__plan=plan)).items()}
    measured_elsewhere: dict[int, tuple[str, float]] = {}
    for _receiver, answer in signals.rollup_reported_percent.send(sender=WorkPlan, plan=plan):
        if answer:
            who, percents = answer
            measured_elsewhere.update({item_id: (who, percent) for item_id, percent in percents.items()})
    by_section = defaultdict(list)
    day_of = local_dates()
    check_required, plan_cycle = plan.completion_check_required, plan.reporting_cycle
    for pk, section_id, due, status, percent, approved_at, weight, closed_at, cycle in items:
        who, reported = measured_elsewhere.get(pk, ("", percent if approved_at else None))
        by_section[section_id].append(
            rollup.ItemFacts(
                key=pk, due_date=due, status=status, reported_percent=reported, measured_by=who,
                last_report_on=day_of(last_lead_report.get(pk)), targets=tuple(targets.get(pk, ())),
                weight=float(weight), checkpoints=tuple(checkpoints.get(pk, ())),
                awaiting_check=status == WorkItem.Status.DONE and check_required and closed_at is None,
                cycle_months=cycle_months(cycle or plan_cycle),
            )
        )
    rules = rollup.Rules(
        today=today, plan_start=plan.year_start, margin=float(plan.rollup_margin), reporting_day=plan.reporting_day
    )
    result = rollup.rollup(plan.pk, [(section_id, by_section[section_id]) for section_id in section_ids], rules)
    result.measured_by.update({pk: who for pk, (who, _percent) in measured_elsewhere.items()})
    return result


def _decimal(value: float | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _group_fields(group: rollup.GroupResult) -> dict:
    return {
        "percent": Decimal(str(group.percent)), "expected_percent": Decimal(str(group.expected)), "light": group.light,
        "items_green": group.items.get("green", 0), "items_yellow": group.items.get("yellow", 0),
        "items_red": group.items.get("red", 0), "items_done": group.items.get("done", 0),
    }


def _target_counts(group: rollup.GroupResult) -> dict:
    return {"targets_total": group.targets_total, "targets_met": group.targets_met, "placeholders": group.placeholders}


_GROUP_FIELDS = ["percent", "expected_percent", "light", "items_green", "items_yellow", "items_red", "items_done",
                 "targets_total", "targets_met", "placeholders", "computed_at"]
_ITEM_FIELDS = ["percent", "reported_percent", "targets_percent", "basis", "measured_by", "unread_targets",
                "expected_percent", "light", "is_done", "is_overdue", "reported_this_cycle", "targets_total",
                "targets_met", "placeholders", "flags", "late_rank", "computed_at"]


def _quoted(value) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _pg_array(values: list) -> str:
    """A PostgreSQL array literal of `values` (None is NULL): one parameter for unnest. Texts are quoted,
    numbers and booleans written as they are."""
    sample = next((value for value in values if value is not None), None)
    if isinstance(sample, bool):
        write = lambda value: "t" if value else "f"  # noqa: E731
    elif isinstance(sample, str):
        write = _quoted
    else:
        write = str
    return "{" + ",".join("NULL" if value is None else write(value) for value in values) + "}"


def _item_rollup_rows(result: rollup.PlanRollupResult) -> dict[str, list]:
    """Each ItemRollup column's values, item by item, as plain Python values."""
    measured_by, items, flags_json = result.measured_by, result.items, {}
    return {
        "item_id": [item.key for item in items],
        "percent": [item.percent for item in items],
        "reported_percent": [item.reported_percent for item in items],
        "targets_percent": [item.targets_percent for item in items],
        "basis": [item.basis for item in items],
        "measured_by": [measured_by.get(item.key, "") for item in items],
        "unread_targets": [item.unread_targets for item in items],
        "expected_percent": [item.expected for item in items],
        "light": [item.light for item in items],
        "is_done": [item.done for item in items],
        "is_overdue": [item.overdue for item in items],
        "reported_this_cycle": [item.reported_this_cycle for item in items],
        "targets_total": [item.targets_total for item in items],
        "targets_met": [item.targets_met for item in items],
        "placeholders": [item.placeholders for item in items],
        "flags": [flags_json.get(item.flags) or flags_json.setdefault(item.flags, json.dumps(list(item.flags)))
                  for item in items],  # a handful of distinct lists: each written once
        "late_rank": [result.late_ranks.get(item.key) for item in items],
    }


def _item_rollups_upsert(result: rollup.PlanRollupResult, *, now: datetime.datetime) -> None:
    """Every item's roll-up written at once. On PostgreSQL one INSERT … SELECT FROM unnest(…) ON CONFLICT
    with one array a column (Django's bulk_create compiled every value of 10,000 rows in Python, which
    cost more than the roll-up itself); elsewhere bulk_create's upsert."""
    if not result.items:
        return
    if connection.vendor != "postgresql":
        ItemRollup.objects.bulk_create(
            [
                ItemRollup(
                    item_id=item.key, percent=Decimal(str(item.percent)), expected_percent=Decimal(str(item.expected)),
                    reported_percent=_decimal(item.reported_percent), targets_percent=_decimal(item.targets_percent),
                    basis=item.basis, measured_by=result.measured_by.get(item.key, ""),
                    unread_targets=item.unread_targets, light=item.light, is_done=item.done, is_overdue=item.overdue,
                    reported_this_cycle=item.reported_this_cycle, targets_total=item.targets_total,
                    targets_met=item.targets_met, placeholders=item.placeholders, flags=list(item.flags),
                    late_rank=result.late_ranks.get(item.key), computed_at=now,
                )
                for item in result.items
            ],
            update_conflicts=True, unique_fields=["item"], update_fields=_ITEM_FIELDS, batch_size=1000,
        )
        return
    rows = _item_rollup_rows(result)
    fields = {field.attname: field for field in ItemRollup._meta.concrete_fields}
    columns = [fields[name].column for name in rows]
    # Texts as text[]: a cast to varchar(n)[] would cut a long value short, where the insert refuses it.
    casts = [f"%s::{'text' if fields[name].get_internal_type() == 'CharField' else fields[name].db_type(connection)}[]"
             for name in rows]
    quote = connection.ops.quote_name
    updates = ", ".join(f"{quote(fields[name].column)} = EXCLUDED.{quote(fields[name].column)}"
                        for name in _ITEM_FIELDS)
    sql = (
        f"INSERT INTO {quote(ItemRollup._meta.db_table)} ({', '.join(map(quote, columns))}, "
        f"{quote(fields['computed_at'].column)}) "
        f"SELECT *, %s FROM unnest({', '.join(casts)}) "
        f"ON CONFLICT ({quote(fields['item_id'].column)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now] + [_pg_array(values) for values in rows.values()])


def _lead_rollups_store(*, plan: WorkPlan, now: datetime.datetime) -> None:
    """Each department's counts per section, from the item roll-ups just written: replaced as a whole (a
    department that no longer leads there loses its row)."""
    stored = []
    for section_id, department_id, *counts in selectors.lead_counts(plan=plan):
        fields = dict(zip(selectors.LEAD_COUNTS, counts))
        fields["percent_sum"] = float(fields["percent_sum"] or 0)  # no item with figures: SUM is NULL
        stored.append(LeadRollup(section_id=section_id, department_id=department_id, computed_at=now, **fields))
    LeadRollup.objects.filter(section__plan=plan).delete()
    LeadRollup.objects.bulk_create(stored)


@transaction.atomic
def rollup_store(*, plan: WorkPlan, result: rollup.PlanRollupResult, now: datetime.datetime | None = None) -> None:
    """Write the roll-up's current values (one upsert per table), so pages read rather than compute."""
    now = now or timezone.now()
    _item_rollups_upsert(result, now=now)
    extra = lambda group: {**_target_counts(group), "computed_at": now}  # noqa: E731
    SectionRollup.objects.bulk_create(
        [SectionRollup(section_id=s.key, **_group_fields(s), **extra(s)) for s in result.sections],
        update_conflicts=True, unique_fields=["section"], update_fields=_GROUP_FIELDS,
    )
    PlanRollup.objects.bulk_create(
        [PlanRollup(plan_id=plan.pk, **_group_fields(result.plan), **extra(result.plan))],
        update_conflicts=True, unique_fields=["plan"], update_fields=_GROUP_FIELDS,
    )
    _lead_rollups_store(plan=plan, now=now)
    plans_forget()  # the plan's figures have a new time: the dashboard's cached page is no longer its own


def plans_forget() -> None:
    """Forget the cached list of plans with their figures' times (selectors.plans_with_computed_at), now and
    once the current transaction commits (a request in between may have cached the rows as they were)."""
    key = selectors.plans_key()
    cache.delete(key)
    transaction.on_commit(partial(cache.delete, key))


def rollup_schedule(*, plan_id: int) -> None:
    """Recompute the plan's roll-up once the current transaction commits, so every page is current in seconds.

    Through the outbox: a broker outage delays the recomputation, never loses it. Many
    changes in a row cost one recomputation: the task skips a request older than the
    figures it finds (`rollup_refresh_requested`); the 15-minute job stays as the safety net.
    """
    enqueue(task_name="progress.refresh_rollup", kwargs={"plan_id": plan_id, "requested_at": timezone.now().isoformat()})


def rollup_refresh_requested(*, plan_id: int, requested_at: datetime.datetime) -> bool:
    """The recomputation `rollup_schedule` asked for; False when figures computed since then make it moot."""
    plan = WorkPlan.objects.filter(pk=plan_id).first()
    if plan is None or plan.status == WorkPlan.Status.CLOSED:
        return False
    computed_at = selectors.plan_computed_at(plan=plan)
    if computed_at is not None and computed_at > requested_at:
        return False
    rollup_refresh(plan=plan)
    return True


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


_SNAPSHOT_FIELDS = ("percent", "reported_percent", "targets_percent", "light", "is_done", "is_overdue")


def _item_snapshot(item: rollup.ItemResult, *, day: datetime.date) -> ItemSnapshot:
    return ItemSnapshot(
        item_id=item.key, date=day, percent=Decimal(str(item.percent)), reported_percent=_decimal(item.reported_percent),
        targets_percent=_decimal(item.targets_percent), light=item.light, is_done=item.done, is_overdue=item.overdue,
    )


@transaction.atomic
def snapshot_take(*, day: datetime.date, plan: WorkPlan | None = None) -> int:
    """Record each open plan's, section's and item's roll-up as of the end of `day`; taking it again replaces it.

    Plans and sections get a row a day (the trend charts); an item gets one only when its
    figures differ from its latest earlier one, so a year of history costs rows per change,
    not per day.
    """
    written = 0
    for current in [plan] if plan is not None else _open_plans():
        result = rollup_compute(plan=current, today=day)
        RollupSnapshot.objects.filter(plan=current, date=day).delete()
        rows = [RollupSnapshot(plan=current, section=None, date=day, **_group_fields(result.plan),
                               **_target_counts(result.plan))]
        rows += [
            RollupSnapshot(plan=current, section_id=section.key, date=day, **_group_fields(section),
                           **_target_counts(section))
            for section in result.sections
        ]
        RollupSnapshot.objects.bulk_create(rows)
        ItemSnapshot.objects.filter(item__section__plan=current, date=day).delete()
        before = {
            snapshot.item_id: tuple(getattr(snapshot, name) for name in _SNAPSHOT_FIELDS)
            for snapshot in selectors.item_snapshots_as_of(plan=current, day=day - datetime.timedelta(days=1))
        }
        changed = [
            snapshot for snapshot in (_item_snapshot(item, day=day) for item in result.items)
            if before.get(snapshot.item_id) != tuple(getattr(snapshot, name) for name in _SNAPSHOT_FIELDS)
        ]
        ItemSnapshot.objects.bulk_create(changed, batch_size=1000)
        written += len(rows) + len(changed)
    return written
