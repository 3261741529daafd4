"""What keeps the big pages fast, asserted where a test can: the cached dashboard page is each viewer's
own, and (on PostgreSQL) the two heaviest reads use their indexes. Speed itself is shown by
bench/pages.py and bench/throughput.py, never timed here."""

import datetime
import os
import re

import pytest
from django.test import Client
from django.urls import reverse

from departments.models import Department
from departments.roles import LEADERSHIP_GROUP
from departments.services import role_group
from notifications.models import Notification
from progress import services as progress_services
from tests.conftest import require_service
from tests.documents import bulk_plan

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2020, 7, 1)


def _leader(django_user_model, username, *, first_name=""):
    user = django_user_model.objects.create_user(username, password="pass-word-1", first_name=first_name)
    user.groups.add(role_group(LEADERSHIP_GROUP))
    return user


def test_the_cached_dashboard_page_carries_each_viewers_name_unread_count_and_token(plan_2020, django_user_model):
    # given two leaders, one with two unread notices, and the figures rolled up
    progress_services.rollup_refresh(plan=plan_2020, today=TODAY)
    first, second = _leader(django_user_model, "leader-a", first_name="甲"), _leader(django_user_model, "leader-b",
                                                                                    first_name="乙")
    Notification.objects.bulk_create(Notification(recipient=second, kind="due_soon", title="t", body="b")
                                     for _ in range(2))
    url = reverse("dashboard:dashboard") + f"?year={plan_2020.year}"
    pages = {}
    for user in (first, second, first):  # the first renders the page, the others are served it
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        pages[user.username] = (client, response.content.decode())

    # then each sees their own name and count, and no mark is left
    page_a, page_b = pages["leader-a"][1], pages["leader-b"][1]
    assert "甲" in page_a and "乙" not in page_a
    assert "乙" in page_b and '<span class="badge"' in page_b and ">2</span>" in page_b
    assert '<span class="badge"' not in page_a
    assert "uP9d1c" not in page_a + page_b
    # and the page's CSRF token is good for the viewer's own session (logging out works)
    client, page = pages["leader-b"]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    assert client.post(reverse("logout"), {"csrfmiddlewaretoken": token}).status_code == 302


