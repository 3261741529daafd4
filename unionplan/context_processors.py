"""What the navigation offers, asked of each app's permissions.py and evaluated only if a template uses it."""

from dashboard import permissions as dashboard_permissions
from departments import permissions as department_permissions
from supervision import permissions as supervision_permissions
from tasks import permissions as plan_permissions


def portal_roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_view_dashboard": lambda: dashboard_permissions.can_view_dashboard(user),
        "can_manage_plans": lambda: plan_permissions.can_manage_plans(user),
        "can_supervise": lambda: supervision_permissions.can_supervise(user),
        "can_chase": lambda: supervision_permissions.can_chase(user),
        # Loaded with the user (notifications.backends); a user loaded otherwise asks once.
        "has_my_work": lambda: _flag(user, "nav_has_department", department_permissions.has_department)
        or department_permissions.is_plan_admin(user),
        "can_review_reports": lambda: department_permissions.is_plan_admin(user)
        or _flag(user, "nav_is_head", department_permissions.is_head),
    }


def _flag(user, name, ask):
    value = getattr(user, name, None)
    return ask(user) if value is None else value
