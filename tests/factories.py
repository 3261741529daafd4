"""Test data in one line each: a report as a department submits it, approved or not.

The writes go through the services (no hand-built rows), so a factory-made
report is exactly what a user's report would be.
"""

from __future__ import annotations

from decimal import Decimal

from progress import services as progress_services
from progress.evidence import EvidenceUpload


def submit_report(
    *,
    item,
    department,
    reporter,
    status: str = "in_progress",
    percent: int = 50,
    narrative: str = "按计划推进。",
    readings: dict[int, Decimal] | None = None,
    evidence: list[EvidenceUpload] | None = None,
    base_version: int | None = None,
    checkpoint=None,
    narrative_visibility: str | None = None,
    evidence_visibility: str | None = None,
):
    """`department`'s report on `item`, based on the item's current version unless told otherwise;
    its narrative and files as the plan's default (部门内) unless told otherwise."""
    if base_version is None:
        item.refresh_from_db(fields=["version"])
        base_version = item.version
    return progress_services.report_submit(
        item=item, department=department, reporter=reporter, status=status, percent=percent, narrative=narrative,
        readings=readings or {}, evidence=evidence or [], base_version=base_version, checkpoint=checkpoint,
        narrative_visibility=narrative_visibility, evidence_visibility=evidence_visibility,
    )


def approved_report(*, reviewer, **fields):
    """A submitted report, then approved by `reviewer` (a head of the department, or a plan admin)."""
    report = submit_report(**fields)
    return progress_services.report_approve(report=report, reviewer=reviewer)


def pdf_upload(name: str = "plan.pdf", content: bytes = b"%PDF-1.4\n"):
    """A small PDF, as the evidence field would hand it over."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return EvidenceUpload(name, "application/pdf", len(content), SimpleUploadedFile(name, content))
