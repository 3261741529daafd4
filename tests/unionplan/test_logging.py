"""Structured logs: one JSON line per request with its request id, tracebacks as JSON, and JSON
from every process in production mode."""

import io
import json
import logging
import os
import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.urls import path, reverse

from unionplan.logging import JsonFormatter

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("boom: the view failed")


urlpatterns = [path("boom/", _boom)]  # used as ROOT_URLCONF by the 500 test


@pytest.fixture
def json_lines():
    """What the production handler would write: the root logger through the JSON formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root, request_logger = logging.getLogger(), logging.getLogger("unionplan.request")
    previous = root.level, request_logger.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    request_logger.setLevel(logging.INFO)  # as in production (development leaves it to runserver)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous[0])
    request_logger.setLevel(previous[1])


def request_lines(lines):
    return [line for line in lines if line["logger"] == "unionplan.request"]


def test_a_request_is_one_json_line_with_method_path_status_duration_user_and_request_id(client, json_lines,
                                                                                          django_user_model):
    user = django_user_model.objects.create_user(username="staff", password="pw-for-tests-1")
    client.force_login(user)

    response = client.get(reverse("notifications:list"), HTTP_X_REQUEST_ID="proxy-7f3a.1")

    [line] = request_lines(json_lines())
    assert response.status_code == 200
    assert line["timestamp"].endswith("Z") and line["level"] == "INFO"
    assert line["message"] == f"GET {reverse('notifications:list')} 200"
    assert (line["method"], line["path"], line["status"]) == ("GET", reverse("notifications:list"), 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert line["user_id"] == user.pk
    assert line["request_id"] == "proxy-7f3a.1"


def test_the_request_id_from_the_proxy_is_echoed(client):
    response = client.get(reverse("healthz"), HTTP_X_REQUEST_ID="abc-123")
    assert response["X-Request-ID"] == "abc-123"


def test_without_a_usable_request_id_the_portal_makes_one(client, json_lines):
    first = client.get(reverse("healthz"))
    forged = client.get(reverse("healthz"), HTTP_X_REQUEST_ID='x" injected="1 ' + "y" * 200)

    ids = [first["X-Request-ID"], forged["X-Request-ID"]]
    assert all(len(i) == 32 and int(i, 16) >= 0 for i in ids) and ids[0] != ids[1]
    assert [line["request_id"] for line in request_lines(json_lines())] == ids


def test_an_anonymous_request_logs_no_user(client, json_lines):
    client.get(reverse("login"))
    [line] = request_lines(json_lines())
    assert line["user_id"] is None and line["status"] == 200


def test_every_line_of_a_request_carries_its_id(client, json_lines):
    response = client.get("/no-such-page/", HTTP_X_REQUEST_ID="req-404")

    lines = json_lines()
    assert response.status_code == 404
    not_found = [line for line in lines if line["logger"] == "django.request"]
    assert not_found and all(line["request_id"] == "req-404" for line in not_found)


def test_a_500_is_logged_with_its_traceback_as_json_and_the_user_gets_the_friendly_page(client, json_lines, settings):
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False

    response = client.get("/boom/", HTTP_X_REQUEST_ID="req-500")

    assert response.status_code == 500
    assert "服务器出错了" in response.content.decode()  # templates/500.html, not a traceback
    assert response["X-Request-ID"] == "req-500"
    lines = json_lines()
    [error] = [line for line in lines if line["logger"] == "django.request"]
    assert error["level"] == "ERROR" and error["request_id"] == "req-500" and error["status_code"] == 500
    assert "Traceback (most recent call last)" in error["exc_info"]
    assert "RuntimeError: boom: the view failed" in error["exc_info"]
    [access] = request_lines(lines)
    assert (access["status"], access["request_id"]) == (500, "req-500")


def test_the_formatter_keeps_chinese_readable_and_extra_fields():
    record = logging.LogRecord("tasks", logging.WARNING, __file__, 1, "催办 %s", ("办公室",), None)
    record.item_id = 7

    line = json.loads(JsonFormatter().format(record))
    assert "催办 办公室" in JsonFormatter().format(record)  # not \\u escapes
    assert {k: line[k] for k in ("level", "logger", "message", "item_id")} == {
        "level": "WARNING", "logger": "tasks", "message": "催办 办公室", "item_id": 7,
    }


def _run(code, tmp_path, *, production):
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ENV"} | {"UNIONPLAN_VAR_DIR": str(tmp_path)}
    if production:
        env |= {"DJANGO_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "unionplan.example.cn"}
    return subprocess.run([sys.executable, "-c", code], cwd=django_settings.BASE_DIR, env=env,
                          capture_output=True, text=True, timeout=120)


CELERY_PROCESS = """
import logging
from unionplan.celery import app
app.log.setup(loglevel="INFO")  # what `celery worker` and `celery beat` call at start
logging.getLogger("celery.worker").info("worker ready")
"""


def test_in_production_celery_logs_json_lines_on_stdout(tmp_path):
    result = _run(CELERY_PROCESS, tmp_path, production=True)

    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert {"logger": "celery.worker", "level": "INFO", "message": "worker ready"}.items() <= lines[-1].items()


def test_in_development_celery_keeps_its_readable_format(tmp_path):
    result = _run(CELERY_PROCESS, tmp_path, production=False)

    assert result.returncode == 0, result.stderr
    output = result.stdout + result.stderr
    assert "worker ready" in output and '"logger"' not in output
