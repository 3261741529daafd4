"""What progress adds to other apps' pages, and how it hears that a plan changed; registered when the app is ready."""

from django.utils import timezone

from core.dates import local_date
from tasks import extensions
from tasks import signals as plan_signals

from . import selectors, services


def recompute_after_plan_change(sender, *, plan, **kwargs) -> None:
    services.rollup_schedule(plan_id=plan.pk)


def plan_saved_or_deleted(sender, **kwargs) -> None:
    services.plans_forget()


def connect() -> None:
    from django.db.models.signals import post_delete, post_save

    from tasks.models import WorkPlan

    from .views import official_progress_panel, reports_panel

    post_save.connect(plan_saved_or_deleted, sender=WorkPlan, dispatch_uid="progress.plans_forget_saved")
    post_delete.connect(plan_saved_or_deleted, sender=WorkPlan, dispatch_uid="progress.plans_forget_deleted")

    extensions.register_item_panel(
        extensions.ItemPanel(name="official", template="progress/_official.html", order=0,
                             load=official_progress_panel, slot="head")
    )
    extensions.register_item_panel(
        extensions.ItemPanel(name="reports", template="progress/_item_reports.html", order=20, load=reports_panel)
    )
    extensions.register_item_figures(lambda plan, item_ids=None: selectors.item_figures(plan=plan, item_ids=item_ids))
    extensions.register_checkpoint_states(
        lambda item_ids: selectors.checkpoint_states(item_ids=item_ids, today=local_date(timezone.now())))
    plan_signals.plan_changed.connect(recompute_after_plan_change, dispatch_uid="progress.recompute_after_plan_change")
