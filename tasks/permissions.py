"""The one place that answers "may this user do this to this plan or work item".

Views, templates, the API and jobs of every app ask here (or their own
permissions.py, which asks here); only this module talks to django-guardian.
Grants go to department groups (never to single users): members' group ->
report_progress, heads' group -> review_progress, on every item the department
is responsible for.
"""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import transaction
from guardian.core import ObjectPermissionChecker

from departments.models import Membership
from departments.permissions import is_plan_admin, is_supervisor

from .models import WorkItem, WorkItemGroupObjectPermission, WorkPlan

REPORT = "report_progress"
REVIEW = "review_progress"


def can_view_plan(user, plan: WorkPlan) -> bool:
    return user.is_authenticated and user.is_active


def can_manage_plans(user) -> bool:
    """The set-up pages: upload, fill, publish, close and copy plans; departments and people."""
    return is_plan_admin(user)


def can_manage_checkpoints(user) -> bool:
    """Add, edit and reorder checkpoints (节点): plan admins and the supervision office."""
    return is_plan_admin(user) or is_supervisor(user)


def can_edit_checkpoints(user, item: WorkItem) -> bool:
    """The buttons on the item page: checkpoint managers, while the item's plan is open."""
    return can_manage_checkpoints(user) and is_open(item)


def can_change_plan_settings(user) -> bool:
    """The plan's reporting cycle, an item's own cycle, 销号 check and extension steps: plan admins."""
    return is_plan_admin(user)


def is_open(item: WorkItem) -> bool:
    """A closed plan stays viewable with its history and takes no changes."""
    return item.section.plan.status != WorkPlan.Status.CLOSED


def _checker(user) -> ObjectPermissionChecker:
    checker = getattr(user, "_unionplan_checker", None)
    if checker is None:
        checker = user._unionplan_checker = ObjectPermissionChecker(user)
    return checker


def has_item_permission(user, codename: str, item: WorkItem) -> bool:
    """Does one of the user's department groups hold `codename` (REPORT, REVIEW) on the item?"""
    return user.is_authenticated and user.is_active and _checker(user).has_perm(codename, item)


def is_draft(item: WorkItem) -> bool:
    """A draft plan is still being set up: nobody reports on it until it is published."""
    return item.section.plan.status == WorkPlan.Status.DRAFT


def may_report_on(user, item: WorkItem) -> bool:
    """A member of a responsible department (or a plan admin), while the plan is published."""
    return is_open(item) and not is_draft(item) and has_item_permission(user, REPORT, item)


def reporting_departments(user, item: WorkItem) -> list:
    """The user's departments that are responsible for `item` (what they may report for)."""
    if not may_report_on(user, item):
        return []
    if is_plan_admin(user):
        # An admin may report on a department's behalf (e.g. from a paper report).
        return [r.department for r in item.responsibilities.all()]
    mine = set(Membership.objects.filter(user=user).values_list("department_id", flat=True))
    return [r.department for r in item.responsibilities.all() if r.department_id in mine]


def _permission(codename: str) -> Permission:
    return Permission.objects.get(codename=codename, content_type__app_label="tasks", content_type__model="workitem")


@transaction.atomic
def sync_item_permissions(item: WorkItem) -> None:
    """Make guardian's grants on `item` match its responsibilities exactly; idempotent."""
    sync_items_permissions([item])


@transaction.atomic
def sync_items_permissions(items) -> None:
    """sync_item_permissions for many items at once: a fixed number of queries, whatever their number."""
    from .models import Responsibility

    item_ids = [item.pk for item in items]
    wanted: set[tuple[int, int, str]] = set()
    for item_id, department_group, head_group in Responsibility.objects.filter(item_id__in=item_ids).values_list(
        "item_id", "department__group_id", "department__head_group_id"
    ):
        wanted |= {(item_id, department_group, REPORT), (item_id, head_group, REVIEW)}
    grants = WorkItemGroupObjectPermission.objects.filter(content_object_id__in=item_ids)
    existing = {
        (item_id, group_id, codename): pk
        for pk, item_id, group_id, codename in grants.values_list(
            "pk", "content_object_id", "group_id", "permission__codename"
        )
    }
    stale = [existing[key] for key in set(existing) - wanted]
    if stale:
        WorkItemGroupObjectPermission.objects.filter(pk__in=stale).delete()
    missing = wanted - set(existing)
    if missing:
        permissions = {codename: _permission(codename) for codename in {codename for *_ids, codename in missing}}
        WorkItemGroupObjectPermission.objects.bulk_create(
            (WorkItemGroupObjectPermission(content_object_id=item_id, group_id=group_id,
                                           permission=permissions[codename])
             for item_id, group_id, codename in missing),
            batch_size=2000,
        )
