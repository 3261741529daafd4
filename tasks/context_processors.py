from . import permissions


def portal_roles(request):
    """What the navigation offers; asked of permissions.py, evaluated only if a template uses it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"can_view_dashboard": lambda: permissions.can_view_dashboard(user)}
