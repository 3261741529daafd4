"""Who may manage departments and people: one answer, asked by views and the admin."""

from .roles import LEADERSHIP_GROUP, PLAN_ADMIN_GROUP


def _in_group(user, name: str) -> bool:
    # Cached on the user object: templates ask many times per page.
    cache = getattr(user, "_unionplan_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._unionplan_groups = cache
    return name in cache


def is_plan_admin(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or _in_group(user, PLAN_ADMIN_GROUP))


def is_leadership(user) -> bool:
    return user.is_authenticated and user.is_active and _in_group(user, LEADERSHIP_GROUP)


def in_group(user, name: str) -> bool:
    return _in_group(user, name)


def plan_admin_required(view):
    """Views of the set-up pages: logged in (else the login page) and a plan admin (else 403)."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied

    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not is_plan_admin(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped
