"""What the navigation offers, asked of each app's permissions.py and evaluated only if a template uses it."""

from dashboard import permissions as dashboard_permissions
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
    }
