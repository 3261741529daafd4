"""Forms of supervision; every message is field-level and translated."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput
from departments.models import Department


def _not_in_the_past(day: datetime.date | None, message) -> datetime.date | None:
    if day is not None and day < timezone.localdate():
        raise forms.ValidationError(message, code="past")
    return day


class InstructionForm(forms.Form):
    text = forms.CharField(label=_("Instruction"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(), label=_("To the departments"), required=False,
        widget=forms.CheckboxSelectMultiple, help_text=_("Empty: the item's departments."),
    )
    due_date = forms.DateField(label=_("Deadline (办理时限)"), required=False, widget=DateInput)

    def __init__(self, *args, item=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(is_active=True)
        if item is not None:
            mine = [r.department_id for r in item.responsibilities.all()]
            self.fields["departments"].initial = mine
        self.fields["departments"].queryset = departments

    def clean_due_date(self):
        return _not_in_the_past(self.cleaned_data.get("due_date"),
                                _("The deadline has passed already; give a date from today on."))


class AssignmentForm(InstructionForm):
    """交办事项: an instruction from a meeting that becomes an item of its own."""

    title = forms.CharField(label=_("What is assigned (title)"), max_length=300)
    field_order = ["title", "text", "departments", "due_date"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].required = True
        self.fields["departments"].error_messages["required"] = _("Choose at least one department.")
        self.fields["departments"].help_text = _("The first one leads.")
        self.fields["due_date"].required = True


class InstructionReplyForm(forms.Form):
    reply = forms.CharField(label=_("Reply"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class InstructionConclusionForm(forms.Form):
    class Decision:
        CLOSE = "close"
        RETURN = "return"

    decision = forms.ChoiceField(choices=[(Decision.CLOSE, _("Confirm: done (办结)")),
                                          (Decision.RETURN, _("Return to the departments"))])
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.Decision.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say what is still missing."))
        return cleaned


class ChaseForm(forms.Form):
    message = forms.CharField(label=_("Message"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    reply_by = forms.DateField(label=_("Answer by"), widget=DateInput)
    departments = forms.ModelMultipleChoiceField(
        queryset=Department.objects.none(), label=_("Chase these departments"), widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one department to chase.")},
    )

    def __init__(self, *args, late=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.late = list(late)
        self.fields["departments"].queryset = Department.objects.filter(pk__in=[entry.department.pk for entry in self.late])
        self.fields["departments"].initial = [entry.department.pk for entry in self.late]
        self.fields["reply_by"].initial = timezone.localdate() + datetime.timedelta(days=3)

    def clean_reply_by(self):
        return _not_in_the_past(self.cleaned_data.get("reply_by"),
                                _("The answer-by date has passed already; give a date from today on."))

    def targets(self) -> dict:
        chosen = {d.pk for d in self.cleaned_data["departments"]}
        return {entry.department: list(entry.items) for entry in self.late if entry.department.pk in chosen}


class ChaseAnswerForm(forms.Form):
    answer = forms.CharField(label=_("Answer"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class ExtensionForm(forms.Form):
    checkpoint = forms.ModelChoiceField(queryset=None, label=_("For"), required=False,
                                        empty_label=_("the item's due date"))
    new_due = forms.DateField(label=_("New date"), widget=DateInput)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
                             error_messages={"required": _("Say why more time is needed.")})

    def __init__(self, *args, item, **kwargs):
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        self.fields["checkpoint"].queryset = item.checkpoints.filter(due_date__gte=today).order_by("due_date")
        self.fields["checkpoint"].label_from_instance = lambda c: f"{c.due_date:%Y-%m-%d} {c.title}"
        self.item = item

    def clean_reason(self):
        reason = self.cleaned_data["reason"]
        if not reason.strip():
            raise forms.ValidationError(_("Say why more time is needed."))
        return reason

    def clean(self):
        cleaned = super().clean()
        new_due, checkpoint = cleaned.get("new_due"), cleaned.get("checkpoint")
        current = checkpoint.due_date if checkpoint is not None else self.item.due_date
        if new_due is not None and new_due <= current:
            self.add_error("new_due", _("The new date must be after the current one (%(date)s).") % {"date": current})
        return cleaned


class DecisionForm(forms.Form):
    """A yes or no with a comment (a no needs one): extensions, completion checks."""

    class Decision:
        APPROVE = "approve"
        REFUSE = "refuse"

    decision = forms.ChoiceField(choices=[(Decision.APPROVE, _("Yes")), (Decision.REFUSE, _("No"))])
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.Decision.REFUSE and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say why."))
        return cleaned

    @property
    def approved(self) -> bool:
        return self.cleaned_data["decision"] == self.Decision.APPROVE


class SummaryForm(forms.Form):
    department = forms.ModelChoiceField(queryset=None, label=_("Department"), empty_label=None)
    text = forms.CharField(label=_("The summary"), max_length=20000, widget=forms.Textarea(attrs={"rows": 8}))

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments


class SummaryRequirementForm(forms.Form):
    """One named summary report of a plan (半年总结 by 07-10) on the set-up page; the service checks the rest."""

    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("Summary report"), required=False, max_length=100)
    due_date = forms.DateField(label=_("Due by"), required=False, widget=DateInput,
                               error_messages={"invalid": _("Give the date as YYYY-MM-DD.")})


SummaryRequirementFormSet = forms.formset_factory(SummaryRequirementForm, extra=1, can_delete=True, max_num=20,
                                                  validate_max=True)


def summary_requirement_formset(plan, data=None) -> forms.BaseFormSet:
    initial = [{"id": r.pk, "name": r.name, "due_date": r.due_date} for r in plan.summary_requirements.all()]
    return SummaryRequirementFormSet(data, initial=initial, prefix="summaries")
