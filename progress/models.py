"""Progress: what departments report on their items, and the official figure computed from it.

A lead department's approved report is the item's reported progress; a
co-organizer's report is its own part. The roll-up (progress.rollup, stored in
the *Rollup tables) turns reports and target readings into each item's,
section's and plan's official progress and traffic light.

These models were first created in the tasks app: they keep its table names.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from departments.models import Department
from tasks.models import Checkpoint, Responsibility, Section, Target, Visibility, WorkItem, WorkPlan


class ProgressReport(models.Model):
    """A department's progress report (进度报告) on a work item.

    The lead department's approved report is the item's official progress; a
    co-organizer's report is its own part.
    """

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("awaiting review")
        APPROVED = "approved", _("approved")
        RETURNED = "returned", _("returned")

    item = models.ForeignKey(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="reports")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    role = models.CharField(_("role"), max_length=16, choices=Responsibility.Role.choices)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reporter"), on_delete=models.PROTECT, related_name="progress_reports"
    )
    status = models.CharField(_("status"), max_length=16, choices=WorkItem.Status.choices)
    percent = models.PositiveSmallIntegerField(_("percent complete"))
    narrative = models.TextField(_("progress description"))
    narrative_visibility = models.CharField(
        _("who may read the description"), max_length=16, choices=Visibility.choices, default=Visibility.DEPARTMENT
    )
    state = models.CharField(_("review state"), max_length=16, choices=State.choices, default=State.SUBMITTED)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reviewed_reports",
    )
    review_comment = models.TextField(_("review comment"), blank=True)
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    # The checkpoint (节点) the report answers; an approved one reaching its expectation meets it
    # (progress.selectors.checkpoint_reached, progress.rollup.checkpoint_state).
    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint answered"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="reports",
    )
    # Tables keep the names they were created with in the tasks app (moved without copying a row).
    history = HistoricalRecords(table_name="tasks_historicalprogressreport")

    class Meta:
        db_table = "tasks_progressreport"
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["item", "department", "-created_at"], name="report_item_dept_recent"),
            # The latest report of an item (drill-down rows) and of a department (the dashboard's table).
            models.Index(fields=["item", "-created_at"], name="report_item_recent"),
            models.Index(fields=["department", "-created_at"], name="report_department_recent"),
            # The reports waiting for a review (review queues, the heads' counts): a small part of all.
            models.Index(fields=["department", "created_at"], condition=models.Q(state="submitted"),
                         name="report_submitted"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(percent__lte=100), name="report_percent_at_most_100"),
        ]

    def __str__(self):
        return f"{self.item} · {self.department} · {self.created_at:%Y-%m-%d}"

    def get_absolute_url(self):
        return reverse("tasks:item-detail", args=[self.item_id]) + f"#report-{self.pk}"


class TargetReading(models.Model):
    """The value of one target as a report states it."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE, related_name="readings"
    )
    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="readings")
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)

    class Meta:
        db_table = "tasks_targetreading"
        verbose_name = _("target reading")
        verbose_name_plural = _("target readings")
        constraints = [
            models.UniqueConstraint(fields=["report", "target"], name="reading_unique_report_target"),
            models.CheckConstraint(condition=Q(value__gte=0), name="reading_value_not_negative"),
        ]

    def __str__(self):
        return f"{self.target}: {self.value}"


def evidence_path(instance, filename):
    # A random name on disk: the user's file name is kept in the row, never trusted as a path.
    return f"evidence/{instance.report.item_id}/{uuid.uuid4().hex}"


