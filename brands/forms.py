"""The milestone report form: the progress report form, for one of the brand's milestones."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from progress.forms import ProgressReportForm
from tasks.models import WorkItem

from .models import Brand, Milestone


class MilestoneReportForm(ProgressReportForm):
    """Department, status, percent, narrative, evidence and the item's version, as progress checks them;
    status and percent are the milestone's, and no target readings (targets are reported on the item)."""

    milestone = forms.ModelChoiceField(queryset=None, label=_("Milestone"), empty_label=None)
    field_order = ["milestone", "department", "status", "percent", "narrative", "evidence"]

    def __init__(self, *args, brand: Brand, departments, **kwargs):
        super().__init__(*args, item=brand.item, departments=departments, **kwargs)
        for target in self.targets:
            del self.fields[f"target_{target.pk}"]
        self.targets = []
        milestones = list(brand.milestones.all())
        # Only this brand's milestones are valid choices: another brand's id is refused on the field.
        self.fields["milestone"].queryset = Milestone.objects.filter(brand_id=brand.pk).order_by("order", "due_date", "pk")
        self.fields["milestone"].label_from_instance = lambda m: f"{m.title} · {m.due_date:%Y-%m-%d}"
        self.fields["status"].label = _("Milestone status")
        self.fields["percent"].label = _("Milestone percent complete")
        upcoming = next((m for m in milestones if m.status != WorkItem.Status.DONE), milestones[0] if milestones else None)
        if upcoming is not None:
            self.fields["milestone"].initial = upcoming.pk
            self.fields["status"].initial = upcoming.status
            self.fields["percent"].initial = upcoming.percent
