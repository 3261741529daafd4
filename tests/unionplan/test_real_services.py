"""The suite's real services: PostgreSQL and Redis are used, never mocked."""

import os

import pytest
from django.conf import settings
from django.db import connection

from tests.conftest import require_service

pytestmark = pytest.mark.django_db


def test_postgresql_runs_the_suite_when_database_url_says_so():
    url = os.environ.get("DATABASE_URL", "")
    require_service("postgres", url.startswith(("postgres", "postgresql")), "DATABASE_URL is not a PostgreSQL URL")
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 120000


def test_celery_reaches_redis_as_its_broker():
    require_service("redis", bool(settings.REDIS_URL), "REDIS_URL is not set")
    from unionplan.celery import app

    assert app.conf.broker_url.startswith("redis://")
    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1)
        with conn.SimpleQueue("unionplan-ci-probe") as queue:
            queue.put({"hello": "redis"})
            message = queue.get(timeout=2)
            message.ack()
    assert message.payload == {"hello": "redis"}


def test_cache_uses_redis_when_configured():
    require_service("redis", bool(settings.REDIS_URL), "REDIS_URL is not set")
    from django.core.cache import cache

    cache.set("unionplan-probe", "ok", 5)
    assert cache.get("unionplan-probe") == "ok"


def test_broker_is_redis_with_redis_url_and_embedded_without():
    from unionplan.celery import app

    expected = "redis://" if settings.REDIS_URL else "filesystem://"
    assert app.conf.broker_url.startswith(expected)
