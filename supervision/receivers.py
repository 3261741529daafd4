"""What supervision adds to other apps' pages and how it answers their signals, registered when the app is ready."""

from progress import signals as progress_signals
from tasks import extensions
from tasks import signals as plan_signals

from . import services


def summaries_for_imported_plan(sender, *, plan, result, **kwargs):
    services.requirements_ensure(plan=plan)


def summaries_for_cloned_plan(sender, *, source, clone, **kwargs):
    services.requirements_copy(source=source, clone=clone)


def ask_for_the_check(sender, *, report, item, **kwargs):
    """A lead department's "done", approved, is a request for 销号 where the plan asks for the check."""
    if report.role == "lead" and report.status == "done" and item.section.plan.completion_check_required:
        services.awaiting_check_notice(report=report)


def connect() -> None:
    from .views import instructions_panel, summaries_setup_panel, supervision_panel

    extensions.register_setup_panel(
        extensions.SetupPanel(name="summaries", template="supervision/_setup_summaries.html", order=10,
                              load=summaries_setup_panel)
    )
    extensions.register_item_panel(
        extensions.ItemPanel(
            name="instructions", template="supervision/_item_instructions.html", order=10, load=instructions_panel
        )
    )
    extensions.register_item_panel(
        extensions.ItemPanel(name="supervision", template="supervision/_item_supervision.html", order=5,
                             load=supervision_panel)
    )
    plan_signals.plan_imported.connect(summaries_for_imported_plan, dispatch_uid="supervision.summaries_on_import")
    plan_signals.plan_cloned.connect(summaries_for_cloned_plan, dispatch_uid="supervision.summaries_on_clone")
    progress_signals.report_approved.connect(ask_for_the_check, dispatch_uid="supervision.ask_for_the_check")
