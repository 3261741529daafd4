"""Background imports: one mechanism for the plan document (tasks) and the people list (departments).

A job (ImportJob) holds the upload. Its kind's runner, registered here at
start-up, says how to check it (the preview) and how to write it in steps.
Guarantees:
- nothing is written before the whole upload has passed the same checks as
  its preview (`Runner.prepare` raises ImportRefused, and the job fails with
  the message and no row written);
- every step commits with the job's progress in one transaction, under a row
  lock on the job: a worker that dies loses at most its current step, and the
  next run (the task retried, the outbox publishing it again, or the admin's
  "try again") resumes at the first step not committed; two workers never run
  the same step;
- small uploads run the same steps inside the request, in one transaction.

Jobs are queued through the outbox (core.jobs.enqueue_after_commit), so a
broker that is down delays a job but never loses it.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.jobs import enqueue_after_commit

from .models import ImportJob

logger = logging.getLogger(__name__)

RUN_TASK = "departments.run_import_job"
KEEP_FOR = datetime.timedelta(days=1)  # an upload nobody confirmed, a job's record and its passwords
LEGACY_UPLOAD_FOLDER = "plan-uploads"  # where plan uploads waited before they moved into the job's row


class ImportRefused(Exception):
    """The upload cannot be imported as it is; `messages` say why (each naming its line or row)."""

    def __init__(self, messages):
        self.messages = [str(message) for message in messages] or [_("The upload cannot be imported.")]
        super().__init__(self.messages[0])


class Steps:
    """What a runner's `prepare` returns: the writing, cut into `count` steps."""

    count: int = 0

    def run(self, step: int, state: dict, secrets: list) -> dict:
        """Write step `step`; `state` is the result so far (JSON), returned updated; `secrets` grows in place."""
        raise NotImplementedError


@dataclass(frozen=True)
class Runner:
    check: Callable[[ImportJob], dict]  # the preview, as JSON; raises ImportRefused
    prepare: Callable[[ImportJob], Steps]  # every check again, then the steps; raises ImportRefused


_runners: dict[str, Runner] = {}


def register_runner(kind: str, runner: Runner) -> None:
    _runners[kind] = runner


def _runner(job: ImportJob) -> Runner:
    return _runners[job.kind]


@transaction.atomic
def job_create(*, kind: str, user, filename: str, document: bytes, options: dict | None = None) -> ImportJob:
    """A new upload waiting for its check; old ones are swept first."""
    jobs_sweep()
    job = ImportJob(kind=kind, created_by=user, filename=filename[:255], document=document, options=options or {},
                    state=ImportJob.State.CHECKING)
    job.full_clean(exclude=["document"])
    job.save()
    return job


def job_for(*, job_id: int, user) -> ImportJob | None:
    """The job, if `user` uploaded it: a job holds its uploader's file and the passwords it made."""
    return ImportJob.objects.filter(pk=job_id, created_by=user).first()


def job_check(*, job: ImportJob, background: bool = False, options: dict | None = None) -> ImportJob:
    """Compute the job's preview now, or queue it (a large upload); `options` replace the job's first."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if options is not None:
            job.options = options
        job.state, job.preview, job.error = ImportJob.State.CHECKING, None, ""
        job.step = job.steps = 0
        job.save(update_fields=["options", "state", "preview", "error", "step", "steps", "updated_at"])
        if background:
            enqueue_after_commit(task_name=RUN_TASK, kwargs={"job_id": job.pk})
            return job
    return _check(job)


def job_start(*, job: ImportJob, options: dict, background: bool) -> ImportJob:
    """The admin confirmed the preview: write it now (in one transaction) or in the background."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state not in (ImportJob.State.PREVIEW, ImportJob.State.FAILED):
            return job  # already started: a second click changes nothing
        job.options = options
        job.state, job.error = ImportJob.State.QUEUED, ""
        job.save(update_fields=["options", "state", "error", "updated_at"])
        if background:
            enqueue_after_commit(task_name=RUN_TASK, kwargs={"job_id": job.pk})
            return job
    return job_run(job_id=job.pk, inline=True)


def job_retry(*, job: ImportJob) -> ImportJob:
    """Queue a job that failed while writing again: it resumes at its first step not committed."""
    with transaction.atomic():
        job = ImportJob.objects.select_for_update().get(pk=job.pk)
        if job.state == ImportJob.State.FAILED and job.steps:
            job.state, job.error = ImportJob.State.QUEUED, ""
            job.save(update_fields=["state", "error", "updated_at"])
            enqueue_after_commit(task_name=RUN_TASK, kwargs={"job_id": job.pk})
    return job


