"""Who may manage departments and people: one answer, asked by views and the admin."""

from .roles import LEADERSHIP_GROUP, PLAN_ADMIN_GROUP, SUPERVISION_GROUP


def in_group(user, name: str) -> bool:
    # Cached on the user object: templates ask many times per page.
    cache = getattr(user, "_unionplan_groups", None)
    if cache is None:
        cache = set(user.groups.values_list("name", flat=True)) if user.is_authenticated else set()
        user._unionplan_groups = cache
    return name in cache


def is_plan_admin(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or in_group(user, PLAN_ADMIN_GROUP))


def is_leadership(user) -> bool:
    return user.is_authenticated and user.is_active and in_group(user, LEADERSHIP_GROUP)


def is_supervisor(user) -> bool:
    """The supervision office (督查): runs the plan's 督办 loop; reports and reviews for nobody."""
    return user.is_authenticated and user.is_active and in_group(user, SUPERVISION_GROUP)


def can_manage_departments(user) -> bool:
    """The department tree, the people list and upload, the hand-over page: plan admins."""
    return is_plan_admin(user)


def has_department(user) -> bool:
    """Is the person in any department (so has work of their own to do)?"""
    from .models import Membership

    return user.is_authenticated and Membership.objects.filter(user=user).exists()


def is_head(user) -> bool:
    """Is the person the head of some department (so reviews its reports)?"""
    from .models import Membership

    return user.is_authenticated and Membership.objects.filter(user=user, role=Membership.Role.HEAD).exists()
