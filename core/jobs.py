"""What every Celery task of ours shares: retry on database hiccups, and dates passed as text.

Tasks are envelopes: they take ids or ISO dates, call one service and are safe
to run twice, so a retry or a redelivery costs nothing.
"""

from __future__ import annotations

import datetime

from django.db import DatabaseError

RETRY_ON_DATABASE_ERROR = {
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "max_retries": 5,
    "acks_late": True,
}


def date_argument(text: str | None) -> datetime.date | None:
    """A task's date argument ("2020-12-01"); dates travel as text, JSON has no date."""
    return datetime.date.fromisoformat(text) if text else None


# The outbox lives in notifications, above the apps that need to queue a task (departments, tasks): it
# registers itself here when it starts, so that those apps enqueue through it without importing it.
_outbox = None


def register_outbox(enqueue) -> None:
    """`enqueue(task_name=, kwargs=)`: write the task in the current transaction, publish it after commit."""
    global _outbox
    _outbox = enqueue


def enqueue_after_commit(*, task_name: str, kwargs: dict):
    """Run the task `task_name(**kwargs)` on a worker once the current transaction commits (the outbox)."""
    if _outbox is None:
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured("no outbox registered: is the notifications app installed?")
    return _outbox(task_name=task_name, kwargs=kwargs)
