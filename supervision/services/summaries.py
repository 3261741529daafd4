"""Named summary reports (半年总结, 年终总结): every responsible department sends one by its date."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core.dates import shift_year
from tasks.models import WorkPlan
from tasks.services import PlanClosed

from ..models import SummaryReport, SummaryRequirement


def default_requirements(year: int) -> list[tuple[str, datetime.date]]:
    """What a 市总工会 asks for by default: the half-year summary by 10 July, the year's by 20 December."""
    return [(_("Half-year summary"), datetime.date(year, 7, 10)), (_("Year-end summary"), datetime.date(year, 12, 20))]


@transaction.atomic
def requirements_ensure(*, plan: WorkPlan) -> list[SummaryRequirement]:
    """The plan's default summary reports, created once (an admin edits or removes them afterwards)."""
    if plan.summary_requirements.exists():
        return []
    return SummaryRequirement.objects.bulk_create(
        SummaryRequirement(plan=plan, name=name, due_date=due) for name, due in default_requirements(plan.year)
    )


@transaction.atomic
def requirements_copy(*, source: WorkPlan, clone: WorkPlan) -> None:
    years = clone.year - source.year
    SummaryRequirement.objects.bulk_create(
        SummaryRequirement(plan=clone, name=r.name, due_date=shift_year(r.due_date, years))
        for r in source.summary_requirements.all()
    )


@transaction.atomic
def summary_submit(*, requirement: SummaryRequirement, department, user, text: str) -> SummaryReport:
    """A department's summary; sending again replaces nothing (the latest one counts, all are kept)."""
    report = SummaryReport(requirement=requirement, department=department, author=user, text=text)
    report.full_clean()
    report.save()
    return report


@dataclass(frozen=True)
class RequirementRow:
    """One row of the set-up page's table: an existing requirement (or None for a new one) and what it becomes."""

    requirement: SummaryRequirement | None
    name: str
    due_date: datetime.date | None
    delete: bool = False


@transaction.atomic
def requirements_save(*, plan: WorkPlan, user, rows: list[RequirementRow]) -> int:
    """Add, change and remove the plan's named summary reports in one go; returns how many changed.

    Refused (ValidationError, keyed "<row index>-<field>") for an empty name, a date outside the plan's
    year, a name twice, or removing one that departments have sent already; nothing is half-saved.
    Refused (PlanClosed) on a closed plan."""
    locked = WorkPlan.objects.select_for_update().get(pk=plan.pk)
    if locked.status == WorkPlan.Status.CLOSED:
        raise PlanClosed(locked)
    problems, names = {}, {}
    for index, row in enumerate(rows):
        if row.delete:
            if row.requirement is not None and row.requirement.reports.exists():
                problems[f"{index}-DELETE"] = _("Departments have sent this summary already; it stays.")
            continue
        name = (row.name or "").strip()
        if not name:
            problems[f"{index}-name"] = _("Give the summary's name.")
        elif name in names:
            problems[f"{index}-name"] = _("Each summary is named once.")
        names[name] = index
        if row.due_date is None:
            problems[f"{index}-due_date"] = _("Give the date it is due.")
        elif not locked.year_start <= row.due_date <= locked.year_end:
            problems[f"{index}-due_date"] = _("The date must fall within the plan's year (%(start)s to %(end)s).") % {
                "start": f"{locked.year_start:%Y-%m-%d}", "end": f"{locked.year_end:%Y-%m-%d}"}
    if problems:
        raise ValidationError(problems)
    changed = 0
    deleted = [row.requirement for row in rows if row.delete and row.requirement is not None]
    for requirement in deleted:
        requirement._history_user = user
        requirement.delete()
        changed += 1
    for row in rows:
        if row.delete:
            continue
        requirement = row.requirement or SummaryRequirement(plan=locked)
        name = row.name.strip()
        if requirement.pk and (requirement.name, requirement.due_date) == (name, row.due_date):
            continue  # unchanged: no history line
        requirement.name, requirement.due_date = name, row.due_date
        requirement._history_user = user
        requirement.save()
        changed += 1
    return changed
