"""Fixtures of the tests of jobs, imported by the conftest of each app that has such tests.

A published 2020 plan with people and group robots, and a real Celery worker on Redis.
"""

from __future__ import annotations

import contextlib
import os
import socket
import time
import uuid
from dataclasses import dataclass

import pytest

from departments.models import Department, Membership
from departments.roles import LEADERSHIP_GROUP
from departments.services import membership_set, role_group
from notifications.models import OutboxMessage, WebhookChannel
from tests.conftest import import_document, require_service
from tests.robots import start_robot_server

# A Redis database of the tests' own, so a parallel run of the suite or `make run` does not collide.
TEST_REDIS_DB = 15


@pytest.fixture
def robots():
    server = start_robot_server()
    yield server
    server.server.shutdown()
    server.server.server_close()


@dataclass
class World:
    plan: object
    office: object  # 办公室: lead of items 1 (and others)
    office_staff: object
    office_head: object
    leader: object
    wecom: WebhookChannel
    dingtalk: WebhookChannel


@pytest.fixture
def world(db, robots, django_user_model) -> World:
    """The 2020 plan, published, nothing reported; 办公室 has a staff member, a head and both robots."""
    plan = import_document().plan
    plan.status = "published"
    plan.save(update_fields=["status"])
    office = Department.objects.get(name="办公室")

    def user(name):
        return django_user_model.objects.create_user(name, email=f"{name}@example.org", password="pw-for-tests-1")

    staff, head, leader = user("office-staff"), user("office-head"), user("leader")
    membership_set(user=staff, department=office, role=Membership.Role.MEMBER)
    membership_set(user=head, department=office, role=Membership.Role.HEAD)
    leader.groups.add(role_group(LEADERSHIP_GROUP))
    wecom = WebhookChannel.objects.create(department=office, kind="wecom", url=robots.wecom_url("office-key"))
    dingtalk = WebhookChannel.objects.create(
        department=office, kind="dingtalk", url=robots.dingtalk_url("office-token"), secret="SECtest"
    )
    # The import asked for the plan's first roll-up; as far as these tests go, a worker has done it.
    OutboxMessage.objects.all().delete()
    return World(plan, office, staff, head, leader, wecom, dingtalk)


def redis_test_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    require_service("redis", bool(url), "REDIS_URL is not set")
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url.rstrip("/")
    return f"{base}/{TEST_REDIS_DB}"


def closed_port_url() -> str:
    """A Redis URL on a local port nobody listens on: the broker is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@contextlib.contextmanager
def broker_at(url: str, *, queue: str | None = None):
    """Point the project's Celery app at another broker (and default queue) for the block."""
    from unionplan.celery import app

    keys = ["broker_url", "broker_read_url", "broker_write_url", "broker_transport_options", "task_default_queue"]
    saved = {key: app.conf[key] for key in keys}
    app.conf.update(
        broker_url=url, broker_read_url=url, broker_write_url=url,
        broker_transport_options={"socket_connect_timeout": 1, "visibility_timeout": 3600},
        task_default_queue=queue or saved["task_default_queue"],
    )
    _forget_connections(app)
    try:
        yield app
    finally:
        app.conf.update(saved)
        _forget_connections(app)


def _forget_connections(app) -> None:
    # The app caches its connection and producer pools from the broker URL it first saw.
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def redis_worker(transactional_db):
    """A real Celery worker (solo pool, in a thread) consuming a queue of this test's own on Redis."""
    from celery.contrib.testing.worker import start_worker

    url = redis_test_url()
    queue = f"unionplan-test-{uuid.uuid4().hex[:10]}"
    with broker_at(url, queue=queue) as app:
        with start_worker(app, pool="solo", concurrency=1, perform_ping_check=False, queues=[queue],
                          loglevel="WARNING", shutdown_timeout=10):
            yield app
        with app.connection_for_write() as connection:
            connection.default_channel.queue_delete(queue)


def wait_for(condition, *, timeout: float = 20.0, what: str = "the worker"):
    """Poll until `condition()` is true (no fixed sleeps); fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout}s waiting for {what}")


def tasks_accepted(name: str) -> int:
    """How many `name` tasks the in-process test worker has taken so far."""
    from celery.worker import state

    return state.total_count.get(name, 0)


def wait_for_worker(name: str, *, at_least: int, timeout: float = 20.0) -> None:
    """Wait until the worker took `at_least` tasks named `name` and finished all it took.

    Polls the worker's own state, not the database: SQLite's in-memory test
    database locks a table against the worker while another thread reads it.
    """
    from celery.worker import state

    wait_for(lambda: tasks_accepted(name) >= at_least and not state.active_requests and not state.reserved_requests,
             timeout=timeout, what=f"the worker to run {at_least} × {name}")
