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
    department = Department(name=name, parent=parent, order=order, group=group)
    department.full_clean()
    department.save()
    group.name = _group_name(department)
    group.save(update_fields=["name"])
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
    """Make `user` a member (or head) of `department` and of its permission group."""
    membership, created = Membership.objects.get_or_create(
        user=user, department=department, defaults={"role": role}
    )
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    user.groups.add(department.group)
    return membership


@transaction.atomic
def membership_remove(*, user, department: Department) -> None:
    Membership.objects.filter(user=user, department=department).delete()
    user.groups.remove(department.group)
