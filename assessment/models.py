"""Year-end assessment (年终考核): a plan's scoring rules, each department's self-assessment (自评),
the office's manual parts, leadership's adjustment and sign-off.

The computed parts are never stored while a score is open: they are read from the plan's data
(the roll-up, reports, checkpoints, chases, extensions, 批示) each time. Signing off freezes them
(`DepartmentScore.frozen`), so a later report changes nothing, and the history keeps every step.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from pathlib import PurePath

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from departments.models import Department
from tasks.models import WorkItem, WorkPlan


class Scheme(models.Model):
    """A plan's assessment: its total, its dates, and who sees the results once signed off."""

    class Visibility(models.TextChoices):
        OWN = "own", _("each department its own")
        ALL = "all", _("everyone")

    plan = models.OneToOneField(WorkPlan, verbose_name=_("work plan"), on_delete=models.CASCADE,
                                related_name="assessment")
    total = models.DecimalField(_("total points"), max_digits=6, decimal_places=1, default=Decimal(100),
                                validators=[MinValueValidator(Decimal(1))])
    opens_on = models.DateField(_("self-assessment opens"), help_text=_("Departments write their 自评 from this day."))
    due_on = models.DateField(_("self-assessment due"))
    results_visible = models.CharField(_("after sign-off, scores are seen by"), max_length=8,
                                       choices=Visibility.choices, default=Visibility.OWN)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment scheme")
        verbose_name_plural = _("assessment schemes")

    def __str__(self):
        return str(self.plan)


class Part(models.Model):
    """One weighted part of the score: computed from the plan's data, or manual (加分/扣分)."""

    class Kind(models.TextChoices):
        ON_TIME = "on_time", _("items done on time")
        TARGETS = "targets", _("targets met")
        REPORTING = "reporting", _("reports on time")
        CHECKPOINTS = "checkpoints", _("checkpoints met")
        CHASES = "chases", _("chases received (deduction)")
        EXTENSIONS = "extensions", _("extensions approved (deduction)")
        INSTRUCTIONS = "instructions", _("instructions not answered in time (deduction)")
        SELF_ASSESSMENT = "self_assessment", _("self-assessment sent on time")
        MANUAL = "manual", _("bonus or deduction (加分/扣分)")

    DEDUCTIONS = {Kind.CHASES, Kind.EXTENSIONS, Kind.INSTRUCTIONS}

    scheme = models.ForeignKey(Scheme, verbose_name=_("assessment scheme"), on_delete=models.CASCADE,
                               related_name="parts")
    kind = models.CharField(_("computed from"), max_length=16, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=100)
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1,
                                 validators=[MinValueValidator(Decimal(0))],
                                 help_text=_("The part's weight; for a bonus or deduction, the most it may add or take."))
    per_case = models.DecimalField(_("deduction per case"), max_digits=4, decimal_places=1, null=True, blank=True,
                                   validators=[MinValueValidator(Decimal(0))],
                                   help_text=_("Deductions only: points taken per chase, extension or instruction."))
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("assessment part")
        verbose_name_plural = _("assessment parts")
        ordering = ["scheme", "order", "pk"]

    def __str__(self):
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.kind == self.Kind.MANUAL


