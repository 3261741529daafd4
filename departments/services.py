"""Every state change of departments and memberships."""

from __future__ import annotations

from django.contrib.auth.models import Group
from django.db import transaction

from .models import Department, DepartmentAlias, Membership


def role_group(name: str) -> Group:
    """The auth Group of a portal-wide role (departments.roles); created if a test flushed it."""
    group, _created = Group.objects.get_or_create(name=name)
    return group


def _group_name(department: Department) -> str:
    # Keyed by id, not name: renaming a department keeps its permissions.
    return f"department:{department.pk}"


@transaction.atomic
def department_create(*, name: str, parent: Department | None = None, order: int = 0) -> Department:
    """Create a department together with the auth Group that carries its permissions."""
    group = Group.objects.create(name=f"department:new:{name}"[:150])
    head_group = Group.objects.create(name=f"department:new:{name}:heads"[:150])
    department = Department(name=name, parent=parent, order=order, group=group, head_group=head_group)
    department.full_clean()
    department.save()
    group.name = _group_name(department)
    group.save(update_fields=["name"])
    head_group.name = f"{_group_name(department)}:heads"
    head_group.save(update_fields=["name"])
    return department


def department_add_alias(*, department: Department, alias: str) -> DepartmentAlias | None:
    """Record that documents call `department` also `alias`; a no-op when known."""
    if alias == department.name:
        return None
    existing = DepartmentAlias.objects.filter(name=alias).first()
    if existing is not None:
        return existing
    entry = DepartmentAlias(department=department, name=alias)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def membership_set(*, user, department: Department, role: str = Membership.Role.MEMBER) -> Membership:
    """Make `user` a member (or head) of `department`; its permissions apply at once.

    Permissions are granted to the department's groups, so joining the group is
    all it takes; a head also joins the heads' group, which may review.
    """
    membership, created = Membership.objects.get_or_create(
        user=user, department=department, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    user.groups.add(department.group)
    if role == Membership.Role.HEAD:
        user.groups.add(department.head_group)
    else:
        user.groups.remove(department.head_group)
    return membership


@transaction.atomic
def membership_remove(*, user, department: Department) -> None:
    Membership.objects.filter(user=user, department=department).delete()
    user.groups.remove(department.group, department.head_group)
