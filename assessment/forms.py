"""Forms of the year-end assessment; every message is field-level and translated."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.widgets import DateInput

from progress.evidence import validate_evidence
from progress.forms import MultipleFileField, lazy_formatted

from .models import Part, Scheme
from .services import MAX_EVIDENCE_PER_ENTRY

POINTS = {"max_digits": 5, "decimal_places": 1}


class SchemeForm(forms.Form):
    total = forms.DecimalField(label=_("Total points"), min_value=Decimal(1), max_value=Decimal(1000), **POINTS)
    opens_on = forms.DateField(label=_("Self-assessment opens"), widget=DateInput)
    due_on = forms.DateField(label=_("Self-assessment due"), widget=DateInput)
    results_visible = forms.ChoiceField(label=_("After sign-off, scores are seen by"),
                                        choices=Scheme.Visibility.choices)


class PartForm(forms.Form):
    id = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(label=_("Computed from"), choices=Part.Kind.choices)
    name = forms.CharField(label=_("Name"), max_length=100)
    points = forms.DecimalField(label=_("Points"), min_value=Decimal(0), max_value=Decimal(1000), **POINTS)
    per_case = forms.DecimalField(label=_("Per case"), min_value=Decimal(0), max_value=Decimal(100), required=False,
                                  max_digits=4, decimal_places=1)


PartFormSet = forms.formset_factory(PartForm, extra=1, can_delete=True, max_num=30, validate_max=True)


class EntryForm(forms.Form):
    text = forms.CharField(label=_("Self-assessment"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("What was done against the targets, with figures; what is left."),
                           error_messages={"required": _("Say what was done and how far the item came.")})
    evidence = MultipleFileField(label=_("Evidence files"), required=False,
                                 help_text=lazy_formatted(_("Up to %(count)d files per item, checked like a report's."),
                                                          count=MAX_EVIDENCE_PER_ENTRY))
    version = forms.IntegerField(widget=forms.HiddenInput)

    def clean_evidence(self):
        return [validate_evidence(upload) for upload in self.cleaned_data["evidence"]]


class ClaimForm(forms.Form):
    points = forms.DecimalField(label=_("Points asked for"), min_value=Decimal(-100), max_value=Decimal(100), **POINTS)
    reason = forms.CharField(label=_("For what"), max_length=2000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class HeadDecisionForm(forms.Form):
    class Decision:
        SEND = "send"
        RETURN = "return"

    decision = forms.ChoiceField(choices=[(Decision.SEND, _("Approve and send")), (Decision.RETURN, _("Return"))])
    comment = forms.CharField(label=_("Comment"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.Decision.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say what is still missing."))
        return cleaned


class ManualScoreForm(forms.Form):
    part = forms.ModelChoiceField(queryset=Part.objects.none(), label=_("Part"), empty_label=None)
    points = forms.DecimalField(label=_("Points (negative: a deduction)"), min_value=Decimal(-100),
                                max_value=Decimal(100), **POINTS)
    reason = forms.CharField(label=_("Reason"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}),
                             error_messages={"required": _("Say what the points are for.")})

    def __init__(self, *args, scheme, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["part"].queryset = scheme.parts.filter(kind=Part.Kind.MANUAL)


class AdjustmentForm(forms.Form):
    points = forms.DecimalField(label=_("Adjustment (points)"), min_value=Decimal(-1000), max_value=Decimal(1000),
                                **POINTS)
    comment = forms.CharField(label=_("Why"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class SignOffForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
