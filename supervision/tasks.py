"""Celery tasks of supervision: the daily reminder scan (due dates, reporting cycles, 催办, 督办)."""

from __future__ import annotations

from celery import shared_task

from core.jobs import RETRY_ON_DATABASE_ERROR, date_argument

from . import services


@shared_task(name="supervision.run_reminders", **RETRY_ON_DATABASE_ERROR)
def run_reminders(date: str | None = None) -> dict:
    run = services.reminders_run(today=date_argument(date))
    return {"today": run.today.isoformat(), "planned": len(run.planned), "claimed": run.claimed,
            "already_sent": run.already_sent, "sent": run.sent, "failed": run.failed}
