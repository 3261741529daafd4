"""Structured logs: the JSON formatter used in production and the request-id middleware.

In production every process (gunicorn, the Celery worker and beat) writes one JSON object per
line on stdout, for the log collector; each line of a request carries its request id, each line
of a Celery task its task id, so one request or one job can be followed across lines.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from contextvars import ContextVar

from django.utils.functional import empty
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# What the reverse proxy may hand us as a request id (nginx's $request_id, a UUID…). Anything else
# (too long, spaces, quotes) is replaced by our own, so a client cannot forge or break log lines.
_ACCEPTABLE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}", re.ASCII)

request_id: ContextVar[str | None] = ContextVar("request_id", default=None)

request_logger = logging.getLogger("unionplan.request")


class JsonFormatter(_BaseJsonFormatter):
    """One JSON object per record: timestamp (UTC, ISO 8601), level, logger, message, then the
    record's extra fields, the current request id and Celery task, and the traceback if any."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "{levelname}{name}{message}")
        kwargs.setdefault("style", "{")
        kwargs.setdefault("rename_fields", {"levelname": "level", "name": "logger"})
        kwargs.setdefault("json_ensure_ascii", False)  # Chinese stays readable in the collector
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data, record, message_dict):
        # The timestamp first: it is what a person scanning the raw lines looks for.
        log_data["timestamp"] = self.formatTime(record)
        super().add_fields(log_data, record, message_dict)
        # django.request and django.server attach the request object itself; its id says enough.
        # (Django logs a 4xx after the middleware has returned, so the id is taken from it too.)
        request = log_data.pop("request", None)
        current = request_id.get() or getattr(request, "request_id", None)
        if current and "request_id" not in log_data:
            log_data["request_id"] = current
        task = _current_celery_task()
        if task is not None:
            log_data.setdefault("task_id", task.request.id)
            log_data.setdefault("task_name", task.name)

    def formatTime(self, record, datefmt=None):
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"


def _current_celery_task():
    try:
        from celery import current_task
    except ImportError:  # pragma: no cover - celery is a dependency; this keeps the formatter standalone
        return None
    # The proxy is false outside a task (web processes, beat).
    return current_task if current_task and getattr(current_task.request, "id", None) else None


class RequestLogMiddleware:
    """Gives each request an id and logs it once when it ends (method, path, status, duration,
    user id): the access log of the portal.

    The id is the proxy's `X-Request-ID` when it sends a sane one, otherwise a new one, and is
    echoed in the response's `X-Request-ID` header, so a user's screenshot of an error page or a
    proxy log line leads to the portal's log lines of the same request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        current = incoming if _ACCEPTABLE_REQUEST_ID.fullmatch(incoming) else uuid.uuid4().hex
        request.request_id = current
        token = request_id.set(current)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response[REQUEST_ID_HEADER] = current
            request_logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": _user_id(request),
                },
            )
            return response
        finally:
            request_id.reset(token)


def _user_id(request) -> int | None:
    # Only a user the request already loaded: looking one up for the log alone would add the
    # session and user queries to pages that never needed them (health checks, static files).
    user = request.__dict__.get("user")
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)  # AuthenticationMiddleware's SimpleLazyObject
    if wrapped is empty or wrapped is None:
        return None
    return wrapped.pk if getattr(wrapped, "is_authenticated", False) else None
