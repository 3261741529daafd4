"""Demo milestones and progress for a local portal: never used in production data."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from departments.models import Membership
from progress import services as progress_services
from tasks import selectors as task_selectors
from tasks.models import WorkItem, WorkPlan

from . import services
from .models import Brand, Level


def _steps(brand: Brand) -> list[tuple[str, datetime.date]]:
    year = brand.start_date.year
    return [
        (_("Work plan and pilot sites settled"), datetime.date(year, 6, 30)),
        (_("Recognized as a city-level brand"), datetime.date(year, 12, 31)),
        (_("Provincial-level brand applied for"), brand.target_date),
    ]


def _member(department, role):
    membership = (
        Membership.objects.filter(department=department, role=role, user__is_active=True)
        .select_related("user")
        .order_by("user__username")
        .first()
    )
    return membership.user if membership else None


@transaction.atomic
def seed_brand_milestones(*, plan: WorkPlan | None = None) -> list[Brand]:
    """Three milestones per brand that has none, and for the first one an approved report.

    The report is made by a staff member of the owner department and approved
    by its head (demo accounts: run seed_demo first), through the same services
    as the pages, so the demo shows real history. Brands with milestones are
    left alone: running it twice changes nothing.
    """
    plan = plan or task_selectors.plan_current()
    if plan is None:
        return []
    seeded = []
    with translation.override(settings.LANGUAGE_CODE):
        for position, brand in enumerate(Brand.objects.filter(plan=plan).select_related("owner", "item").order_by("order")):
            if brand.milestones.exists():
                continue
            milestones = [
                services.milestone_create(brand=brand, title=title, due_date=due, order=order)
                for order, (title, due) in enumerate(_steps(brand), 1)
            ]
            if brand.level == Level.NONE and position % 2 == 0:
                brand.level = Level.CITY if position == 0 else Level.COUNTY
                brand.save(update_fields=["level", "updated_at"])
            seeded.append(brand)
            staff, head = _member(brand.owner, Membership.Role.MEMBER), _member(brand.owner, Membership.Role.HEAD)
            if brand.owner is None or staff is None or head is None:
                continue
            percent = 100 if position % 2 == 0 else 60
            status = WorkItem.Status.DONE if percent == 100 else WorkItem.Status.IN_PROGRESS
            item = WorkItem.objects.get(pk=brand.item_id)
            link = services.milestone_report_submit(
                milestone=milestones[0],
                department=brand.owner,
                reporter=staff,
                status=status,
                percent=percent,
                narrative=_("Brand work plan issued; pilot units chosen and briefed."),
                evidence=[],
                base_version=item.version,
            )
            if link.report.state == link.report.State.SUBMITTED:
                progress_services.report_approve(report=link.report, reviewer=head, comment=_("Agreed."))
    return seeded
