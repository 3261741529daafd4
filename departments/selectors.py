"""Reads of departments that pages, the importer and jobs need."""

from __future__ import annotations

from django.db.models import Aggregate, OuterRef, QuerySet, Subquery, TextField

from .models import Department, DepartmentAlias


def department_list(*, active_only: bool = False) -> QuerySet[Department]:
    queryset = Department.objects.select_related("parent")
    return queryset.filter(is_active=True) if active_only else queryset


def department_names_with_aliases() -> dict[str, list[str]]:
    """Canonical name -> aliases, the form the plan parser resolves names against."""
    names: dict[str, list[str]] = {name: [] for name in Department.objects.values_list("name", flat=True)}
    for alias, department_name in DepartmentAlias.objects.values_list("name", "department__name"):
        names.setdefault(department_name, []).append(alias)
    return names


def department_by_name_or_alias(name: str) -> Department | None:
    department = Department.objects.filter(name=name).first()
    if department is None:
        alias = DepartmentAlias.objects.select_related("department").filter(name=name).first()
        department = alias.department if alias else None
    return department


def department_tree() -> list[tuple[Department, int]]:
    """Departments in tree order with their depth, each with `members` and `heads` counts (two queries)."""
    from django.db.models import Count, Q

    departments = list(
        Department.objects.annotate(
            members=Count("memberships", filter=Q(memberships__user__is_active=True), distinct=True),
            heads=Count("memberships", filter=Q(memberships__user__is_active=True, memberships__role="head"), distinct=True),
        )
        .prefetch_related("aliases")
        .order_by("order", "name")
    )
    children: dict[int | None, list[Department]] = {}
    for department in departments:
        children.setdefault(department.parent_id, []).append(department)
    ordered: list[tuple[Department, int]] = []

    def walk(parent_id, depth):
        for department in children.get(parent_id, []):
            ordered.append((department, depth))
            walk(department.pk, depth + 1)

    walk(None, 0)
    return ordered


def active_department_names() -> set[str]:
    names = set(Department.objects.filter(is_active=True).values_list("name", flat=True))
    names |= set(DepartmentAlias.objects.filter(department__is_active=True).values_list("name", flat=True))
    return names


def people_list():
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.prefetch_related("memberships__department", "groups")
        .select_related("profile")
        .order_by("-is_active", "username")
    )


class _GroupNames(Aggregate):
    """The names of a user's groups as one text, a line each (PostgreSQL STRING_AGG, SQLite GROUP_CONCAT)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, chr(10))"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT",
                              template="%(function)s(%(expressions)s, char(10))", **extra_context)


def group_names_subquery() -> Subquery:
    """For a user query: `.annotate(group_names=group_names_subquery())`; then `user_group_names(user)`
    reads the roles and department groups the permissions ask about without a query of their own."""
    from django.contrib.auth.models import Group

    names = (Group.objects.filter(user=OuterRef("pk")).order_by().values("user")
             .annotate(names=_GroupNames("name")).values("names"))
    return Subquery(names, output_field=TextField())


def group_names_loaded(user) -> None:
    """Hands the annotated `group_names` to departments.permissions.in_group's cache."""
    user._unionplan_groups = set(filter(None, (getattr(user, "group_names", None) or "").split("\n")))
