"""Signals of progress, for the apps above it (brands): progress never imports them."""

from django.dispatch import Signal

# report: ProgressReport, item: WorkItem (row-locked). Sent by progress.services once the
# report is marked approved and before a lead's report becomes the item's progress, inside
# the transaction: the receiver that owns a report (brands, for its milestone reports) may
# settle the report's percent and status from fresh data there.
report_approved = Signal()

# plan: WorkPlan. Receivers return (who, {item id: percent}) for items whose progress another
# app measures (("brands", …): the item that names brands is at the mean of its brands); the
# roll-up takes those as the items' reported part and says who measured it.
rollup_reported_percent = Signal()
