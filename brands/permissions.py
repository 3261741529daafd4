"""May this user see brands, or report a brand's milestones? Asks tasks and progress, never guardian.

A milestone report is a progress report on the brand's item, so the item's
rules apply (its responsible departments report, their heads review, a closed
plan is read-only); on top, only the brand's owner and supporting departments
report its milestones.
"""

from __future__ import annotations

from progress import permissions as progress_permissions
from tasks import permissions as plan_permissions

from .models import Brand
from .services import brand_department_ids


def can_view_brands(user, plan) -> bool:
    return plan_permissions.can_view_plan(user, plan)


def milestone_reporting_departments(user, brand: Brand) -> list:
    """The user's departments that may report `brand`'s milestones (expects brand_page's prefetches)."""
    allowed = brand_department_ids(brand)
    return [d for d in progress_permissions.reporting_departments(user, brand.item) if d.pk in allowed]