def _explain(connection, queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: ask whether an index *can* serve it
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgres
def test_the_heaviest_reads_use_their_indexes_on_postgresql():
    require_service("postgres", os.environ.get("DATABASE_URL", "").startswith("postgres"), "EXPLAIN of PostgreSQL")
    from django.db import connection
    from django.db.models import F, OuterRef, Subquery, Window
    from django.db.models.functions import RowNumber

    from progress.models import ProgressReport

    # given a small plan with reports
    plan = bulk_plan(items=30, departments=6, reports=120, year=2031)
    connection.cursor().execute("ANALYZE")

    # when the dashboard asks each department's latest report on the plan
    latest = ProgressReport.objects.filter(department=OuterRef("pk"), item__section__plan=plan)
    departments = Department.objects.annotate(
        last_report=Subquery(latest.order_by("-created_at").values("created_at")[:1]))
    # then it walks report_department_recent, newest first
    # (which index the planner takes among those that serve it depends on the worker's statistics; none
    # reads the whole table)
    assert f"Seq Scan on {ProgressReport._meta.db_table}" not in _explain(connection, departments)

    # and the drill-down rows' latest reports are read through an index on (item, created_at)
    rows = (ProgressReport.objects.filter(item__section__plan=plan)
            .annotate(rank=Window(RowNumber(), partition_by=[F("item_id")],
                                  order_by=[F("created_at").desc(), F("pk").desc()]))
            .filter(rank=1).values("item_id", "created_at"))
    plan_text = _explain(connection, rows)
    assert f"Seq Scan on {ProgressReport._meta.db_table}" not in plan_text

    # and the review queue finds waiting reports through the partial index report_submitted
    waiting = ProgressReport.objects.filter(state=ProgressReport.State.SUBMITTED, department_id__in=[1, 2])
    assert f"Seq Scan on {ProgressReport._meta.db_table}" not in _explain(connection, waiting)

    # and, once rolled up, the dashboard's twenty worst late items come down the roll-up's late rank, in its
    # order (no sort of every late item of the plan); an as-of day's figures take each item's latest
    # snapshot in one ordered pass, not a probe per item
    from progress.models import ItemRollup, ItemSnapshot
    from progress.selectors import item_snapshots_as_of_queryset
    from supervision.selectors import late_items

    progress_services.rollup_refresh(plan=plan, today=datetime.date(2031, 7, 1))
    progress_services.snapshot_take(day=datetime.date(2031, 7, 1), plan=plan)
    connection.cursor().execute("ANALYZE")
    worst = _explain(connection, late_items(plan=plan)[:20])
    rank_index = next(name for name, index in _indexes(connection, ItemRollup._meta.db_table).items()
                      if index["index"] and index["columns"] == ["late_rank"])
    # (an incremental sort of rows already in rank order, by department among equals, stops at twenty too)
    sorts = [line.strip() for line in worst.splitlines() if "Sort" in line and "Key" not in line]
    assert f"Index Scan using {rank_index}" in worst and all(s.startswith("->  Incremental Sort") for s in sorts), worst
    as_of = _explain(connection, item_snapshots_as_of_queryset(plan=plan, day=datetime.date(2031, 7, 1)))
    assert "SubPlan" not in as_of and f"Seq Scan on {ItemSnapshot._meta.db_table}" not in as_of, as_of


def _indexes(connection, table: str) -> dict:
    with connection.cursor() as cursor:
        return connection.introspection.get_constraints(cursor, table)


def test_the_cached_dashboard_reads_no_table_but_the_session_and_follows_the_viewers_changes(
        plan_2020, django_user_model, django_assert_max_num_queries):
    from django.contrib.auth.models import Group

    from notifications import services as notification_services

    # given a leader who has seen the dashboard once (its page and their frame are cached)
    progress_services.rollup_refresh(plan=plan_2020, today=TODAY)
    leader = _leader(django_user_model, "leader-c", first_name="丙")
    client = Client()
    client.force_login(leader)
    url = reverse("dashboard:dashboard") + f"?year={plan_2020.year}"
    assert client.get(url).status_code == 200

    # when they look again: no query for the user, their unread count, groups or the plans; at most the
    # session (the database's session store; the Redis store of production reads none)
    with django_assert_max_num_queries(1):
        page = client.get(url).content.decode()
    assert "丙" in page and '<span class="badge"' not in page

    # then a new notice shows in their count at once
    notice = Notification.objects.create(recipient=leader, kind="due_soon", title="t", body="b")
    page = client.get(url).content.decode()
    assert re.search(r'<span class="badge"[^>]*>1</span>', page)
    # and reading it takes the count away again
    notification_services.notification_mark_read(notification=notice)
    assert '<span class="badge"' not in client.get(url).content.decode()
    # and a new name shows at once
    leader.first_name = "丁"
    leader.save()
    page = client.get(url).content.decode()
    assert "丁" in page and "丙" not in page
    # and a leader who loses the leadership role loses the dashboard at once
    leader.groups.remove(Group.objects.get(name=LEADERSHIP_GROUP))
    assert client.get(url).status_code == 403


def test_a_worker_serves_its_copy_of_the_cached_page_only_while_the_cache_says_it_is_the_current_one(
        plan_2020, django_user_model, django_assert_max_num_queries):
    from django.core.cache import cache

    from dashboard import views

    # given a leader whose dashboard page this worker rendered and keeps
    progress_services.rollup_refresh(plan=plan_2020, today=TODAY)
    leader = _leader(django_user_model, "leader-e", first_name="戊")
    client = Client()
    client.force_login(leader)
    url = reverse("dashboard:dashboard") + f"?year={plan_2020.year}"
    views._PAGES.clear()  # (pages other tests left in this process)
    first = client.get(url).content.decode()
    (page_key, (token, pieces)), = views._PAGES.items()
    kept = cache.get(page_key)[2]
    assert "戊" in first and "戊".encode() not in kept  # kept with the marks, filled in per view
    marks = {slot: mark for mark, slot in views._SLOTS.items()}
    assert b"".join(piece if isinstance(piece, bytes) else marks[piece] if isinstance(piece, int)
                    else piece[0] + views._UNREAD_B + piece[1] for piece in pieces) == kept  # cut at its marks

    # when another worker stores a newer page under the same key (its own token), this worker serves that one
    pointer_at = views.pointer_key(leader.pk, url)
    _page, stamp, _token = cache.get(pointer_at)
    newer = kept.replace("</body>".encode(), "<!--the other worker's page--></body>".encode())
    cache.set_many({page_key: (stamp, "other-token", newer), pointer_at: (page_key, stamp, "other-token")})
    with django_assert_max_num_queries(1):  # still no table but the session
        page = client.get(url).content.decode()
    assert "<!--the other worker's page-->" in page and "戊" in page

    # and when the cache forgets the page (flushed, expired), it is rendered again, not served from memory
    cache.clear()
    page = client.get(url).content.decode()
    assert "<!--the other worker's page-->" not in page and "戊" in page
    assert views._PAGES[page_key][0] == cache.get(pointer_at)[2] != "other-token"


class _CacheCalls:
    """Counts the cache's round trips: each call of the cache is one (the calls a call makes inside the
    in-memory cache, as its get_many's gets, are not)."""

    def __init__(self, monkeypatch):
        from django.core.cache import caches

        self.calls, self._depth = [], 0
        backend = caches["default"]
        for name in ("get", "get_many", "set", "set_many", "delete", "add", "touch", "has_key"):
            monkeypatch.setattr(backend, name, self._counted(name, getattr(backend, name)))
        # (with Redis, the prefetched entries' copies read Redis on a connection of their own: core.prefetch)
        from core import prefetch

        monkeypatch.setattr(prefetch._copies, "_ask", self._counted("get_many", prefetch._copies._ask))

    def _counted(self, name, original):
        def call(*args, **kwargs):
            if not self._depth:
                self.calls.append(name)
            self._depth += 1
            try:
                return original(*args, **kwargs)
            finally:
                self._depth -= 1
        return call


def test_a_cached_dashboard_view_costs_one_cache_round_trip_and_a_forged_user_cookie_changes_nothing(
        plan_2020, django_user_model, settings, monkeypatch):
    from django.core.cache import cache

    # given the production session store (cached in front of the database) and a leader who has seen
    # the dashboard (the page, their session and their frame are cached)
    settings.SESSION_ENGINE = "core.session_store"
    progress_services.rollup_refresh(plan=plan_2020, today=TODAY)
    cache.clear()
    leader = _leader(django_user_model, "leader-f", first_name="己")
    other = _leader(django_user_model, "leader-g", first_name="庚")
    client = Client()
    client.force_login(leader)
    url = reverse("dashboard:dashboard") + f"?year={plan_2020.year}"
    assert "己" in client.get(url).content.decode()
    assert client.cookies[settings.PREFETCH_USER_COOKIE].value == str(leader.pk)  # the hint the response set

    # when they look again: the session, their frame, the plans and the page's pointer come in one read
    calls = _CacheCalls(monkeypatch)
    page = client.get(url).content.decode()
    assert "己" in page and calls.calls == ["get_many"]
    # and with Redis, once more nothing changed, in none: the process's copies of them stand (core.prefetch)
    calls.calls.clear()
    page = client.get(url).content.decode()
    assert "己" in page and calls.calls == ([] if settings.REDIS_URL else ["get_many"])

    # and with a cookie naming another user, the page is still theirs (the hint picks what to read, the
    # session says who it is), at the cost of reading their frame apart
    Client().force_login(other)  # (the other leader's frame is cached too)
    client.cookies[settings.PREFETCH_USER_COOKIE] = str(other.pk)
    calls.calls.clear()
    page = client.get(url).content.decode()
    assert "己" in page and "庚" not in page and calls.calls[0] == "get_many" and len(calls.calls) > 1
    # and the response puts the hint right again
    assert client.cookies[settings.PREFETCH_USER_COOKIE].value == str(leader.pk)

    # and a cookie that names nobody, or is no number at all, is no hint (never an error)
    # (a header's bytes reach Django as latin-1: "²" arrives as "Â²", which str.isdigit() calls a digit)
    for hint in ("²".encode().decode("latin-1"), "\u00b2", "9" * 40, "0", "１２".encode().decode("latin-1"), ""):
        client.cookies[settings.PREFETCH_USER_COOKIE] = hint
        response = client.get(url)
        assert response.status_code == 200 and "己" in response.content.decode(), hint

    # and logging out takes the hint away
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    client.post(reverse("logout"), {"csrfmiddlewaretoken": token})
    assert client.cookies[settings.PREFETCH_USER_COOKIE].value == ""
