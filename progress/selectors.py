"""Reads of reports, reviews, evidence and the official progress for pages, the API and jobs, queries designed in."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.core.cache import cache
from django.db import connection
from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, Sum, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from core import prefetch
from core.dates import local_date
from core.prepared import PreparedQuery, database_scoped
from departments.models import Membership
from tasks.extensions import ItemFigure, TimelineEvent
from tasks.models import Checkpoint, Responsibility, WorkItem, WorkPlan

from . import permissions, rollup
from .models import (
    Evidence,
    ItemRollup,
    ItemSnapshot,
    LeadRollup,
    Light,
    PendingUpload,
    PlanRollup,
    ProgressReport,
    TargetReading,
)


def item_reports(*, item_id: int) -> list[ProgressReport]:
    """Every report on an item, newest first, with readings, evidence and people: three queries."""
    return list(
        ProgressReport.objects.filter(item_id=item_id)
        .select_related("department__head_group", "reporter", "reviewer", "checkpoint")
        .prefetch_related(
            Prefetch("readings", queryset=TargetReading.objects.select_related("target").order_by("target__order")),
            "evidence",
        )
    )


def report_events(reports) -> list[TimelineEvent]:
    """The reports and reviews of an item as history lines (no query: `reports` from item_reports)."""
    events = []
    for report in reports:
        events.append(
            TimelineEvent(
                report.created_at,
                report.reporter,
                "report",
                _("%(department)s reported: %(status)s, %(percent)d%%")
                % {"department": report.department, "status": report.get_status_display(), "percent": report.percent},
            )
        )
        if report.reviewed_at:
            comment = f"{report.get_state_display()} {report.review_comment}".strip()
            events.append(TimelineEvent(report.reviewed_at, report.reviewer, "review", comment))
    return events


def item_recent_reports(*, item_id: int, limit: int = 3) -> list[ProgressReport]:
    """The newest reports on an item, for the conflict message of the report form."""
    return list(
        ProgressReport.objects.filter(item_id=item_id).select_related("department", "reporter", "reviewer")[:limit]
    )


def report_for_review(*, report_id: int) -> ProgressReport:
    return ProgressReport.objects.select_related("item__section__plan", "department__head_group").get(pk=report_id)


def awaiting_review_by(*, user, as_plan_admin: bool) -> Q:
    """Submitted reports whose line of reviewers (`permissions.review_line`) the user stands in
    first: their department's, when they head it, unless they reported it; for a plan admin also
    those no other head may review."""
    # The departments the user heads, as a set (served by report_submitted, the partial index of the
    # reports waiting) rather than a probe of memberships per submitted report.
    awaiting = Q(department__in=Membership.objects.filter(user=user, role=Membership.Role.HEAD).values("department"))
    if as_plan_admin:
        heads = Membership.objects.filter(department=OuterRef("department"), role=Membership.Role.HEAD)
        awaiting |= ~Exists(heads.filter(user__is_active=True).exclude(user=OuterRef("reporter")))
    return Q(awaiting, state=ProgressReport.State.SUBMITTED) & ~Q(reporter=user) & ~Q(
        item__section__plan__status=WorkPlan.Status.CLOSED
    )


def review_queue(*, user, as_plan_admin: bool) -> list[ProgressReport]:
    """Reports awaiting the user's review, oldest first, each with its line of reviewers."""
    reports = list(
        ProgressReport.objects.filter(awaiting_review_by(user=user, as_plan_admin=as_plan_admin))
        .select_related("item__section__plan", "department__head_group", "reporter", "checkpoint")
        .prefetch_related(Prefetch("readings", queryset=TargetReading.objects.select_related("target")), "evidence")
        .order_by("created_at", "pk")
    )
    return with_review_lines(reports)


def awaiting_my_review(*, user, as_plan_admin: bool) -> bool:
    """Does anything wait for this user's review? One query (where a head lands after log-in)."""
    return ProgressReport.objects.filter(awaiting_review_by(user=user, as_plan_admin=as_plan_admin)).exists()


def with_review_lines(reports: list[ProgressReport]) -> list[ProgressReport]:
    """Sets `review_line` (who reviews it) on each report awaiting review: one query for all."""
    waiting = {report.pk: report.department_id for report in reports if report.state == ProgressReport.State.SUBMITTED}
    heads = defaultdict(list)
    if waiting:
        for membership in (Membership.objects.filter(department_id__in=set(waiting.values()),
                                                     role=Membership.Role.HEAD, user__is_active=True)
                           .select_related("user").order_by("user__username")):
            heads[membership.department_id].append(membership.user)
    for report in reports:
        report.review_line = permissions.review_line(report, heads=heads[report.department_id]) if report.pk in waiting else None
    return reports


def evidence_bytes_today(*, department_id: int) -> int:
    """How many bytes of evidence a department uploaded today (local day), for the daily bound."""
    from django.db.models import Sum
    from django.utils import timezone

    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    return Evidence.objects.filter(report__department_id=department_id, uploaded_at__gte=start).aggregate(
        total=Sum("size"))["total"] or 0