class Evidence(models.Model):
    """A file attached to a report as evidence (佐证材料); served only through a permission check."""

    report = models.ForeignKey(
        ProgressReport, verbose_name=_("progress report"), on_delete=models.CASCADE, related_name="evidence"
    )
    file = models.FileField(_("file"), upload_to=evidence_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    visibility = models.CharField(
        _("who may see the file"), max_length=16, choices=Visibility.choices, default=Visibility.DEPARTMENT
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        db_table = "tasks_evidence"
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name

    def get_absolute_url(self):
        return reverse("progress:evidence-download", args=[self.pk])


def pending_upload_path(instance, filename):
    # As evidence: a random name on disk, the user's file name only in the row.
    return f"pending/{instance.user_id}/{uuid.uuid4().hex}"


class PendingUpload(models.Model):
    """An evidence file checked and kept while its report form was refused (another field was wrong).

    It belongs to the user who uploaded it, is offered again on their next submit and becomes
    evidence when the report goes through; otherwise the daily sweep removes it after a day.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="pending_uploads"
    )
    item = models.ForeignKey(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="+")
    file = models.FileField(_("file"), upload_to=pending_upload_path)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending upload")
        verbose_name_plural = _("pending uploads")
        ordering = ["pk"]

    def __str__(self):
        return self.original_name


# ---------------------------------------------------------------------------
# The stored roll-up, so pages read it and never recompute.


class Light(models.TextChoices):
    """The traffic light of an item, section or plan (see progress.rollup for the rule)."""

    GREEN = "green", _("on track")
    YELLOW = "yellow", _("at risk")
    RED = "red", _("late")


class Basis(models.TextChoices):
    """Why an item's official progress is what it is (progress.rollup)."""

    BOTH_AGREE = "both_agree", _("the report and the targets agree")
    LOWER_OF_BOTH = "lower_of_both", _("the lower of the reported progress and the targets")
    REPORT_ONLY = "report_only", _("the reported progress (no target with a reading)")
    TARGETS_ONLY = "targets_only", _("the targets (no approved report yet)")
    DONE_AND_MET = "done_and_met", _("reported done with every target met")
    NO_DATA = "no_data", _("nothing reported yet")


class ItemRollup(models.Model):
    """An item's official progress (认定进度), its two parts and its light, refreshed by the roll-up.

    Every page, export and API shows `percent`; `reported_percent` and `targets_percent`
    are shown beside it, with `basis` saying why.
    """

    item = models.OneToOneField(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="rollup")
    percent = models.DecimalField(_("official progress (%)"), max_digits=5, decimal_places=1)
    reported_percent = models.DecimalField(
        _("reported progress (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    targets_percent = models.DecimalField(_("targets (%)"), max_digits=5, decimal_places=1, null=True, blank=True)
    basis = models.CharField(_("why"), max_length=16, choices=Basis.choices, default=Basis.NO_DATA)
    measured_by = models.CharField(_("reported part measured by"), max_length=16, blank=True)
    unread_targets = models.PositiveIntegerField(_("targets without a reading"), default=0)
    expected_percent = models.DecimalField(_("expected by now (%)"), max_digits=5, decimal_places=1)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices)
    is_done = models.BooleanField(_("done"), default=False)
    is_overdue = models.BooleanField(_("overdue"), default=False)
    reported_this_cycle = models.BooleanField(_("reported this cycle"), default=False)
    targets_total = models.PositiveIntegerField(_("targets"), default=0)
    targets_met = models.PositiveIntegerField(_("targets met"), default=0)
    placeholders = models.PositiveIntegerField(_("placeholder targets (TBD)"), default=0)
    flags = models.JSONField(_("flags"), default=list, blank=True)
    # Late (rollup.is_late): its place in the plan's late list, worst first; None when not late.
    late_rank = models.PositiveIntegerField(_("place in the late list"), null=True, blank=True, db_index=True)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        db_table = "tasks_itemrollup"
        verbose_name = _("item roll-up")
        verbose_name_plural = _("item roll-ups")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="itemrollup_percent_range"),
        ]

    def __str__(self):
        return f"{self.item_id}: {self.percent}% {self.light}"


class LeadRollup(models.Model):
    """What one department leads in one section, counted when the roll-up is stored: the dashboard's department
    table and late counts read these few hundred rows instead of grouping every item's lead responsibility
    with its roll-up on each first view (28 ms at 10,000 items)."""

    section = models.ForeignKey(Section, verbose_name=_("section"), on_delete=models.CASCADE,
                                related_name="lead_rollups")
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.CASCADE,
                                   related_name="lead_rollups")
    items = models.PositiveIntegerField(_("items led"), default=0)
    shown = models.PositiveIntegerField(_("items with figures"), default=0)
    red = models.PositiveIntegerField(_("items late"), default=0)
    overdue = models.PositiveIntegerField(_("overdue"), default=0)
    done = models.PositiveIntegerField(_("items done"), default=0)
    percent_sum = models.FloatField(_("sum of official progress"), default=0)
    # Of the items led, those in the late list (rollup.is_late), and of those: overdue, red, not reported.
    late = models.PositiveIntegerField(_("late items"), default=0)
    late_overdue = models.PositiveIntegerField(_("late and overdue"), default=0)
    late_red = models.PositiveIntegerField(_("late and red"), default=0)
    late_unreported = models.PositiveIntegerField(_("late and not reported this cycle"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        verbose_name = _("department roll-up in a section")
        verbose_name_plural = _("department roll-ups in sections")
        constraints = [models.UniqueConstraint(fields=["section", "department"], name="leadrollup_one_per_department")]

    def __str__(self):
        return f"{self.section_id}/{self.department_id}: {self.items}"


class GroupRollup(models.Model):
    """What a section's and a plan's roll-up share: progress, light and counts."""

    percent = models.DecimalField(_("progress (%)"), max_digits=5, decimal_places=1)
    expected_percent = models.DecimalField(_("expected by now (%)"), max_digits=5, decimal_places=1)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices)
    items_green = models.PositiveIntegerField(_("items on track"), default=0)
    items_yellow = models.PositiveIntegerField(_("items at risk"), default=0)
    items_red = models.PositiveIntegerField(_("items late"), default=0)
    items_done = models.PositiveIntegerField(_("items done"), default=0)
    targets_total = models.PositiveIntegerField(_("targets"), default=0)
    targets_met = models.PositiveIntegerField(_("targets met"), default=0)
    placeholders = models.PositiveIntegerField(_("placeholder targets (TBD)"), default=0)
    computed_at = models.DateTimeField(_("computed at"))

    class Meta:
        abstract = True


class SectionRollup(GroupRollup):
    """A section's weighted progress, light and item counts by light."""

    section = models.OneToOneField(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="rollup")

    class Meta:
        db_table = "tasks_sectionrollup"
        verbose_name = _("section roll-up")
        verbose_name_plural = _("section roll-ups")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="sectionrollup_percent_range"),
        ]

    def __str__(self):
        return f"{self.section_id}: {self.percent}% {self.light}"


