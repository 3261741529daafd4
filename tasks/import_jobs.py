"""Plan documents as background imports (departments.jobs): the check is the importer's dry run, the
writing is PlanImportRun's steps. Registered with departments.jobs when the app starts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from departments import jobs
from departments.models import ImportJob

from . import services
from .importer import PlanParseError

# Up to this many items a plan is checked and written inside the request (under a second or two);
# a larger one is a background job with its progress on the upload page.
INLINE_ITEMS = 300


def _options(job: ImportJob) -> dict:
    options = job.options or {}
    return {"organization": options.get("organization") or None, "year": options.get("year"),
            "alias_choices": options.get("aliases") or {}}


def _document(job: ImportJob) -> services.PlanDocument:
    try:
        return services.plan_document_read(data=bytes(job.document), filename=job.filename, **_options(job))
    except PlanParseError as error:
        raise jobs.ImportRefused(error.problems) from error


def check(job: ImportJob) -> dict:
    document = _document(job)
    result = services.plan_import(parsed=document.parsed, source_name=document.source_name,
                                  source_text=document.source_text, dry_run=True)
    return result.as_dict()


class PlanSteps(jobs.Steps):
    def __init__(self, job: ImportJob):
        document = _document(job)
        self.import_run = services.PlanImportRun(
            parsed=document.parsed, source_name=document.source_name, source_text=document.source_text,
            removals=(job.options or {}).get("removals") or {}, user=job.created_by,
        )
        undecided = [loss for loss in self.import_run.losses() if not self.import_run.decided(loss.key)]
        if undecided:
            raise jobs.ImportRefused(
                [_("%(count)d removals need your choice before the import; check the document again.")
                 % {"count": len(undecided)}] + [loss.label for loss in undecided]
            )
        self.count = self.import_run.steps

    def run(self, step: int, state: dict, secrets: list) -> dict:
        result = services.PlanImportResult.from_dict(state) if state else self.import_run.new_result()
        self.import_run.run_step(step, result)
        return result.as_dict()


def register() -> None:
    jobs.register_runner(ImportJob.Kind.PLAN, jobs.Runner(check=check, prepare=PlanSteps))
