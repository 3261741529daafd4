"""Brands' answers to other apps' signals and registries: thin, each calls one service or selector.

Nothing below brands imports it: tasks, progress and departments send signals
(or keep registries) and brands answers them here.
"""

from django.urls import reverse
from django.utils.translation import gettext as _

from departments import signals as department_signals
from progress import signals as progress_signals
from tasks import extensions
from tasks import signals as plan_signals

from . import selectors, services


def sync_brands_after_import(sender, *, parsed, plan, result, **kwargs):
    """After a plan import: the document's brands, reported in the import's changes (and its dry run)."""
    sync = services.brands_sync_from_plan(plan=plan, parsed=parsed)
    for brand in sync.created:
        result.created += 1
        result.changes.append(_("New brand: %(name)s") % {"name": brand.name})
    result.warnings.extend(sync.warnings)


def apply_approved_milestone_report(sender, *, report, item, **kwargs):
    services.milestone_report_apply(report=report)


def brand_progress_for_rollup(sender, *, plan, **kwargs):
    """The item that names brands (item 18 of 2020): its reported part is the mean of its brands' progress."""
    return "brands", selectors.item_brand_progress(plan=plan)


def copy_brands_to_cloned_plan(sender, *, source, clone, items, **kwargs):
    services.brands_copy_to_plan(source=source, clone=clone, items=items)


def hand_over_brands(sender, *, source, successor, **kwargs) -> int:
    """A department handed over: the brands it owns or supports go to its successor with its items."""
    return services.brands_hand_over(source=source, successor=successor)


def brand_links(plan) -> dict:
    """The plan page's and the dashboard's link to the brands, under each section whose items name brands."""
    url = reverse("brands:board") + f"?plan={plan.pk}"
    label = _("Flagship brands: progress and timeline")
    return {section_id: [extensions.Link(label, url, kind="brands")]
            for section_id in selectors.sections_with_brands(plan_id=plan.pk)}


def connect() -> None:
    plan_signals.plan_imported.connect(sync_brands_after_import, dispatch_uid="brands.sync_after_import")
    plan_signals.plan_cloned.connect(copy_brands_to_cloned_plan, dispatch_uid="brands.copy_to_cloned_plan")
    progress_signals.report_approved.connect(apply_approved_milestone_report, dispatch_uid="brands.apply_milestone_report")
    progress_signals.rollup_reported_percent.connect(brand_progress_for_rollup, dispatch_uid="brands.progress_for_rollup")
    department_signals.department_handover.connect(hand_over_brands, dispatch_uid="brands.hand_over")
    extensions.register_section_links("brands", brand_links)
