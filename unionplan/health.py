"""Liveness and readiness for the process supervisor and the load balancer (no login, no session)."""

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET


@never_cache
@require_GET
def healthz(request):
    """The process answers; nothing else is checked (a restart would not help a database outage)."""
    return HttpResponse("ok", content_type="text/plain")


def _database_ok() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone() == (1,)
    except Exception:  # any driver error means "not ready"
        return False


def _broker_ok() -> bool:
    from unionplan.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=0, timeout=1)
        return True
    except Exception:  # kombu raises its own and the socket's errors
        return False


@never_cache
@require_GET
def readyz(request):
    """503 until the database and the broker answer, so traffic waits for both."""
    checks = {"database": _database_ok(), "broker": _broker_ok()}
    status = 200 if all(checks.values()) else 503
    return JsonResponse({name: "ok" if good else "unavailable" for name, good in checks.items()}, status=status)
