"""Celery tasks of departments: envelopes around departments.jobs (background imports and their sweep)."""

from celery import shared_task

from core.jobs import RETRY_ON_DATABASE_ERROR

from . import jobs, services


@shared_task(name=jobs.RUN_TASK, **RETRY_ON_DATABASE_ERROR)
def run_import_job(job_id: int) -> dict:
    job = jobs.job_run(job_id=job_id)
    return {"job": job_id, "state": job.state if job else None, "step": job.step if job else None}


@shared_task(name="departments.sweep_import_jobs", **RETRY_ON_DATABASE_ERROR)
def sweep_import_jobs() -> dict:
    # The daily sweep also drops security events past their retention (SECURITY_EVENT_RETENTION_DAYS).
    return {"removed": jobs.jobs_sweep(), "security_events_removed": services.security_events_sweep()}
