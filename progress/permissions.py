"""May this user report, review, or download evidence? Asks tasks.permissions, never guardian."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q

from core.people import display_name
from departments.permissions import department_ids, in_group, is_leadership, is_plan_admin, is_supervisor
from tasks import permissions as plan_permissions
from tasks.models import Visibility

from .models import ProgressReport


def can_report(user, item) -> bool:
    """People of a responsible department (and plan admins) report while the plan is open."""
    return plan_permissions.may_report_on(user, item)


def plan_is_draft(item) -> bool:
    """Reports wait until the plan is published; the form says so instead of a bare 403."""
    return plan_permissions.is_draft(item)


def reporting_departments(user, item) -> list:
    """The departments the user may report for on this item (none: may not report)."""
    return plan_permissions.reporting_departments(user, item)


@dataclass(frozen=True)
class ReviewLine:
    """Who reviews a report, in the order they are asked.

    The heads of its department other than its reporter are asked first; when there is none
    (the department's only head reported), the next reviewer in line is asked: the plan admins.
    A plan admin may review any report but their own. This is the one place that says who
    reviews: the review queue, the item page, the API's `to_review` and the review request
    ask it (督查, the supervision office, joins the line here).
    """

    heads: tuple  # users: the department's heads, the reporter left out

    @property
    def plan_admins_asked(self) -> bool:
        return not self.heads

    @property
    def head_names(self) -> str:
        return "、".join(display_name(head) for head in self.heads)


def review_line(report: ProgressReport, *, heads) -> ReviewLine:
    """The report's line of reviewers, from its department's (active) heads as a selector read them."""
    return ReviewLine(heads=tuple(head for head in heads if head.pk != report.reporter_id))


def reviews_when_no_head_may(user) -> bool:
    """Plan admins are next in line: they are asked for the reports no other head may review."""
    return is_plan_admin(user)


def is_reviewer_of(user, report: ProgressReport) -> bool:
    """Is the user one of the report's reviewers while its plan is open (whatever the report's state)?
    Never its reporter."""
    if not user.is_authenticated or not user.is_active or user.pk == report.reporter_id:
        return False
    if not plan_permissions.is_open(report.item):
        return False
    if is_plan_admin(user):
        return True
    return plan_permissions.has_item_permission(user, plan_permissions.REVIEW, report.item) and in_group(
        user, report.department.head_group.name
    )


def can_review(user, report: ProgressReport) -> bool:
    """A reviewer of the report (never its reporter) decides it while it awaits review and the plan is open."""
    return report.state == ProgressReport.State.SUBMITTED and is_reviewer_of(user, report)


# ---------------------------------------------------------------------------
# Confidential evidence (部门内 / 计划内): the one rule, asked by every page, export, API and job.


def may_read(user, *, visibility: str, department_id: int, reporter_id: int | None = None) -> bool:
    """May `user` read a narrative or an evidence file of `visibility` reported by `department_id`?

    计划内 (PLAN): everyone who sees the plan. 部门内 (DEPARTMENT): the reporting department's
    members and heads (its reviewers), the reporter, the supervision office (督查), leadership and
    plan admins. `user=None` is a document for everyone who sees the plan (a bulletin that
    circulates): it quotes only what is 计划内. Anything else, or an unknown visibility, is refused.
    """
    if user is not None and not (user.is_authenticated and user.is_active):
        return False
    if visibility == Visibility.PLAN:
        return True
    if user is None or visibility != Visibility.DEPARTMENT:
        return False
    if is_plan_admin(user) or is_leadership(user) or is_supervisor(user):
        return True
    return user.pk == reporter_id or department_id in department_ids(user)


def readable_narratives(user) -> Q:
    """may_read as a filter on ProgressReport, for reads that must page and count in the database
    (search): the same rule, so a row the filter lets through is one may_read lets through."""
    if not (user.is_authenticated and user.is_active):
        return Q(pk__in=[])
    plan_wide = Q(narrative_visibility=Visibility.PLAN)
    if is_plan_admin(user) or is_leadership(user) or is_supervisor(user):
        return plan_wide | Q(narrative_visibility=Visibility.DEPARTMENT)
    return plan_wide | Q(narrative_visibility=Visibility.DEPARTMENT) & (
        Q(reporter_id=user.pk) | Q(department_id__in=department_ids(user)))


def can_read_narrative(user, report: ProgressReport) -> bool:
    return may_read(user, visibility=report.narrative_visibility, department_id=report.department_id,
                    reporter_id=report.reporter_id)


def can_download_evidence(user, evidence) -> bool:
    report = evidence.report
    return plan_permissions.can_view_plan(user, report.item.section.plan) and may_read(
        user, visibility=evidence.visibility, department_id=report.department_id, reporter_id=report.reporter_id)


def visible_evidence(user, report: ProgressReport) -> list:
    """The report's evidence files the user may see (names included); `report.evidence` prefetched."""
    return [evidence for evidence in report.evidence.all()
            if may_read(user, visibility=evidence.visibility, department_id=report.department_id,
                        reporter_id=report.reporter_id)]


def with_visibility(user, reports):
    """Sets on each report what the user may see of it: `narrative_shown` and `files` (their evidence);
    `files_hidden` counts the files left out. No query beyond the user's departments (once)."""
    for report in reports:
        report.narrative_shown = can_read_narrative(user, report)
        report.files = visible_evidence(user, report)
        report.files_hidden = len(report.evidence.all()) - len(report.files)
    return reports
