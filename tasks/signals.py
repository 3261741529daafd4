"""Signals other apps listen to, so tasks never imports them."""

from django.dispatch import Signal

# parsed: ParsedPlan, plan: WorkPlan, result: PlanImportResult (receivers add their
# changes and warnings to it). Sent at the end of tasks.services.plan_import, inside
# its transaction: a dry run rolls the receivers' writes back too.
plan_imported = Signal()

# source: WorkPlan, clone: WorkPlan, items: {source item id: cloned WorkItem}. Sent inside
# plan_clone's transaction, after the plan's own parts are copied.
plan_cloned = Signal()

# plan: WorkPlan. Sent (inside the transaction) when something the official progress is computed
# from changed in the plan itself: a target value filled, an import, an admin's edit of items,
# targets, responsibilities or checkpoints. Progress answers by recomputing after commit.
plan_changed = Signal()
