"""Flagship brands (工作品牌) of a plan and their milestones.

A brand is recognized from the plan document (brands.importer) and then owned
by the admins: a re-import creates missing brands and changes nothing else.
Milestones are reported the way item progress is: a milestone report is a
progress ProgressReport on the brand's item, linked here by MilestoneReport.
"""

from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from departments.models import Department
from progress.models import ProgressReport
from tasks.models import WorkItem, WorkPlan


class Level(models.TextChoices):
    """How far a brand is recognized; the order of the choices is the order of the levels."""

    NONE = "none", _("no level yet")
    COUNTY = "county", _("county level")
    CITY = "city", _("city level")
    PROVINCE = "province", _("provincial level")
    NATIONAL = "national", _("national level")

    @classmethod
    def rank(cls, value: str) -> int:
        return cls.values.index(value) if value in cls.values else 0


class Brand(models.Model):
    """A work brand the plan sets out to build (e.g. 党工共建), with its level now and aimed at."""

    plan = models.ForeignKey(WorkPlan, verbose_name=_("work plan"), on_delete=models.CASCADE, related_name="brands")
    item = models.ForeignKey(
        WorkItem,
        verbose_name=_("work item"),
        on_delete=models.CASCADE,
        related_name="brands",
        help_text=_("The item that names the brand; milestone reports are progress reports on it."),
    )
    name = models.CharField(_("name"), max_length=100)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    description = models.TextField(_("what the plan says"), blank=True)
    owner = models.ForeignKey(
        Department,
        verbose_name=_("owner department"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_brands",
    )
    supporting_departments = models.ManyToManyField(
        Department, verbose_name=_("supporting departments"), blank=True, related_name="supported_brands"
    )
    related_items = models.ManyToManyField(
        WorkItem,
        verbose_name=_("related work items"),
        blank=True,
        related_name="related_brands",
        help_text=_("Other items the brand runs through."),
    )
    start_date = models.DateField(_("start date"))
    target_date = models.DateField(_("target date"))
    level = models.CharField(_("level now"), max_length=16, choices=Level.choices, default=Level.NONE)
    target_level = models.CharField(_("target level"), max_length=16, choices=Level.choices, default=Level.NONE)
    criteria = models.TextField(_("criteria"), blank=True, help_text=_("What the brand must be to count as built."))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("brand")
        verbose_name_plural = _("brands")
        ordering = ["plan", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "name"], name="brand_unique_plan_name"),
            models.CheckConstraint(condition=Q(target_date__gte=F("start_date")), name="brand_target_after_start"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("brands:brand-detail", args=[self.pk])

    @property
    def level_reached(self) -> bool:
        return Level.rank(self.level) >= Level.rank(self.target_level)


class Milestone(models.Model):
    """A step on a brand's road, with the status and percent of its latest approved report."""

    brand = models.ForeignKey(Brand, verbose_name=_("brand"), on_delete=models.CASCADE, related_name="milestones")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    title = models.CharField(_("title"), max_length=200)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=16, choices=WorkItem.Status.choices, default=WorkItem.Status.NOT_STARTED
    )
    percent = models.PositiveSmallIntegerField(_("percent complete"), default=0)
    last_report_at = models.DateTimeField(_("last approved report"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["brand", "order", "due_date", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="milestone_percent_at_most_100"),
        ]

    def __str__(self):
        return f"{self.brand} · {self.title}"

    def get_absolute_url(self):
        return reverse("brands:brand-detail", args=[self.brand_id]) + f"#milestone-{self.pk}"


class MilestoneReport(models.Model):
    """Links a progress report on the brand's item to the milestone it reports on.

    The ProgressReport carries the review (who, when, approved or returned),
    the narrative and the evidence; this row carries the milestone's own status
    and percent as the department stated them, applied when the report is approved.
    """

    report = models.OneToOneField(
        ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE, related_name="milestone_report"
    )
    milestone = models.ForeignKey(
        Milestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="reports"
    )
    status = models.CharField(_("milestone status"), max_length=16, choices=WorkItem.Status.choices)
    percent = models.PositiveSmallIntegerField(_("milestone percent complete"))

    class Meta:
        verbose_name = _("milestone report")
        verbose_name_plural = _("milestone reports")
        ordering = ["-report__created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="milestonereport_percent_at_most_100"),
        ]

    def __str__(self):
        return f"{self.milestone} · {self.percent}%"
