"""Queries compiled to SQL once per process, then only executed: for the few that every request makes.

Django compiles a queryset anew each time it runs; for the user the portal loads on every
request (with its unread count, group names and navigation flags: four subqueries) compiling
cost several times what PostgreSQL takes to answer, and most of a cached page's time
(bench/throughput.py). A `PreparedQuery` builds its queryset once per database, keeps the SQL
and parameters, and then runs only that SQL as a raw query: the same rows, the same columns
(annotations become attributes, as with the queryset), one query as before.

    user_query = PreparedQuery(User, lambda pk: User.objects.annotate(...).filter(pk=pk))
    user = user_query.first(user_id)

The builder takes one value (or none) and must use it exactly once; the SQL is compiled with
a stand-in value and the stand-in's parameter is replaced on each run. A builder whose
stand-in cannot be found once (it is used twice, or folded into the SQL) is run as a queryset
each time: slower, never wrong.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import connections, router
from django.db.models import QuerySet

_STAND_IN = -730_041_901  # a value no primary key or parameter of ours takes


class PreparedQuery:
    def __init__(self, model, build: Callable[..., QuerySet], *, takes_value: bool = True):
        self._model, self._build, self._takes_value = model, build, takes_value
        self._compiled: dict[tuple[str, str], tuple[str, tuple, int | None] | None] = {}

    def _queryset(self, value) -> QuerySet:
        return self._build(value) if self._takes_value else self._build()

    def _compile(self, alias: str) -> tuple[str, tuple, int | None] | None:
        queryset = self._queryset(_STAND_IN).using(alias)
        if queryset.query.select_related or queryset._prefetch_related_lookups:
            return None  # a raw query fills one model: joined or prefetched rows need the queryset
        sql, params = queryset.query.sql_with_params()
        if not self._takes_value:
            return sql, tuple(params), None
        at = [n for n, param in enumerate(params) if param == _STAND_IN]
        return (sql, tuple(params), at[0]) if len(at) == 1 else None

    def all(self, value=None) -> list:
        """The rows, as model instances carrying the queryset's annotations."""
        alias = router.db_for_read(self._model)
        key = (alias, connections[alias].vendor)
        if key not in self._compiled:
            self._compiled[key] = self._compile(alias)
        compiled = self._compiled[key]
        if compiled is None:
            return list(self._queryset(value).using(alias))
        sql, params, at = compiled
        if at is not None:
            params = params[:at] + (value,) + params[at + 1:]
        return list(self._model._default_manager.raw(sql, params, using=alias))

    def first(self, value=None):
        rows = self.all(value)
        return rows[0] if rows else None


def database_scoped(key: str) -> str:
    """A cache key for rows of the default database, named with that database: two portals (or the
    benches' databases of two sizes) sharing one Redis never read each other's users or plans."""
    return f"{key}@{connections['default'].settings_dict['NAME']}"
