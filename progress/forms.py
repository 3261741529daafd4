"""Forms of reporting and review; every message is field-level and translated."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from core import numbers
from tasks.models import Checkpoint, Target, Visibility, WorkItem

from .evidence import (
    ALLOWED,
    MAX_DEPARTMENT_BYTES_PER_DAY,
    MAX_EVIDENCE_BYTES,
    MAX_EVIDENCE_FILES,
    MAX_REPORT_BYTES,
    validate_evidence,
)
from .models import Evidence, PendingUpload


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


def _formatted(text, values: dict) -> str:
    return str(text) % values


_lazy_formatted = lazy(_formatted, str)


def lazy_formatted(text, **values):
    """A lazy message with its numbers filled in when shown, in the reader's language.

    `_("… %(count)d …") % {...}` on a form's class translates once, at import, in the default
    language: the English page showed the Chinese help text.
    """
    return _lazy_formatted(text, values)


def _target_field(target: Target) -> forms.DecimalField:
    rate = target.kind in (Target.Kind.PERCENTAGE, Target.Kind.COVERAGE)
    label = target.label
    if target.kind == Target.Kind.COVERAGE:
        help_text = _("Coverage reached so far, in %; 100 means full coverage.")
    elif target.target_value is None:
        help_text = _("Target: to be set (%(unit)s)") % {"unit": target.unit or "—"}
    else:
        help_text = _("Target: %(value)s %(unit)s") % {"value": numbers.quantity(target.target_value), "unit": target.unit}
    return forms.DecimalField(
        label=label,
        required=False,
        min_value=Decimal(0),
        max_value=Decimal(100) if rate else None,
        max_digits=14,
        decimal_places=2,
        help_text=help_text,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class ProgressReportForm(forms.Form):
    department = forms.ModelChoiceField(queryset=None, label=_("Reporting department"), empty_label=None)
    status = forms.ChoiceField(label=_("Status"), choices=WorkItem.Status.choices)
    checkpoint = forms.ModelChoiceField(
        queryset=Checkpoint.objects.none(), label=_("Checkpoint answered"), required=False,
        empty_label=_("(none: a report of the cycle)"),
        help_text=_("The checkpoint (节点) this report answers; an approved report reaching its expectation meets it."),
        error_messages={"invalid_choice": _("Choose one of this item's checkpoints.")},
    )
    percent = forms.IntegerField(
        label=_("Percent complete"), min_value=0, max_value=100, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    narrative = forms.CharField(
        label=_("Progress description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What was done, with figures; what is next."),
    )
    evidence = MultipleFileField(
        label=_("Evidence files"),
        required=False,
        help_text=lazy_formatted(
            _("Up to %(count)d files: PDF, Word, Excel, PowerPoint, images, text or zip; at most 10 MB each."),
            count=MAX_EVIDENCE_FILES,
        ),
        widget=MultipleFileInput(attrs={
            # Checked in the browser before anything is sent (static/js/unionplan.js); the server checks again.
            "accept": ",".join(ALLOWED), "data-max-bytes": MAX_EVIDENCE_BYTES, "data-max-files": MAX_EVIDENCE_FILES,
        }),
    )
    kept = forms.ModelMultipleChoiceField(
        label=_("Files kept from the returned report"), queryset=None, required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    pending = forms.ModelMultipleChoiceField(
        label=_("Files already uploaded"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
        help_text=_("Kept for a day; untick a file to leave it out."),
    )
    narrative_visibility = forms.ChoiceField(
        label=_("Who may read the description"), choices=Visibility.choices, required=False,
        help_text=_("Within the department: your department, its reviewers, the supervision office and leadership."),
    )
    evidence_visibility = forms.ChoiceField(
        label=_("Who may see the evidence files"), choices=Visibility.choices, required=False,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, item: WorkItem, departments, default_checkpoint: int | None = None,
                 has_checkpoints: bool | None = None, returned=None, pending=None, **kwargs):
        """`returned`: the department's report that came back (the form opens with it);
        `pending`: the user's files kept from a refused submit (a queryset of PendingUpload)."""
        super().__init__(*args, **kwargs)
        self.item = item
        self.fields["checkpoint"].queryset = Checkpoint.objects.filter(item=item).order_by("due_date", "order", "pk")
        self.fields["checkpoint"].label_from_instance = lambda c: f"{c.due_date:%Y-%m-%d} {c.title}" + (
            f" ({c.expected_percent}%)" if c.expected_percent is not None else "")
        self.fields["checkpoint"].initial = default_checkpoint
        # Whether to show the choice (None: ask); the page knows it already from the default.
        self.has_checkpoints = has_checkpoints
        # The plan's default (set by its admins) unless the reporter picks otherwise.
        default = item.section.plan.evidence_visibility
        self.fields["narrative_visibility"].initial = self.fields["evidence_visibility"].initial = default
        self.returned = returned
        self.fields["kept"].queryset = (
            Evidence.objects.filter(report=returned) if returned is not None else Evidence.objects.none()
        )
        self.fields["pending"].queryset = pending if pending is not None else PendingUpload.objects.none()
        for name in ("kept", "pending"):
            self.fields[name].label_from_instance = lambda upload: upload.original_name
        self.fields["department"].queryset = departments
        if len(departments) == 1:
            # Nothing to choose: the one department is implied, even if a client omits it.
            self.fields["department"].widget = forms.HiddenInput()
            self.fields["department"].initial = departments[0].pk
            self.fields["department"].required = False
            self.only_department = departments[0]
        else:
            self.only_department = None
        self.targets = list(item.targets.all())
        for target in self.targets:
            self.fields[f"target_{target.pk}"] = _target_field(target)
        self.fields["status"].initial = item.status
        self.fields["percent"].initial = item.progress_percent
        self.fields["version"].initial = item.version
        if returned is not None:
            # Nothing retyped: the report that came back, as it was sent, to correct and send again.
            self.fields["status"].initial = returned.status
            self.fields["percent"].initial = returned.percent
            self.fields["narrative"].initial = returned.narrative
            self.fields["narrative_visibility"].initial = returned.narrative_visibility
            if returned.checkpoint_id:
                self.fields["checkpoint"].initial = returned.checkpoint_id
            self.fields["department"].initial = returned.department_id
            for reading in returned.readings.all():
                if f"target_{reading.target_id}" in self.fields:
                    self.fields[f"target_{reading.target_id}"].initial = numbers.plain(reading.value)
        self.fields["kept"].initial = list(self.fields["kept"].queryset.values_list("pk", flat=True))
        self.fields["pending"].initial = list(self.fields["pending"].queryset.values_list("pk", flat=True))

    @property
    def target_fields(self):
        return [self[f"target_{target.pk}"] for target in self.targets]

    def clean_department(self):
        return self.cleaned_data.get("department") or self.only_department

    def clean_narrative_visibility(self):
        return self.cleaned_data.get("narrative_visibility") or self.item.section.plan.evidence_visibility

    def clean_evidence_visibility(self):
        return self.cleaned_data.get("evidence_visibility") or self.item.section.plan.evidence_visibility

    def clean_evidence(self):
        files = self.cleaned_data["evidence"]
        if len(files) > MAX_EVIDENCE_FILES:
            raise forms.ValidationError(
                _("At most %(count)d files per report.") % {"count": MAX_EVIDENCE_FILES}, code="too_many"
            )
        checked = [validate_evidence(upload) for upload in files]
        if sum(upload.size for upload in checked) > MAX_REPORT_BYTES:
            raise forms.ValidationError(
                _("The files of one report may be %(limit)d MB in all.") % {"limit": MAX_REPORT_BYTES // 2**20},
                code="report_too_large")
        return checked

    def clean(self):
        cleaned = super().clean()
        files, department = cleaned.get("evidence"), cleaned.get("department")
        if files and department is not None:
            from .selectors import evidence_bytes_today

            if evidence_bytes_today(department_id=department.pk) + sum(f.size for f in files) \
                    > MAX_DEPARTMENT_BYTES_PER_DAY:
                self.add_error("evidence", forms.ValidationError(
                    _("Your department uploaded %(limit)d MB of evidence today, the most a day takes; "
                      "send the files tomorrow.") % {"limit": MAX_DEPARTMENT_BYTES_PER_DAY // 2**20},
                    code="department_day"))
        count = len(cleaned.get("evidence") or []) + len(cleaned.get("kept") or []) + len(cleaned.get("pending") or [])
        if count > MAX_EVIDENCE_FILES and "evidence" not in self.errors:
            self.add_error("evidence", _("At most %(count)d files per report.") % {"count": MAX_EVIDENCE_FILES})
        if cleaned.get("status") == WorkItem.Status.DONE and cleaned.get("percent") not in (None, 100):
            self.add_error("percent", _("A finished item is complete: 100 percent."))
        if cleaned.get("status") == WorkItem.Status.NOT_STARTED and cleaned.get("percent"):
            self.add_error("percent", _("An item not started yet is at 0 percent."))
        return cleaned

    def readings(self) -> dict[int, Decimal]:
        return {target.pk: self.cleaned_data.get(f"target_{target.pk}") for target in self.targets}


class ReviewForm(forms.Form):
    class Decision:
        APPROVE = "approve"
        RETURN = "return"

    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(Decision.APPROVE, _("Approve")), (Decision.RETURN, _("Return"))]
    )
    comment = forms.CharField(label=_("Comment"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == self.Decision.RETURN and not cleaned.get("comment", "").strip():
            self.add_error("comment", _("Say why the report goes back."))
        return cleaned


def form_after_conflict(form_class, request, conflict, **form_kwargs):
    """The refused report form again: what the user typed kept, the item's current version, and why.

    A new submit on the fresh version is then a deliberate act (shown with a 409);
    the files sent with it were kept as pending uploads and are offered again.
    """
    posted = request.POST.copy()
    posted["version"] = str(conflict.version)
    if form_kwargs.get("pending") is not None:
        # Files kept from this very submit are offered again, ticked.
        posted.setlist("pending", [str(pk) for pk in form_kwargs["pending"].values_list("pk", flat=True)])
    form = form_class(posted, **form_kwargs)
    form.is_valid()
    form.add_error(None, conflict.message)
    return form
