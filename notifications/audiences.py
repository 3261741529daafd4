"""Who a message goes to: audience keys and the people and robots behind them.

An audience key is part of a reminder's unique key (notifications.ReminderLog):
the same message to the same audience for the same period is sent once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db.models import Q

from departments.models import Membership
from departments.roles import LEADERSHIP_GROUP, PLAN_ADMIN_GROUP, SUPERVISION_GROUP

from .models import WebhookChannel

LEADERSHIP = "leadership"
PLAN_ADMINS = "plan_admins"
SUPERVISION = "supervision"


def staff_of(department_id: int) -> str:
    """Every member of a department, heads included."""
    return f"department:{department_id}:staff"


def heads_of(department_id: int) -> str:
    return f"department:{department_id}:heads"


def user(user_id: int) -> str:
    return f"user:{user_id}"


@dataclass
class DepartmentRecipients:
    staff: list = field(default_factory=list)  # every member, heads included
    heads: list = field(default_factory=list)
    webhooks: list = field(default_factory=list)


def department_recipients(*, department_ids: Iterable[int]) -> dict[int, DepartmentRecipients]:
    """Members, heads and active group robots of many departments: two queries."""
    ids = set(department_ids)
    found = {department_id: DepartmentRecipients() for department_id in ids}
    memberships = Membership.objects.filter(department_id__in=ids, user__is_active=True).select_related("user")
    for membership in memberships.order_by("department_id", "user__username"):
        entry = found[membership.department_id]
        entry.staff.append(membership.user)
        if membership.role == Membership.Role.HEAD:
            entry.heads.append(membership.user)
    for webhook in WebhookChannel.objects.filter(department_id__in=ids, is_active=True).order_by("pk"):
        found[webhook.department_id].webhooks.append(webhook)
    return found


def leadership_users() -> list:
    return list(
        get_user_model().objects.filter(groups__name=LEADERSHIP_GROUP, is_active=True).order_by("username").distinct()
    )


def supervision_users() -> list:
    """The supervision office (督查): who checks extensions and completions and scores the year."""
    return list(
        get_user_model().objects.filter(groups__name=SUPERVISION_GROUP, is_active=True).order_by("username").distinct()
    )


def plan_admin_users() -> list:
    """The plan admins (and superusers, who are plan admins too): the reviewers next in line."""
    return list(
        get_user_model().objects.filter(Q(groups__name=PLAN_ADMIN_GROUP) | Q(is_superuser=True), is_active=True)
        .order_by("username").distinct()
    )
