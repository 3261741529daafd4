"""A portal with something worth backing up: reports with evidence files, written through the services.

Used in-process by the PostgreSQL test and, through `manage.py shell`, to fill a SQLite portal
in a subprocess (`seed_portal`).
"""

from __future__ import annotations

import os

from django.core.files.uploadedfile import SimpleUploadedFile

from departments.models import Department
from progress import services as progress_services
from progress.evidence import validate_evidence
from progress.models import ProgressReport
from tasks import services
from tasks.models import WorkItem
from tests.factories import submit_report


def _evidence(n: int):
    files = [
        (f"会议纪要{n}.pdf", b"%PDF-1.4\n" + os.urandom(40_000)),
        (f"现场照片{n}.png", b"\x89PNG\r\n\x1a\n" + os.urandom(250_000)),
        (f"台账{n}.txt", f"第{n}季度台账\n".encode() * 200),
    ]
    # Through the same content check as the report form.
    return [validate_evidence(SimpleUploadedFile(name, content)) for name, content in files]


def reports_with_evidence(*, department: Department, staff, head, reports: int = 3) -> list[ProgressReport]:
    """`reports` reports by `staff` on items `department` leads, three evidence files each; all but the
    last approved by `head` (the last one waits for review)."""
    items = list(
        WorkItem.objects.filter(responsibilities__department=department, responsibilities__role="lead").order_by("pk")
    )[:reports]
    written = []
    for n, item in enumerate(items, 1):
        report = submit_report(
            item=item, department=department, reporter=staff, status="in_progress", percent=10 * n,
            narrative=f"第{n}次进度报告：按计划推进。", evidence=_evidence(n),
        )
        if n < len(items):
            report = progress_services.report_approve(report=report, reviewer=head, comment="同意")
        written.append(report)
    return written


def seed_portal() -> None:
    """The 2020 plan, the demo accounts and the office's reports (for `manage.py shell -c`)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model

    from departments.demo import seed_demo_accounts

    services.plan_import_document(
        data=settings.SEED_PLAN_DOCUMENT.read_bytes(), filename=settings.SEED_PLAN_DOCUMENT.name
    )
    seed_demo_accounts()
    users = get_user_model().objects
    staff, head = users.get(username="d01-staff"), users.get(username="d01-head")
    reports_with_evidence(department=staff.memberships.get().department, staff=staff, head=head)
