"""Liveness/readiness endpoints and the production settings mode."""

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_healthz_answers_without_login(client):
    response = client.get(reverse("healthz"))
    assert (response.status_code, response.content) == (200, b"ok")


def test_readyz_reports_database_and_broker(client):
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {"database": "ok", "broker": "ok"}


def test_readyz_is_503_when_the_broker_is_down(client, settings):
    from unionplan.celery import app

    previous = app.conf.broker_write_url
    app.conf.broker_write_url = "redis://127.0.0.1:1/0"  # nothing listens there
    try:
        response = client.get(reverse("readyz"))
    finally:
        app.conf.broker_write_url = previous
    assert response.status_code == 503
    assert response.json()["broker"] == "unavailable"


def test_production_mode_passes_check_deploy_with_no_warning(tmp_path):
    env = os.environ | {
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x" * 20 + "-production-test-key-5f1c2d9e8b7a6f5e4d3c2b1a",
        "ALLOWED_HOSTS": "unionplan.example.cn",
        "UNIONPLAN_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_mode_refuses_to_start_without_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"} | {
        "DJANGO_ENV": "production", "ALLOWED_HOSTS": "unionplan.example.cn", "UNIONPLAN_VAR_DIR": str(tmp_path),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_containers_own_health_check_is_answered_in_production(client, settings):
    # given production's HTTPS redirect and a site name in ALLOWED_HOSTS
    settings.SECURE_SSL_REDIRECT = True
    settings.ALLOWED_HOSTS = ["unionplan.example.cn"]
    # when the compose healthcheck asks gunicorn over plain HTTP, as 127.0.0.1:8000, with no X-Forwarded-Proto
    live = client.get("/healthz", HTTP_HOST="127.0.0.1:8000")
    ready = client.get("/readyz", HTTP_HOST="127.0.0.1:8000")
    # then both answer (not 301 to https, not 400 for the host), while every page keeps both rules
    assert (live.status_code, live.content) == (200, b"ok")
    assert ready.status_code == 200
    assert client.get("/accounts/login/", HTTP_HOST="unionplan.example.cn").status_code == 301
    assert client.get("/accounts/login/", HTTP_HOST="127.0.0.1:8000", secure=True).status_code == 400


def test_production_takes_the_client_address_from_the_socket_unless_told_of_a_proxy(tmp_path):
    env = os.environ | {
        "DJANGO_ENV": "production", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "unionplan.example.cn",
        "UNIONPLAN_VAR_DIR": str(tmp_path),
    }
    env.pop("TRUSTED_PROXY_HOPS", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c",
         "from django.conf import settings; print(settings.TRUSTED_PROXY_HOPS, settings.TRUSTED_PROXIES)"],
        cwd=settings.BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.stdout.strip().splitlines()[-1] == "0 ['127.0.0.1', '::1']", result.stdout + result.stderr
