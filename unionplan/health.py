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


class HealthCheckMiddleware:
    """Answers /healthz and /readyz before the host check.

    The process supervisor asks over plain HTTP from inside the container
    (`http://127.0.0.1:8000/healthz`, docker-compose.yml): with no X-Forwarded-Proto the HTTPS
    redirect answered 301 (these paths are in SECURE_REDIRECT_EXEMPT), and its Host is not one
    of ALLOWED_HOSTS (a 400, from CommonMiddleware, after this one). Both answers say nothing
    about the process; every other path meets them. After the request log and the security
    headers, so a check is still logged with its request id and carries the same headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.views = {"/healthz": healthz, "/readyz": readyz}

    def __call__(self, request):
        view = self.views.get(request.path_info)
        return view(request) if view is not None else self.get_response(request)
