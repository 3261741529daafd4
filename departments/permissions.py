"""Who may manage departments and people: one answer, asked by views and the admin."""

from .roles import LEADERSHIP_GROUP, PLAN_ADMIN_GROUP, SUPERVISION_GROUP


def _load_groups(user) -> set:
    # One query for both caches on the user object (templates ask many times per page): the group
    # names, and the departments whose members' group the user is in (heads are in it too).
    names, departments = set(), set()
    if user.is_authenticated:
        for name, department_id in user.groups.values_list("name", "department__id"):
            names.add(name)
            if department_id is not None:
                departments.add(department_id)
    user._unionplan_groups, user._unionplan_department_ids = names, frozenset(departments)
    return names


def in_group(user, name: str) -> bool:
    cache = getattr(user, "_unionplan_groups", None)
    if cache is None:
        cache = _load_groups(user)
    return name in cache


def is_plan_admin(user) -> bool:
    return user.is_authenticated and user.is_active and (user.is_superuser or in_group(user, PLAN_ADMIN_GROUP))


def is_leadership(user) -> bool:
    return user.is_authenticated and user.is_active and in_group(user, LEADERSHIP_GROUP)


def is_supervisor(user) -> bool:
    """The supervision office (督查): runs the plan's 督办 loop; reports and reviews for nobody."""
    return user.is_authenticated and user.is_active and in_group(user, SUPERVISION_GROUP)


def can_read_security_events(user) -> bool:
    """The security events page (安全审计) and its Excel export: plan admins; nobody edits an event."""
    return is_plan_admin(user)


def can_manage_departments(user) -> bool:
    """The department tree, the people list and upload, the hand-over page: plan admins."""
    return is_plan_admin(user)


def department_ids(user) -> frozenset[int]:
    """The departments the user belongs to, as member or head (membership_set puts both in the
    department's group); read with the groups, once per request."""
    if getattr(user, "_unionplan_department_ids", None) is None:
        _load_groups(user)
    return user._unionplan_department_ids


def has_department(user) -> bool:
    """Is the person in any department (so has work of their own to do)?"""
    from .models import Membership

    return user.is_authenticated and Membership.objects.filter(user=user).exists()


def is_head(user) -> bool:
    """Is the person the head of some department (so reviews its reports)?"""
    from .models import Membership

    return user.is_authenticated and Membership.objects.filter(user=user, role=Membership.Role.HEAD).exists()
