"""The one place that answers "may this user do this to this work item".

Views, templates, the API and jobs ask here; only this module talks to
django-guardian. Grants go to department groups (never to single users):
members' group -> report_progress, heads' group -> review_progress, on every
item the department is responsible for.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.auth.models import Permission
from django.db import transaction
from guardian.core import ObjectPermissionChecker
from guardian.shortcuts import get_objects_for_user

from departments.models import Membership
from departments.permissions import in_group as _in_group
from departments.permissions import is_leadership, is_plan_admin

from .models import Instruction, ProgressReport, WorkItem, WorkItemGroupObjectPermission, WorkPlan

REPORT = "report_progress"
REVIEW = "review_progress"


def can_view_plan(user, plan: WorkPlan) -> bool:
    return user.is_authenticated and user.is_active


def _item_is_open(item: WorkItem) -> bool:
    return item.section.plan.status != WorkPlan.Status.CLOSED


def _checker(user) -> ObjectPermissionChecker:
    checker = getattr(user, "_unionplan_checker", None)
    if checker is None:
        checker = user._unionplan_checker = ObjectPermissionChecker(user)
    return checker


def prefetch_item_permissions(user, items: Iterable[WorkItem]) -> None:
    """Load the user's permissions on many items in one query (list pages)."""
    if user.is_authenticated:
        _checker(user).prefetch_perms(list(items))


def can_report(user, item: WorkItem) -> bool:
    if not (user.is_authenticated and user.is_active) or not _item_is_open(item):
        return False
    return _checker(user).has_perm(REPORT, item)


def can_review(user, report: ProgressReport) -> bool:
    """A head reviews their own department's reports, and only those still awaiting review."""
    if report.state != ProgressReport.State.SUBMITTED or not user.is_authenticated or not user.is_active:
        return False
    if not _item_is_open(report.item):
        return False
    if is_plan_admin(user):
        return True
    return _checker(user).has_perm(REVIEW, report.item) and _in_group(user, report.department.head_group.name)


def can_instruct(user, item: WorkItem) -> bool:
    return is_leadership(user) and _item_is_open(item)


def can_handle_instruction(user, instruction: Instruction) -> bool:
    return instruction.is_open and can_report(user, instruction.item)


def can_download_evidence(user, evidence) -> bool:
    return can_view_plan(user, evidence.report.item.section.plan)


def reporting_departments(user, item: WorkItem) -> list:
    """The user's departments that are responsible for `item` (what they may report for)."""
    if not can_report(user, item):
        return []
    if is_plan_admin(user):
        # An admin may report on a department's behalf (e.g. from a paper report).
        return [r.department for r in item.responsibilities.all()]
    mine = set(Membership.objects.filter(user=user).values_list("department_id", flat=True))
    return [r.department for r in item.responsibilities.all() if r.department_id in mine]


def items_user_may_report(user, queryset=None):
    return get_objects_for_user(
        user, f"tasks.{REPORT}", klass=queryset if queryset is not None else WorkItem, accept_global_perms=False
    )


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="tasks", content_type__model="workitem")


@transaction.atomic
def sync_item_permissions(item: WorkItem) -> None:
    """Make guardian's grants on `item` match its responsibilities exactly; idempotent."""
    wanted = set()
    for department_group, head_group in item.responsibilities.values_list(
        "department__group_id", "department__head_group_id"
    ):
        wanted |= {(department_group, REPORT), (head_group, REVIEW)}
    grants = WorkItemGroupObjectPermission.objects.filter(content_object=item)
    existing = {(group_id, codename): pk for pk, group_id, codename in grants.values_list("pk", "group_id", "permission__codename")}
    stale = [existing[key] for key in set(existing) - wanted]
    if stale:
        WorkItemGroupObjectPermission.objects.filter(pk__in=stale).delete()
    missing = wanted - set(existing)
    if missing:
        permissions = {codename: _permission(codename) for codename in {codename for _group, codename in missing}}
        WorkItemGroupObjectPermission.objects.bulk_create(
            WorkItemGroupObjectPermission(content_object=item, group_id=group_id, permission=permissions[codename])
            for group_id, codename in missing
        )


def can_view_dashboard(user) -> bool:
    """The six-section dashboard, drill-downs and bulletins: leadership and plan admins."""
    return is_leadership(user) or is_plan_admin(user)


def can_view_department_dashboard(user, department) -> bool:
    """A department's figures: its own members and heads, and whoever sees the whole dashboard."""
    if can_view_dashboard(user):
        return True
    return user.is_authenticated and user.is_active and _in_group(user, department.group.name)
