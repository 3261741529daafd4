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