def job_run(*, job_id: int, inline: bool = False, max_steps: int | None = None) -> ImportJob:
    """What the worker does with a job: its check, or its steps from the first one not done.

    Safe to run twice or at once: a finished job is left alone, and each step is
    taken under the job's row lock. `max_steps` stops after that many (tests use
    it to stop a job half-way, as a dying worker would).
    """
    job = ImportJob.objects.filter(pk=job_id).first()
    if job is None:
        return None
    if job.state == ImportJob.State.CHECKING:
        return _check(job)
    if job.state not in (ImportJob.State.QUEUED, ImportJob.State.RUNNING):
        return job
    try:
        if inline:
            with transaction.atomic():
                return _write(job, max_steps=max_steps)
        return _write(job, max_steps=max_steps)
    except ImportRefused as refusal:
        return _fail(job, "\n".join(refusal.messages))
    except DatabaseError:
        if inline:
            return _fail(job, _("The database refused the import; nothing was saved."))
        raise  # the task retries; the job resumes where it stopped
    except Exception as error:
        logger.exception("import job %s failed", job.pk)
        return _fail(job, _("The import stopped: %(error)s") % {"error": error})


def _check(job: ImportJob) -> ImportJob:
    try:
        preview = _runner(job).check(job)
    except ImportRefused as refusal:
        return _fail(job, "\n".join(refusal.messages))
    ImportJob.objects.filter(pk=job.pk, state=ImportJob.State.CHECKING).update(
        state=ImportJob.State.PREVIEW, preview=preview, updated_at=timezone.now()
    )
    job.refresh_from_db()
    return job


def _write(job: ImportJob, *, max_steps: int | None) -> ImportJob:
    # Parsed and checked again, whole, before the first write: the same checks as the preview's.
    steps = _runner(job).prepare(job)
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state == ImportJob.State.QUEUED:
            locked.state, locked.steps = ImportJob.State.RUNNING, steps.count
            locked.save(update_fields=["state", "steps", "updated_at"])
    done = 0
    while max_steps is None or done < max_steps:
        with transaction.atomic():
            locked = ImportJob.objects.select_for_update().get(pk=job.pk)
            if locked.state != ImportJob.State.RUNNING or locked.step >= locked.steps:
                break
            secrets = list(locked.secrets)
            locked.result = steps.run(locked.step, dict(locked.result or {}), secrets)
            locked.secrets = secrets
            locked.step += 1
            fields = ["result", "secrets", "step", "updated_at"]
            if locked.step >= locked.steps:
                locked.state, locked.finished_at, locked.document = ImportJob.State.DONE, timezone.now(), b""
                fields += ["state", "finished_at", "document"]
                _audit_done(locked)
            locked.save(update_fields=fields)
        done += 1
    job.refresh_from_db()
    return job


def _audit_done(job: ImportJob) -> None:
    # In the last step's transaction: the import and its event are written together, by who uploaded it.
    from .models import SecurityEvent
    from .services import security_event_by

    result = job.result or {}
    if job.kind == ImportJob.Kind.PLAN:
        kind = SecurityEvent.Kind.PLAN_IMPORTED
        detail = _("%(file)s: %(created)d new, %(updated)d changed, %(deleted)d removed") % {
            "file": job.filename, "created": result.get("created", 0), "updated": result.get("updated", 0),
            "deleted": result.get("deleted", 0)}
    else:
        kind = SecurityEvent.Kind.PEOPLE_IMPORTED
        detail = _("%(file)s: %(created)d new, %(updated)d changed, %(reactivated)d reactivated") % {
            "file": job.filename, "created": result.get("created", 0), "updated": result.get("updated", 0),
            "reactivated": result.get("reactivated", 0)}
    security_event_by(kind=kind, actor=job.created_by, detail=detail)


def _fail(job: ImportJob, message: str) -> ImportJob:
    ImportJob.objects.filter(pk=job.pk).update(state=ImportJob.State.FAILED, error=message, updated_at=timezone.now())
    job.refresh_from_db()
    return job


def job_reveal_secrets(*, job: ImportJob) -> list:
    """The job's initial passwords, once: the first call gets them and they are erased."""
    with transaction.atomic():
        locked = ImportJob.objects.select_for_update().get(pk=job.pk)
        if locked.state != ImportJob.State.DONE or locked.secrets_shown:
            return []
        secrets = list(locked.secrets)
        locked.secrets, locked.secrets_shown = [], True
        locked.save(update_fields=["secrets", "secrets_shown", "updated_at"])
    return secrets


def jobs_sweep(*, now: datetime.datetime | None = None) -> int:
    """Forget uploads older than a day that are not being written (with their files and passwords), and the
    files plan uploads left under var/plan-uploads before they moved into the jobs; returns how many went."""
    now = now or timezone.now()
    cutoff = now - KEEP_FOR
    removed, _detail = ImportJob.objects.filter(updated_at__lt=cutoff).exclude(
        state__in=[ImportJob.State.QUEUED, ImportJob.State.RUNNING]
    ).delete()
    folder = Path(settings.VAR_DIR) / LEGACY_UPLOAD_FOLDER
    if folder.is_dir():
        for path in folder.iterdir():
            try:
                if path.is_file() and path.stat().st_mtime < cutoff.timestamp():
                    path.unlink()
                    removed += 1
            except OSError:
                continue  # another process swept it first
    return removed
