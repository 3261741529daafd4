"""Forms of the set-up pages; every message is field-level and translated."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from core import numbers
from core.widgets import DateInput
from departments.models import Department

from .models import ReportingCycle, Section, Target, WorkItem, WorkPlan


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


# ---------------------------------------------------------------------------
# Checkpoints (节点) and reporting cycles. The forms check each field; the services check what
# needs the item (its year, its other checkpoints) and answer field by field too.


def _percent_field(label, **kwargs) -> forms.IntegerField:
    return forms.IntegerField(
        label=label, min_value=0, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={"min_value": _("The expected progress is a percentage from 0 to 100."),
                        "max_value": _("The expected progress is a percentage from 0 to 100."),
                        "invalid": _("Give a whole number from 0 to 100.")},
        **kwargs,
    )


class CheckpointForm(forms.Form):
    due_date = forms.DateField(label=_("Date"), widget=DateInput,
                               error_messages={"required": _("Give the date of the checkpoint."),
                                               "invalid": _("Give the date as YYYY-MM-DD.")})
    title = forms.CharField(label=_("What is due"), max_length=300,
                            error_messages={"required": _("Say what is due by this date.")})
    expected_percent = _percent_field(_("Expected progress (%)"), required=False,
                                      help_text=_("Empty: on the straight line between the dates around it."))
    department = forms.ModelChoiceField(queryset=Department.objects.none(), label=_("Lead department"), required=False,
                                        empty_label=_("the item's lead department"))

    def __init__(self, *args, item, checkpoint=None, **kwargs):
        if checkpoint is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "due_date": checkpoint.due_date, "title": checkpoint.title,
                "expected_percent": checkpoint.expected_percent, "department": checkpoint.department_id,
                **{f"target_{value.target_id}": numbers.plain(value.expected_value) for value in checkpoint.target_values.all()},
            }
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["department"].queryset = Department.objects.filter(responsibilities__item=item).order_by(
            "responsibilities__order")
        self.targets = list(item.targets.all())
        for target in self.targets:
            self.fields[f"target_{target.pk}"] = forms.DecimalField(
                label=_("Expected: %(target)s") % {"target": target.label}, required=False, min_value=Decimal(0),
                max_digits=14, decimal_places=2, widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
                help_text=(_("Target: %(value)s %(unit)s") % {"value": f"{target.target_value:g}", "unit": target.unit}
                           if target.target_value is not None else ""),
                error_messages={"min_value": _("An expected value cannot be negative."),
                                "invalid": _("Give a number.")},
            )

    def clean_title(self):
        title = self.cleaned_data["title"].strip()
        if not title:
            raise forms.ValidationError(_("Say what is due by this date."), code="required")
        return title

    @property
    def target_fields(self):
        return [self[f"target_{target.pk}"] for target in self.targets]

    def target_values(self) -> dict:
        return {target.pk: self.cleaned_data.get(f"target_{target.pk}") for target in self.targets}

    def service_arguments(self) -> dict:
        data = self.cleaned_data
        return {"due_date": data["due_date"], "title": data["title"], "expected_percent": data["expected_percent"],
                "department": data["department"], "target_values": self.target_values()}


class QuarterlyCheckpointsForm(forms.Form):
    """Quarter-end checkpoints for the chosen items (or every item of the chosen sections)."""

    items = forms.ModelMultipleChoiceField(queryset=WorkItem.objects.none(), required=False,
                                           widget=forms.CheckboxSelectMultiple)
    sections = forms.ModelMultipleChoiceField(queryset=Section.objects.none(), required=False,
                                              widget=forms.CheckboxSelectMultiple)
    q1 = _percent_field(_("31 March (%)"), initial=25)
    q2 = _percent_field(_("30 June (%)"), initial=50)
    q3 = _percent_field(_("30 September (%)"), initial=75)
    q4 = _percent_field(_("31 December (%)"), initial=100)

    def __init__(self, *args, plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan
        self.fields["items"].queryset = WorkItem.objects.filter(section__plan=plan)
        self.fields["sections"].queryset = Section.objects.filter(plan=plan)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("items") and not cleaned.get("sections") and "items" not in self.errors:
            self.add_error("items", _("Choose the items (or a whole section) to give quarterly checkpoints."))
        percents = [cleaned.get(name) for name in ("q1", "q2", "q3", "q4")]
        if None not in percents:
            for name, before, after in zip(("q2", "q3", "q4"), percents, percents[1:]):
                if after < before:
                    self.add_error(name, _("A later checkpoint cannot expect less than an earlier one."))
        return cleaned

    def item_ids(self) -> set[int]:
        chosen = {item.pk for item in self.cleaned_data["items"]}
        sections = [section.pk for section in self.cleaned_data["sections"]]
        if sections:
            chosen |= set(WorkItem.objects.filter(section_id__in=sections).values_list("pk", flat=True))
        return chosen

    def percents(self) -> tuple[int, int, int, int]:
        return tuple(self.cleaned_data[name] for name in ("q1", "q2", "q3", "q4"))


class PlanSettingsForm(forms.ModelForm):
    class Meta:
        model = WorkPlan
        fields = ["reporting_cycle", "reporting_day", "review_required", "completion_check_required", "extension_steps"]
        error_messages = {"reporting_day": {"max_value": _("The reporting day is a day from 1 to 28."),
                                            "min_value": _("The reporting day is a day from 1 to 28.")}}


class ItemCycleForm(forms.Form):
    reporting_cycle = forms.ChoiceField(label=_("Reporting cycle"), required=False,
                                        choices=[("", _("the plan's"))] + list(ReportingCycle.choices))
