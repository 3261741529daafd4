"""Every URL × every role → the status a user gets.

The matrix is checked against the URL resolver: a new URL pattern without a
row here fails `test_every_url_pattern_has_a_row`, so no page ships untested.
"""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tasks.models import WorkItem

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "staff", "head", "other_staff", "leader", "plan_admin"]
ALL_USERS = {role: 200 for role in ROLES if role != "anonymous"}
TO_LOGIN = 302  # anonymous users are redirected to the login page
ADMIN_ONLY = {role: 302 for role in ROLES} | {"plan_admin": 200}


def _url_builders(plan, item):
    """pattern name -> (url, {role: expected status})."""
    rows = {
        "login": (reverse("login"), {"anonymous": 200} | {role: 302 for role in ROLES[1:]}),
        "tasks:plan-current": (reverse("tasks:plan-current"), {"anonymous": TO_LOGIN} | {r: 302 for r in ROLES[1:]}),
        "tasks:plan-list": (reverse("tasks:plan-list"), {"anonymous": TO_LOGIN} | ALL_USERS),
        "tasks:plan-detail": (reverse("tasks:plan-detail", args=[plan.pk]), {"anonymous": TO_LOGIN} | ALL_USERS),
        "tasks:item-detail": (reverse("tasks:item-detail", args=[item.pk]), {"anonymous": TO_LOGIN} | ALL_USERS),
        "admin:index": (reverse("admin:index"), ADMIN_ONLY),
    }
    for model in admin.site._registry:
        opts = model._meta
        rows[f"admin:{opts.app_label}_{opts.model_name}_changelist"] = (
            reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
            ADMIN_ONLY,
        )
        rows[f"admin:{opts.app_label}_{opts.model_name}_add"] = (
            reverse(f"admin:{opts.app_label}_{opts.model_name}_add"),
            ADMIN_ONLY,
        )
    return rows


# Patterns checked elsewhere or that take no page view of their own, with why.
NOT_PAGES = {
    "logout": "POST-only action, tested in test_auth",
    "set_language": "POST-only action, tested in test_i18n",
    "javascript-catalog": "not routed",
}
ADMIN_INTERNALS = ("_change", "_delete", "_history", "app_list", "autocomplete", "jsi18n", "login", "logout",
                   "password_change", "password_change_done", "view_on_site")


def _pattern_names(resolver: URLResolver, namespace: str = "") -> set[str]:
    names = set()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            names |= _pattern_names(pattern, f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace)
        elif isinstance(pattern, URLPattern) and pattern.name:
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_pattern_has_a_row(plan_2020):
    item = WorkItem.objects.filter(section__plan=plan_2020).first()
    covered = set(_url_builders(plan_2020, item)) | set(NOT_PAGES)
    missing = [
        name
        for name in _pattern_names(get_resolver())
        if name not in covered and not (name.startswith("admin:") and name.endswith(ADMIN_INTERNALS))
    ]
    assert not missing, f"URL patterns without a permission-matrix row: {sorted(missing)}"


def test_permission_matrix(client, roles, plan_2020):
    item = WorkItem.objects.filter(section__plan=plan_2020, number=1).get()
    failures = []
    for name, (url, expected) in _url_builders(plan_2020, item).items():
        for role in ROLES:
            client.logout()
            if role != "anonymous":
                client.force_login(getattr(roles, role))
            status = client.get(url).status_code
            if status != expected[role]:
                failures.append(f"{name} as {role}: {status}, expected {expected[role]}")
    assert not failures, "\n".join(failures)
