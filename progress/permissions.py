"""May this user report, review, or download evidence? Asks tasks.permissions, never guardian."""

from __future__ import annotations

from departments.permissions import in_group, is_plan_admin
from tasks import permissions as plan_permissions

from .models import ProgressReport


def can_report(user, item) -> bool:
    """People of a responsible department (and plan admins) report while the plan is open."""
    return plan_permissions.may_report_on(user, item)


def reporting_departments(user, item) -> list:
    """The departments the user may report for on this item (none: may not report)."""
    return plan_permissions.reporting_departments(user, item)


def can_review(user, report: ProgressReport) -> bool:
    """A head reviews their own department's reports, and only those still awaiting review."""
    if report.state != ProgressReport.State.SUBMITTED or not user.is_authenticated or not user.is_active:
        return False
    if not plan_permissions.is_open(report.item):
        return False
    if is_plan_admin(user):
        return True
    return plan_permissions.has_item_permission(user, plan_permissions.REVIEW, report.item) and in_group(
        user, report.department.head_group.name
    )


def can_download_evidence(user, evidence) -> bool:
    return plan_permissions.can_view_plan(user, evidence.report.item.section.plan)
