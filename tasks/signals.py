"""Signals other apps listen to, so tasks never imports them (departments ← tasks ← brands)."""

from django.dispatch import Signal

# source: WorkPlan, clone: WorkPlan, items: {source item id: cloned WorkItem}
plan_cloned = Signal()

# --- brands (issue 6) ---------------------------------------------------------
# parsed: ParsedPlan, plan: WorkPlan, result: PlanImportResult (receivers add their
# changes and warnings to it). Sent at the end of tasks.services.plan_import, inside
# its transaction: a dry run rolls the receivers' writes back too.
plan_imported = Signal()
# report: ProgressReport, item: WorkItem (row-locked). Sent by tasks.services._approve
# once the report is marked approved and before a lead's report becomes the item's
# progress, inside the transaction: the receiver that owns a report (brands, for its
# milestone reports) may settle the report's percent and status from fresh data there.
report_approved = Signal()
# --- end brands ---------------------------------------------------------------

# plan: WorkPlan. Receivers return {item id: percent} for items whose progress another
# app measures (brands: item 18 is at the mean of its brands); the roll-up takes those
# as the items' reported percent.
rollup_reported_percent = Signal()