def evidence_file(*, evidence_id: int) -> Evidence:
    return Evidence.objects.select_related("report__item__section__plan").get(pk=evidence_id)


# ---------------------------------------------------------------------------
# The official progress (the stored roll-up), now and as of a past day.


def item_snapshots_as_of_queryset(*, plan, day: datetime.date, section_id: int | None = None, item_ids=None):
    """Each item's figures on `day`: its latest snapshot on or before it (items without one are absent).

    The latest are picked in one pass over the snapshots, not looked up item by item (the planner ran that
    lookup three times an item: 30,000 probes for a 10,000-item plan). PostgreSQL's DISTINCT ON is
    estimated right (a window's "rank = 1" was guessed at 50 rows of 10,000, and nested loops followed);
    elsewhere a window."""
    snapshots = ItemSnapshot.objects.filter(item__section__plan=plan, date__lte=day)
    if section_id is not None:
        snapshots = snapshots.filter(item__section_id=section_id)
    if item_ids is not None:
        snapshots = snapshots.filter(item_id__in=item_ids)
    if connection.vendor == "postgresql":
        latest = snapshots.order_by("item_id", "-date").distinct("item_id").values("pk")
    else:
        latest = snapshots.annotate(newest=Window(RowNumber(), partition_by=[F("item_id")], order_by=F("date").desc()))
        latest = latest.filter(newest=1).values("pk")
    return ItemSnapshot.objects.filter(pk__in=latest)


def item_snapshots_as_of(*, plan, day: datetime.date, section_id: int | None = None,
                         item_ids=None) -> list[ItemSnapshot]:
    """Each item's figures on `day` (item_snapshots_as_of_queryset): one query."""
    return list(item_snapshots_as_of_queryset(plan=plan, day=day, section_id=section_id, item_ids=item_ids))


PLANS_SECONDS = 60


def plans_key() -> str:
    return database_scoped("plans-computed-at")


_plans_computed = PreparedQuery(
    WorkPlan, lambda: WorkPlan.objects.order_by("-year", "organization").defer("source_text", "general_requirements")
    .annotate(computed_at=F("rollup__computed_at")), takes_value=False
)


def plans_with_computed_at() -> list[WorkPlan]:
    """Every plan, newest year first, each with when its figures were computed (`computed_at`), without the
    plans' texts (the imported document, the general requirements): the dashboard's year picker and
    the key of its cached page. Kept in the cache: a plan saved or deleted and every roll-up stored
    forget it (services.plans_forget), the time limit is a backstop for bulk updates."""
    return plans_with_computed_at_and(keys=())[0]


def plans_with_computed_at_and(*, keys) -> tuple[list[WorkPlan], dict]:
    """plans_with_computed_at, and the cache's entries of `keys` read in the same round trip (a page
    cached for a view of them, say)."""
    key = plans_key()
    found = prefetch.get_many([key, *keys])  # read with the session when the page asked for them (core.prefetch)
    plans = found.pop(key, None)
    if plans is None:
        plans = _plans_computed.all()  # compiled once per process (core.prepared)
        cache.set(key, plans, PLANS_SECONDS)
    return plans, found


def plan_computed_at(*, plan) -> datetime.datetime | None:
    """When the plan's official figures were last computed (the pages' "数据更新于")."""
    return PlanRollup.objects.filter(plan=plan).values_list("computed_at", flat=True).first()


def item_official(*, item_id: int):
    """An item's stored roll-up (official progress, its parts, light, when computed); None before the first."""
    return ItemRollup.objects.filter(item_id=item_id).first()


def item_figures(*, plan, item_ids=None) -> dict:
    """item id -> its official progress for lists (tasks.extensions.ItemFigure), of every item of the plan or
    of `item_ids`: one query."""
    rollups = ItemRollup.objects.filter(item__section__plan=plan)
    if item_ids is not None:
        rollups = rollups.filter(item_id__in=item_ids)
    return {
        rollup.item_id: ItemFigure(percent=rollup.percent, light=rollup.light, light_label=rollup.get_light_display(),
                                   computed_at=rollup.computed_at)
        for rollup in rollups
    }


def late_q(prefix: str = "") -> Q:
    """An item is late when its roll-up gave it a place in the late list (rollup.is_late: not done, and red,
    overdue or not reported this cycle). `prefix` reaches the ItemRollup from another model ("item__rollup__")."""
    return Q(**{f"{prefix}late_rank__isnull": False})


def late_counts(prefix: str = "item__rollup__") -> dict:
    """The aggregates of a grouped query over lead responsibilities that count their late items: all of them,
    overdue, red and not reported this cycle (in that order)."""
    late = late_q(prefix)
    return {
        "late": Count("pk", filter=late),
        "late_overdue": Count("pk", filter=late & Q(**{f"{prefix}is_overdue": True})),
        "late_red": Count("pk", filter=late & Q(**{f"{prefix}light": Light.RED})),
        "late_unreported": Count("pk", filter=late & Q(**{f"{prefix}reported_this_cycle": False})),
    }


LEAD_COUNTS = ("items", "shown", "red", "overdue", "done", "percent_sum",
               "late", "late_overdue", "late_red", "late_unreported")


