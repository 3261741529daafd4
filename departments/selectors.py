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
    from django.db.models import Count

    return (
        get_user_model()
        .objects.prefetch_related("memberships__department", "groups")
        .select_related("profile")
        .annotate(api_token_count=Count("auth_token_set"))
        .order_by("-is_active", "username")
    )


def api_tokens(*, user):
    """The person's API tokens, newest first (only their first characters are kept in clear)."""
    from knox.models import AuthToken

    return list(AuthToken.objects.filter(user=user).order_by("-created").only("token_key", "created", "expiry"))


def security_events(*, kind: str | None = None, who: str | None = None, day_from=None, day_to=None,
                    limit: int | None = 500):
    """Security events, newest first, filtered by kind, user name (part of it) and local days: one query."""
    import datetime

    from django.utils import timezone

    from .models import SecurityEvent

    events = SecurityEvent.objects.select_related("user")
    if kind in SecurityEvent.Kind.values:
        events = events.filter(kind=kind)
    if who:
        events = events.filter(username__icontains=who)
    zone = timezone.get_current_timezone()
    if day_from is not None:
        events = events.filter(at__gte=datetime.datetime.combine(day_from, datetime.time.min, zone))
    if day_to is not None:
        events = events.filter(at__lt=datetime.datetime.combine(day_to + datetime.timedelta(days=1),
                                                                datetime.time.min, zone))
    return list(events[:limit] if limit else events)


def must_change_password(*, user) -> bool:
    """Does the person still log in with an initial password an admin gave them?"""
    from .models import Profile

    return Profile.objects.filter(user=user, must_change_password=True).exists()


def nav_flags():
    """Annotations for the user the portal loads on each request: what the navigation offers,
    read in the same query (is a head somewhere, is in any department)."""
    from django.db.models import Exists, OuterRef

    from .models import Membership

    memberships = Membership.objects.filter(user=OuterRef("pk"))
    return {
        "nav_is_head": Exists(memberships.filter(role=Membership.Role.HEAD)),
        "nav_has_department": Exists(memberships),
    }


class _GroupNames(Aggregate):
    """The names of a user's groups as one text, a line each (PostgreSQL STRING_AGG, SQLite GROUP_CONCAT)."""

    function = "STRING_AGG"
    template = "%(function)s(%(expressions)s, chr(10))"
    output_field = TextField()

    def as_sqlite(self, compiler, connection, **extra_context):
        return super().as_sql(compiler, connection, function="GROUP_CONCAT",
                              template="%(function)s(%(expressions)s, char(10))", **extra_context)


def group_names_subquery() -> Subquery:
    """For a user query: `.annotate(group_names=group_names_subquery())`; then `group_names_loaded(user)`
    hands the roles and department groups the permissions ask about (and the departments of those groups)
    to their cache, without a query of their own. One line a group: its name, a tab, its department's id."""
    from django.contrib.auth.models import Group
    from django.db.models import CharField, Value
    from django.db.models.functions import Cast, Coalesce, Concat

    lines = (Group.objects.filter(user=OuterRef("pk")).order_by()
             .annotate(line=Concat("name", Value("\t"), Coalesce(Cast("department__id", CharField()), Value("")),
                                   output_field=TextField())))
    names = lines.values("user").annotate(names=_GroupNames("line")).values("names")
    return Subquery(names, output_field=TextField())


def group_names_loaded(user) -> None:
    """Hands the annotated `group_names` to departments.permissions' caches (group names, department ids)."""
    names, departments = set(), set()
    for line in filter(None, (getattr(user, "group_names", None) or "").split("\n")):
        name, _tab, department_id = line.partition("\t")
        names.add(name)
        if department_id:
            departments.add(int(department_id))
    user._unionplan_groups, user._unionplan_department_ids = names, frozenset(departments)
