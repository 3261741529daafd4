"""People lists as imports (departments.jobs): the check is the preview of every row, the writing is
people_import in chunks of PEOPLE_CHUNK people, each committing with the passwords it made."""

from __future__ import annotations

import math
from dataclasses import asdict

from django.utils.translation import gettext as _

from . import jobs, selectors, services
from .importer.people import PeopleFileError, PersonRow, parse_people, read_people_file
from .models import ImportJob


def checked_people(job: ImportJob) -> list[PersonRow]:
    """The job's list, read and checked as the preview and the confirmation both see it."""
    try:
        rows = read_people_file(bytes(job.document), filename=job.filename)
        return parse_people(rows, department_names=selectors.active_department_names())
    except PeopleFileError as error:
        raise jobs.ImportRefused([str(error)]) from error


def check(job: ImportJob) -> dict:
    people = checked_people(job)
    statuses = services.people_statuses(people=people)
    rows = [asdict(person) | {"status": statuses.get(person.username, "new")} for person in people]
    return {"rows": rows, "has_errors": any(person.errors for person in people),
            "new": sum(row["status"] == "new" for row in rows),
            "deactivated": [row["username"] for row in rows if row["status"] == "deactivated"]}


class PeopleSteps(jobs.Steps):
    def __init__(self, job: ImportJob):
        self.people = checked_people(job)
        wrong = [person for person in self.people if person.errors]
        if wrong:
            raise jobs.ImportRefused(
                _("Row %(line)d: %(errors)s") % {"line": person.line, "errors": "；".join(person.errors)}
                for person in wrong
            )
        self.reactivate = frozenset((job.options or {}).get("reactivate") or ())
        self.count = max(math.ceil(len(self.people) / services.PEOPLE_CHUNK), 1)

    def run(self, step: int, state: dict, secrets: list) -> dict:
        chunk = self.people[step * services.PEOPLE_CHUNK: (step + 1) * services.PEOPLE_CHUNK]
        result = services.people_import(people=chunk, reactivate=self.reactivate)
        secrets.extend([user.username, user.get_full_name(), password] for user, password in result.created)
        counts = {key: state.get(key, 0) for key in ("created", "updated", "unchanged", "reactivated", "kept_inactive")}
        for key in counts:
            counts[key] += len(getattr(result, key))
        return counts | {"people": min((step + 1) * services.PEOPLE_CHUNK, len(self.people)), "total": len(self.people)}


def register() -> None:
    jobs.register_runner(ImportJob.Kind.PEOPLE, jobs.Runner(check=check, prepare=PeopleSteps))
