"""Brands' answers to tasks' signals: thin, each calls one service (tasks never imports brands)."""

from django.utils.translation import gettext as _

from . import services


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
    """Item 18 (or whichever item names brands) is at the mean of its brands' progress."""
    from . import selectors

    return selectors.item_brand_progress(plan=plan)


def copy_brands_to_cloned_plan(sender, *, source, clone, items, **kwargs):
    services.brands_copy_to_plan(source=source, clone=clone, items=items)
