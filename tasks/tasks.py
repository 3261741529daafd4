"""Celery tasks of work plans: envelopes that take ids or dates, call a service and are safe to run twice."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from . import jobs
from .models import WorkPlan

# A database hiccup is worth retrying; everything a task does is idempotent.
RETRY = {"autoretry_for": (DatabaseError,), "retry_backoff": 30, "retry_backoff_max": 600, "max_retries": 5,
         "acks_late": True}


def _date(text: str | None) -> datetime.date | None:
    return datetime.date.fromisoformat(text) if text else None


@shared_task(name="tasks.run_reminders", **RETRY)
def run_reminders(date: str | None = None) -> dict:
    run = jobs.reminders_run(today=_date(date))
    return {"today": run.today.isoformat(), "planned": len(run.planned), "claimed": run.claimed,
            "already_sent": run.already_sent, "sent": run.sent, "failed": run.failed}


@shared_task(name="tasks.refresh_rollup", **RETRY)
def refresh_rollup(plan_id: int | None = None, date: str | None = None) -> int:
    plan = WorkPlan.objects.get(pk=plan_id) if plan_id else None
    return len(jobs.rollup_refresh(plan=plan, today=_date(date)))


@shared_task(name="tasks.take_snapshot", **RETRY)
def take_snapshot(date: str | None = None) -> int:
    # Scheduled just after midnight: the snapshot is of the day that just ended.
    day = _date(date) or timezone.localdate() - datetime.timedelta(days=1)
    return jobs.snapshot_take(day=day)


@shared_task(name="tasks.notify_report_submitted", **RETRY)
def notify_report_submitted(report_id: int) -> int:
    return jobs.report_submitted_notify(report_id=report_id)


@shared_task(name="tasks.notify_report_reviewed", **RETRY)
def notify_report_reviewed(report_id: int) -> int:
    return jobs.report_reviewed_notify(report_id=report_id)
