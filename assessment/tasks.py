"""Celery tasks of the assessment: the daily 自评 reminders."""

from __future__ import annotations

from celery import shared_task

from core.jobs import RETRY_ON_DATABASE_ERROR, date_argument

from . import services


@shared_task(name="assessment.remind_self_assessments", **RETRY_ON_DATABASE_ERROR)
def remind_self_assessments(date: str | None = None) -> dict:
    run = services.self_assessment_reminders(today=date_argument(date))
    return {"today": run.today.isoformat(), "sent": run.sent}
