"""Named summary reports (半年总结, 年终总结): every responsible department sends one by its date."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from core.dates import shift_year
from tasks.models import WorkPlan

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