def lead_counts(*, plan) -> list[tuple]:
    """(section id, department id, *LEAD_COUNTS) for each department that leads items in a section of `plan`,
    counted from the items' stored roll-up: one grouped query, which the roll-up stores as LeadRollup."""
    return list(
        Responsibility.objects.filter(role=Responsibility.Role.LEAD, item__section__plan=plan).order_by()
        .values_list("item__section_id", "department_id")
        .annotate(items=Count("pk"), shown=Count("item__rollup"),
                  red=Count("pk", filter=Q(item__rollup__light=Light.RED)),
                  overdue=Count("pk", filter=Q(item__rollup__is_overdue=True)),
                  done=Count("pk", filter=Q(item__rollup__is_done=True)), percent_sum=Sum("item__rollup__percent"),
                  **late_counts())
    )


def lead_rollups(*, plan, department_id: int | None = None) -> list[tuple]:
    """lead_counts as the roll-up last stored them (LeadRollup), of every department or of one: one query over
    a few hundred rows, whatever the plan's size."""
    rows = LeadRollup.objects.filter(section__plan=plan)
    if department_id is not None:
        rows = rows.filter(department_id=department_id)
    return list(rows.order_by().values_list("section_id", "department_id", *LEAD_COUNTS))


# ---------------------------------------------------------------------------
# Checkpoints (节点): how far the reports that count for each got. The rule of what
# "met" means is progress.rollup.checkpoint_met; this is the one read that feeds it.


def checkpoint_facts(*, items: Q) -> dict[int, list[tuple[int, rollup.CheckpointFacts]]]:
    """item id -> [(checkpoint id, facts)] in date order, for the items matching `items` (a Q on
    WorkItem, e.g. Q(section__plan=plan) or Q(pk__in=ids)): two queries, whatever their number.

    A report counts for a checkpoint when it is approved, comes from the checkpoint's department
    (by default the item's lead), and answers that checkpoint or was submitted on or before its date.
    """
    checkpoints = list(
        Checkpoint.objects.filter(item__in=WorkItem.objects.filter(items)).order_by("item_id", "due_date", "order", "pk")
        .values_list("pk", "item_id", "due_date", "expected_percent", "department_id")
    )
    reports = defaultdict(list)
    for item_id, department_id, role, answers, created_at, percent in ProgressReport.objects.filter(
        state=ProgressReport.State.APPROVED, item_id__in={row[1] for row in checkpoints}
    ).values_list("item_id", "department_id", "role", "checkpoint_id", "created_at", "percent"):
        reports[item_id].append((department_id, role, answers, local_date(created_at), percent))
    facts = defaultdict(list)
    for pk, item_id, due, expected, department_id in checkpoints:
        counted = [
            percent for report_department, role, answers, day, percent in reports[item_id]
            if (report_department == department_id if department_id else role == Responsibility.Role.LEAD)
            and (answers == pk or day <= due)
        ]
        facts[item_id].append((pk, rollup.CheckpointFacts(
            due, None if expected is None else float(expected), float(max(counted)) if counted else None)))
    return facts


def checkpoint_states(*, item_ids, today: datetime.date) -> dict[int, str]:
    """checkpoint id -> rollup.MET / MISSED / UPCOMING for the items (three queries; one without checkpoints)."""
    facts = checkpoint_facts(items=Q(pk__in=item_ids))
    if not facts:
        return {}
    done = {
        pk: WorkItem(status=status, closed_at=closed_at).counts_as_done(check_required=check)
        for pk, status, closed_at, check in WorkItem.objects.filter(pk__in=item_ids).values_list(
            "pk", "status", "closed_at", "section__plan__completion_check_required")
    }
    return {
        pk: rollup.checkpoint_state(checkpoint, today=today, done=done.get(item_id, False))
        for item_id, rows in facts.items()
        for pk, checkpoint in rows
    }


def next_checkpoint_to_meet(*, item: WorkItem, today: datetime.date) -> tuple[bool, int | None]:
    """(whether the item has checkpoints, the one a new report most likely answers: the earliest not met
    yet, passed or not); one query for an item without checkpoints."""
    states = checkpoint_states(item_ids=[item.pk], today=today)
    return bool(states), next((pk for pk, state in states.items() if state != rollup.MET), None)


def returned_report(*, item_id: int, department_ids) -> ProgressReport | None:
    """The report of one of these departments that came back and was not sent again since
    (its department's newest report on the item is the returned one), with readings and evidence."""
    newest = (
        ProgressReport.objects.filter(item_id=item_id, department_id__in=list(department_ids))
        .order_by("-created_at", "-pk")
        .select_related("reviewer")
        .first()
    )
    # Its readings and evidence are read only when it did come back (the form opens with them).
    return newest if newest is not None and newest.state == ProgressReport.State.RETURNED else None


def pending_uploads(*, user, item_id: int):
    """The user's files kept from a refused report form on this item (a queryset, for the form's choices);
    an empty one that reads nothing when there are none (the usual case: one query to know)."""
    pending = PendingUpload.objects.filter(user=user, item_id=item_id)
    return pending if pending.exists() else PendingUpload.objects.none()
