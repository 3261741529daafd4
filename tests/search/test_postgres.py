"""Search on PostgreSQL: Chinese found through pg_trgm, and the item search served by its trigram index."""

from __future__ import annotations

import os

import pytest
from django.db import connection
from django.urls import reverse

from search import selectors
from tests.conftest import require_service
from tests.documents import bulk_plan

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


@pytest.fixture(autouse=True)
def _postgres():
    require_service("postgres", os.environ.get("DATABASE_URL", "").startswith("postgres"), "pg_trgm of PostgreSQL")


# A plan's item text runs to a few hundred characters (the 2020 document's average is above 300).
BODY = "深入学习贯彻新时代思想，健全学习制度、创新学习方式、深化学习效果，做到学思用贯通，推动各项工作落实见效"


def _realistic(table: str, column: str, times: int) -> None:
    """Gives every row a text of realistic length (its id in it, so no two are alike), moves the new rows
    out of the GIN indexes' pending lists (what VACUUM does, which a test's transaction cannot run)
    and reads the statistics."""
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {column} = repeat(%s || id::text, %s)", [BODY, times])
        cursor.execute("SELECT gin_clean_pending_list(indexname::regclass) FROM pg_indexes "
                       "WHERE indexname LIKE 'search_%%_trgm'")
        cursor.execute("ANALYZE")


def _explain(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_database_is_utf8_and_has_the_trigram_indexes():
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_encoding")
        assert cursor.fetchone()[0] == "UTF8"  # pg_trgm hashes multibyte characters only in a UTF8 database
        cursor.execute("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'search_%%_trgm'")
        assert {row[0] for row in cursor.fetchall()} >= {"search_item_title_trgm", "search_item_body_trgm",
                                                         "search_report_narrative_trgm",
                                                         "search_instruction_text_trgm",
                                                         "search_department_name_trgm"}


def test_a_two_character_chinese_word_finds_items(client, roles, plan_2020):
    client.force_login(roles.staff)
    response = client.get(reverse("search:search"), {"q": "会员"})
    items = next(group for group in response.context["results"].groups if group.kind == "items")
    assert items.count >= 1
    assert any("会员卡" in hit.title for hit in items.hits)
    assert "<mark>会员</mark>" in response.content.decode()


def test_the_item_search_uses_the_trigram_index_at_ten_thousand_items(roles):
    # given a plan of 10,000 items, its statistics read
    bulk_plan(items=10_000, departments=200, year=2031)
    _realistic("tasks_workitem", "body", 6)

    # when items are searched for a word of three characters and more
    plan = _explain(selectors.items_matching(user=roles.staff, terms=("会员服务",)))

    # then the planner reads the trigram indexes of title and text, not the whole table
    assert "search_item_title_trgm" in plan and "search_item_body_trgm" in plan, plan
    assert "Seq Scan on tasks_workitem" not in plan, plan
    # and so does a word with letters, compared without regard to case (ILIKE)
    plan = _explain(selectors.items_matching(user=roles.staff, terms=("App应用",)))
    assert "search_item_title_trgm" in plan and "~~*" in plan, plan


def test_a_two_character_word_is_compared_by_position_not_through_the_index(roles):
    # (a trigram index has nothing to look up for two characters: it would read all of itself)
    plan = _explain(selectors.items_matching(user=roles.staff, terms=("会员",)))
    assert "strpos" in plan and "trgm" not in plan, plan


def test_the_narrative_search_uses_its_trigram_index_at_a_hundred_thousand_reports(roles):
    # given 100,000 reports, as the 10,000-item bench has, of a realistic length
    bulk_plan(items=10_000, departments=200, reports=100_000, year=2031)
    _realistic("tasks_progressreport", "narrative", 2)
    # then a staff member's search (their own, and what is 计划内) reads the trigram index of narratives
    plan = _explain(selectors.reports_matching(user=roles.other_staff, terms=("保密进展",)))
    assert "search_report_narrative_trgm" in plan, plan
    assert "Seq Scan on tasks_progressreport" not in plan, plan