class PlanRollup(GroupRollup):
    """A plan's progress (mean of its sections), light and counts."""

    plan = models.OneToOneField(WorkPlan, verbose_name=_("work plan"), on_delete=models.CASCADE, related_name="rollup")

    class Meta:
        db_table = "tasks_planrollup"
        verbose_name = _("plan roll-up")
        verbose_name_plural = _("plan roll-ups")
        constraints = [
            models.CheckConstraint(condition=Q(percent__gte=0, percent__lte=100), name="planrollup_percent_range"),
        ]

    def __str__(self):
        return f"{self.plan_id}: {self.percent}% {self.light}"


class ItemSnapshot(models.Model):
    """An item's official figures from a day on, written only when they change (回看 as of any date).

    The figures of an item on a day are those of its latest snapshot on or before it.
    """

    item = models.ForeignKey(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="snapshots")
    date = models.DateField(_("from"))
    percent = models.DecimalField(_("official progress (%)"), max_digits=5, decimal_places=1)
    reported_percent = models.DecimalField(
        _("reported progress (%)"), max_digits=5, decimal_places=1, null=True, blank=True
    )
    targets_percent = models.DecimalField(_("targets (%)"), max_digits=5, decimal_places=1, null=True, blank=True)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices)
    is_done = models.BooleanField(_("done"), default=False)
    is_overdue = models.BooleanField(_("overdue"), default=False)

    class Meta:
        verbose_name = _("item snapshot")
        verbose_name_plural = _("item snapshots")
        ordering = ["item", "date"]
        constraints = [models.UniqueConstraint(fields=["item", "date"], name="itemsnapshot_unique_item_date")]

    def __str__(self):
        return f"{self.date} {self.item_id}: {self.percent}%"


class RollupSnapshot(models.Model):
    """The plan's (section empty) or a section's progress at the end of a day, for trend charts."""

    plan = models.ForeignKey(WorkPlan, verbose_name=_("work plan"), on_delete=models.CASCADE, related_name="snapshots")
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, null=True, blank=True, related_name="snapshots"
    )
    date = models.DateField(_("date"))
    percent = models.DecimalField(_("progress (%)"), max_digits=5, decimal_places=1)
    expected_percent = models.DecimalField(_("expected by then (%)"), max_digits=5, decimal_places=1)
    light = models.CharField(_("light"), max_length=8, choices=Light.choices)
    items_green = models.PositiveIntegerField(_("items on track"), default=0)
    items_yellow = models.PositiveIntegerField(_("items at risk"), default=0)
    items_red = models.PositiveIntegerField(_("items late"), default=0)
    items_done = models.PositiveIntegerField(_("items done"), default=0)
    targets_total = models.PositiveIntegerField(_("targets"), default=0)
    targets_met = models.PositiveIntegerField(_("targets met"), default=0)
    placeholders = models.PositiveIntegerField(_("placeholder targets (TBD)"), default=0)

    class Meta:
        db_table = "tasks_rollupsnapshot"
        verbose_name = _("daily snapshot")
        verbose_name_plural = _("daily snapshots")
        ordering = ["plan", "date", "section"]
        indexes = [models.Index(fields=["plan", "date"], name="snapshot_plan_date")]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "date"], condition=Q(section__isnull=True), name="snapshot_unique_plan_date"
            ),
            models.UniqueConstraint(
                fields=["section", "date"], condition=Q(section__isnull=False), name="snapshot_unique_section_date"
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.section_id or self.plan_id}: {self.percent}%"
