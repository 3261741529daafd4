"""Who sees the leadership dashboard, the drill-down pages and the bulletins."""

from __future__ import annotations

from departments.permissions import in_group, is_leadership, is_plan_admin, is_supervisor


def can_view_dashboard(user) -> bool:
    """The six-section dashboard, drill-downs and bulletins: leadership, the supervision office (督查)
    and plan admins."""
    return is_leadership(user) or is_supervisor(user) or is_plan_admin(user)


def can_view_department_dashboard(user, department) -> bool:
    """A department's figures: its own members and heads, and whoever sees the whole dashboard."""
    if can_view_dashboard(user):
        return True
    return user.is_authenticated and user.is_active and in_group(user, department.group.name)
