"""Reads of departments that pages, the importer and jobs need."""

from __future__ import annotations

from django.db.models import QuerySet

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
