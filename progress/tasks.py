"""Celery tasks of progress: the roll-up, its daily snapshot, and telling people about reports."""

from __future__ import annotations

import datetime

from celery import shared_task
from django.utils import timezone

from core.jobs import RETRY_ON_DATABASE_ERROR, date_argument
from tasks.models import WorkPlan

from . import services


@shared_task(name="progress.refresh_rollup", **RETRY_ON_DATABASE_ERROR)
def refresh_rollup(plan_id: int | None = None, date: str | None = None, requested_at: str | None = None) -> int:
    if plan_id and requested_at:
        # After a change (report, review, target…): at once, unless newer figures exist already.
        return int(services.rollup_refresh_requested(
            plan_id=plan_id, requested_at=datetime.datetime.fromisoformat(requested_at)))
    plan = WorkPlan.objects.get(pk=plan_id) if plan_id else None
    return len(services.rollup_refresh(plan=plan, today=date_argument(date)))


@shared_task(name="progress.take_snapshot", **RETRY_ON_DATABASE_ERROR)
def take_snapshot(date: str | None = None) -> int:
    # Scheduled just after midnight: the snapshot is of the day that just ended.
    day = date_argument(date) or timezone.localdate() - datetime.timedelta(days=1)
    return services.snapshot_take(day=day)


@shared_task(name="progress.notify_report_submitted", **RETRY_ON_DATABASE_ERROR)
def notify_report_submitted(report_id: int) -> int:
    return services.report_submitted_notify(report_id=report_id)


@shared_task(name="progress.notify_report_reviewed", **RETRY_ON_DATABASE_ERROR)
def notify_report_reviewed(report_id: int) -> int:
    return services.report_reviewed_notify(report_id=report_id)


@shared_task(name="progress.sweep_pending_uploads", **RETRY_ON_DATABASE_ERROR)
def sweep_pending_uploads() -> dict:
    return {"removed": services.pending_uploads_sweep()}