class SelfAssessment(models.Model):
    """A department's 自评 for the year: written by its people, approved and sent by its head, once."""

    class State(models.TextChoices):
        DRAFT = "draft", _("being written")
        AWAITING_HEAD = "awaiting_head", _("awaiting the head's approval")
        SENT = "sent", _("sent to the office")

    scheme = models.ForeignKey(Scheme, verbose_name=_("assessment scheme"), on_delete=models.CASCADE,
                               related_name="self_assessments")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="self_assessments")
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.DRAFT)
    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("put forward by"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    asked_at = models.DateTimeField(_("put forward at"), null=True, blank=True)
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("approved and sent by"), null=True,
                                blank=True, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    head_comment = models.TextField(_("the head's comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("self-assessment (自评)")
        verbose_name_plural = _("self-assessments (自评)")
        constraints = [models.UniqueConstraint(fields=["scheme", "department"], name="one_self_assessment")]

    def __str__(self):
        return f"{self.department} · {self.scheme}"

    @property
    def is_sent(self) -> bool:
        return self.state == self.State.SENT


class SelfAssessmentEntry(models.Model):
    """What a department says about one of its items."""

    self_assessment = models.ForeignKey(SelfAssessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE,
                                        related_name="entries")
    item = models.ForeignKey(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE,
                             related_name="self_assessment_entries")
    text = models.TextField(_("self-assessment"), max_length=5000)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("written by"), on_delete=models.PROTECT,
                                   related_name="+")
    updated_at = models.DateTimeField(_("written at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("self-assessment of an item")
        verbose_name_plural = _("self-assessments of items")
        constraints = [models.UniqueConstraint(fields=["self_assessment", "item"], name="one_entry_per_item")]

    def __str__(self):
        return f"{self.item} · {self.self_assessment.department}"


def _evidence_path(instance, filename: str) -> str:
    # A random name: the original is kept in the row, never trusted as a path.
    return f"assessment/{uuid.uuid4().hex}{PurePath(filename).suffix.lower()}"


class SelfAssessmentEvidence(models.Model):
    entry = models.ForeignKey(SelfAssessmentEntry, verbose_name=_("self-assessment of an item"),
                              on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("file"), upload_to=_evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("self-assessment evidence")
        verbose_name_plural = _("self-assessment evidence")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


class Claim(models.Model):
    """A bonus or deduction the department proposes for itself in its 自评 (e.g. a provincial award)."""

    self_assessment = models.ForeignKey(SelfAssessment, verbose_name=_("self-assessment"), on_delete=models.CASCADE,
                                        related_name="claims")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.CASCADE, related_name="claims")
    points = models.DecimalField(_("points asked for"), max_digits=5, decimal_places=1)
    reason = models.TextField(_("reason"), max_length=2000)

    class Meta:
        verbose_name = _("self-score")
        verbose_name_plural = _("self-scores")
        constraints = [models.UniqueConstraint(fields=["self_assessment", "part"], name="one_claim_per_part")]

    def __str__(self):
        return f"{self.part}: {self.points}"


class DepartmentScore(models.Model):
    """A department's score: open (computed live) until leadership signs it off, then frozen."""

    class State(models.TextChoices):
        OPEN = "open", _("being scored")
        SIGNED = "signed", _("signed off")

    scheme = models.ForeignKey(Scheme, verbose_name=_("assessment scheme"), on_delete=models.CASCADE,
                               related_name="scores")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="assessment_scores")
    state = models.CharField(_("state"), max_length=8, choices=State.choices, default=State.OPEN)
    adjustment = models.DecimalField(_("leadership's adjustment"), max_digits=5, decimal_places=1, default=Decimal(0))
    adjustment_comment = models.TextField(_("why"), blank=True)
    adjusted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("adjusted by"), null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    signed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("signed off by"), null=True, blank=True,
                                  on_delete=models.PROTECT, related_name="+")
    signed_at = models.DateTimeField(_("signed off at"), null=True, blank=True)
    frozen = models.JSONField(_("the parts as signed off"), null=True, blank=True)
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=1, null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("department score")
        verbose_name_plural = _("department scores")
        constraints = [models.UniqueConstraint(fields=["scheme", "department"], name="one_score_per_department")]

    def __str__(self):
        return f"{self.department} · {self.scheme}"

    @property
    def is_signed(self) -> bool:
        return self.state == self.State.SIGNED


class ManualScore(models.Model):
    """A bonus or deduction the supervision office gives, with its reason (several may add up)."""

    scheme = models.ForeignKey(Scheme, verbose_name=_("assessment scheme"), on_delete=models.CASCADE,
                               related_name="manual_scores")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT,
                                   related_name="+")
    part = models.ForeignKey(Part, verbose_name=_("part"), on_delete=models.CASCADE, related_name="manual_scores")
    points = models.DecimalField(_("points"), max_digits=5, decimal_places=1,
                                 help_text=_("Positive adds (加分), negative takes (扣分)."))
    reason = models.TextField(_("reason"), max_length=2000)
    given_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("given by"), on_delete=models.PROTECT,
                                 related_name="+")
    given_at = models.DateTimeField(_("given at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("bonus or deduction")
        verbose_name_plural = _("bonuses and deductions")
        ordering = ["given_at", "pk"]

    def __str__(self):
        return f"{self.department} {self.points:+}"
