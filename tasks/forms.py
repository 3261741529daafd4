"""Forms of the set-up pages; every message is field-level and translated."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from .models import Target


class PlanUploadForm(forms.Form):
    document = forms.FileField(
        label=_("Plan document (.txt, .docx or .xlsx)"),
        help_text=_("The text of the 工作要点, or a 任务分解表 (序号, 工作任务, 具体措施, 责任领导, 牵头部门, 配合部门, "
                    "完成时限) in Word or Excel, or both in one Word document."),
    )
    organization = forms.CharField(
        label=_("Organization"), required=False, max_length=100, help_text=_("Leave empty to read it from the title.")
    )
    year = forms.IntegerField(
        label=_("Year"), required=False, min_value=2000, max_value=2100, help_text=_("Leave empty to read it from the title.")
    )


class TargetFillForm(forms.Form):
    value = forms.DecimalField(label=_("Target value"), required=False, min_value=Decimal(0), max_digits=14, decimal_places=2)
    no_number = forms.BooleanField(label=_("No number (keep as 待定)"), required=False)

    def __init__(self, *args, target: Target, **kwargs):
        super().__init__(*args, **kwargs)
        self.target = target
        if target.kind in (Target.Kind.PERCENTAGE, Target.Kind.COVERAGE):
            self.fields["value"].max_value = Decimal(100)
            self.fields["value"].validators.append(MaxValueValidator(Decimal(100)))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("value") is None and not cleaned.get("no_number") and "value" not in self.errors:
            self.add_error("value", _("Give the value, or tick “no number”."))
        if cleaned.get("value") is not None and cleaned.get("no_number"):
            # Both at once is a contradiction: it was saved as 待定 and the value silently lost.
            self.add_error("value", _("Either a value or “no number”, not both: clear one of them."))
        return cleaned


class PlanCloneForm(forms.Form):
    year = forms.IntegerField(label=_("New year"), min_value=2000, max_value=2100)
