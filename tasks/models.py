import datetime

from django.conf import settings
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    validate_comma_separated_integer_list,
)
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase
from simple_history.models import HistoricalRecords

from departments.models import Department


class ReportingCycle(models.TextChoices):
    """How often departments report on an item (月报, 季报, 半年报)."""

    MONTHLY = "monthly", _("monthly")
    QUARTERLY = "quarterly", _("quarterly")
    HALF_YEARLY = "half_yearly", _("half-yearly")


class Visibility(models.TextChoices):
    """Who may read a report's narrative or an evidence file (progress.permissions.may_read says it)."""

    DEPARTMENT = "department", _("within the department")
    PLAN = "plan", _("everyone in the plan")


class WorkPlan(models.Model):
    """An organization's annual work plan (工作要点), as imported from its document."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        PUBLISHED = "published", _("published")
        CLOSED = "closed", _("closed")

    organization = models.CharField(_("organization"), max_length=100)
    year = models.PositiveSmallIntegerField(_("year"))
    title = models.CharField(_("title"), max_length=200)
    general_requirements = models.TextField(_("general requirements"), blank=True)
    source_name = models.CharField(_("source document"), max_length=255, blank=True)
    source_text = models.TextField(_("source text"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.DRAFT)
    review_required = models.BooleanField(
        _("reports need a head's approval"),
        default=True,
        help_text=_("When off, a submitted report counts at once."),
    )
    reporting_cycle = models.CharField(
        _("reporting cycle"), max_length=16, choices=ReportingCycle.choices, default=ReportingCycle.MONTHLY
    )
    completion_check_required = models.BooleanField(
        _("done items need a check (销号)"),
        default=True,
        help_text=_("When on, an item reported done counts as done once the supervision office has checked it."),
    )
    extension_steps = models.PositiveSmallIntegerField(
        _("steps of an extension request"),
        choices=[(1, _("the supervision office decides")), (2, _("the office checks, leadership decides"))],
        default=2,
    )
    reporting_day = models.PositiveSmallIntegerField(
        _("monthly reporting day"),
        default=25,
        validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Departments that have not reported on an open item by this day of the month are reminded."),
    )
    reminder_lead_days = models.CharField(
        _("reminder lead times (days)"),
        max_length=50,
        default="30,7,1",
        validators=[validate_comma_separated_integer_list],
        help_text=_("Days before a due date when the responsible departments are reminded, e.g. 30,7,1."),
    )
    escalation_days = models.PositiveSmallIntegerField(
        _("days overdue before leadership is told"),
        default=7,
        help_text=_("The head is told on the due date; leadership this many days later if the item is still open."),
    )
    instruction_reminder_days = models.PositiveSmallIntegerField(
        _("days before an instruction's deadline when its departments are reminded"),
        default=2,
        help_text=_("A leadership instruction not answered is reminded this many days before its deadline (办理时限)."),
    )
    summary_reminder_days = models.PositiveSmallIntegerField(
        _("days before a summary report's due date when departments are reminded"),
        default=5,
        help_text=_("Departments that have not sent a summary report are reminded this many days before it is due, "
                    "and on the day."),
    )
    rollup_margin = models.PositiveSmallIntegerField(
        _("tolerance behind schedule (points)"),
        default=10,
        validators=[MaxValueValidator(100)],
        help_text=_("An item more than this many percentage points behind the time elapsed turns yellow."),
    )
    evidence_visibility = models.CharField(
        _("default visibility of narratives and evidence"),
        max_length=16,
        choices=Visibility.choices,
        default=Visibility.DEPARTMENT,
        help_text=_("What a reporter's narrative and evidence files are unless they choose otherwise. Within the "
                    "department: the reporting department, its reviewers, the supervision office and leadership."),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    # Who changed a setting (reporting cycle, 销号 check, extension steps) or published, closed or reopened it,
    # and when: the set-up and closing pages show it.
    history = HistoricalRecords(excluded_fields=["source_text", "general_requirements", "updated_at"])

    class Meta:
        verbose_name = _("work plan")
        verbose_name_plural = _("work plans")
        ordering = ["-year", "organization"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "year"], name="workplan_unique_org_year"),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("tasks:plan-detail", args=[self.pk])

    @property
    def year_start(self) -> datetime.date:
        return datetime.date(self.year, 1, 1)

    @property
    def year_end(self) -> datetime.date:
        return datetime.date(self.year, 12, 31)


class Section(models.Model):
    """One of the plan's numbered parts (一、…), e.g. 突出思想政治引领…"""

    plan = models.ForeignKey(WorkPlan, verbose_name=_("work plan"), on_delete=models.CASCADE, related_name="sections")
    number = models.PositiveSmallIntegerField(_("number"))
    numeral = models.CharField(_("numeral"), max_length=8)
    title = models.CharField(_("title"), max_length=300)
    intro = models.TextField(_("introduction"), blank=True)
    # The section of 交办事项: items that leadership assigned during the year, not from the document.
    is_assignments = models.BooleanField(_("assignments from leadership"), default=False)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="section_unique_plan_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="section_number_positive"),
        ]

    def __str__(self):
        return f"{self.numeral}、{self.title}"


class WorkItem(models.Model):
    """A numbered work item (工作事项) of a section, owned by responsible departments."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("not started")
        IN_PROGRESS = "in_progress", _("in progress")
        DONE = "done", _("done")
        DELAYED = "delayed", _("delayed")

    section = models.ForeignKey(Section, verbose_name=_("section"), on_delete=models.CASCADE, related_name="items")
    number = models.PositiveIntegerField(_("number"))  # a plan may hold 50,000 items and more
    title = models.CharField(_("title"), max_length=300)
    body = models.TextField(_("full text"))
    subheading = models.CharField(_("sub-heading"), max_length=300, blank=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NOT_STARTED)
    progress_percent = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    last_report_at = models.DateTimeField(_("last approved report"), null=True, blank=True)
    # Bumped by every change of the item's progress: a form based on an older
    # version is refused instead of silently overwriting (no lost updates).
    version = models.PositiveIntegerField(_("version"), default=0)
    rollup_weight = models.DecimalField(
        _("weight in the section"),
        max_digits=6,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
        help_text=_("Items count by this weight in their section's progress; all 1 by default."),
    )
    source_line = models.PositiveIntegerField(_("line in document"), null=True, blank=True)
    # The due date before the first approved extension (延期): lights and reminders use due_date,
    # bulletins and 考核 can still see the date first promised.
    original_due_date = models.DateField(_("original due date"), null=True, blank=True)
    # 销号: the supervision office checked that "done" is true.
    closed_at = models.DateTimeField(_("checked and closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked and closed by"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="closed_items",
    )
    # As the document wrote them (完成时限 "6月底前", 责任领导 "张副主席"): kept as text, never guessed into
    # a date or a department; the importer sets due_date and checkpoints from what it understands.
    deadline_text = models.CharField(_("deadline as written"), max_length=100, blank=True)
    responsible_leader = models.CharField(_("leader in charge"), max_length=100, blank=True)
    reporting_cycle = models.CharField(
        _("reporting cycle"), max_length=16, choices=ReportingCycle.choices, blank=True,
        help_text=_("Empty: the plan's reporting cycle."),
    )
    departments = models.ManyToManyField(
        Department, through="Responsibility", verbose_name=_("responsible departments"), related_name="work_items"
    )
    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        verbose_name = _("work item")
        verbose_name_plural = _("work items")
        ordering = ["section__number", "number"]
        permissions = [
            ("report_progress", _("Can report progress on the item")),
            ("review_progress", _("Can review progress reports of the item")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["section", "number"], name="workitem_unique_section_number"),
            models.CheckConstraint(condition=Q(progress_percent__lte=100), name="workitem_progress_at_most_100"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return reverse("tasks:item-detail", args=[self.pk])

    def counts_as_done(self, *, check_required: bool) -> bool:
        """Reported done, and — where the plan asks for it — checked and closed by the office (销号)."""
        return self.status == self.Status.DONE and (self.closed_at is not None or not check_required)


class Responsibility(models.Model):
    """A department's part in a work item: the lead (牵头, listed first) or a co-organizer (配合)."""

    class Role(models.TextChoices):
        LEAD = "lead", _("lead")
        CO_ORGANIZER = "co_organizer", _("co-organizer")

    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="responsibilities"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="responsibilities"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("responsibility")
        verbose_name_plural = _("responsibilities")
        ordering = ["item", "order"]
        constraints = [
            models.UniqueConstraint(fields=["item", "department"], name="responsibility_unique_item_department"),
            models.UniqueConstraint(
                fields=["item"], condition=Q(role="lead"), name="responsibility_one_lead_per_item"
            ),
        ]

    def __str__(self):
        return f"{self.item} · {self.department} · {self.get_role_display()}"


class Target(models.Model):
    """A quantitative target (量化指标) extracted from a work item's text.

    `target_value` is NULL while the document says "X": a placeholder (待定)
    an admin fills in later; a re-import keeps what the admin filled.
    """

    class Kind(models.TextChoices):
        COUNT = "count", _("count")
        PERCENTAGE = "percentage", _("percentage")
        COVERAGE = "coverage", _("full coverage")
        OTHER = "other", _("other")

    item = models.ForeignKey(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="targets")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    phrase = models.TextField(_("phrase in the document"))
    subject = models.CharField(_("what is measured"), max_length=300)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    unit = models.CharField(_("unit"), max_length=16, blank=True)
    target_value = models.DecimalField(_("target value"), max_digits=14, decimal_places=2, null=True, blank=True)
    level = models.CharField(_("level"), max_length=16, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    current_value = models.DecimalField(_("current value"), max_digits=14, decimal_places=2, null=True, blank=True)
    no_number = models.BooleanField(
        _("no number"),
        default=False,
        help_text=_("The placeholder stays without a value on purpose; publishing is not held up by it."),
    )
    # 其中省级示范职工书屋2家: a part of the target before it (建设职工书屋10家).
    parent = models.ForeignKey(
        "self", verbose_name=_("part of"), on_delete=models.SET_NULL, null=True, blank=True, related_name="parts"
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        ordering = ["item", "order"]
        constraints = [
            models.UniqueConstraint(fields=["item", "order"], name="target_unique_item_order"),
            models.CheckConstraint(
                condition=Q(target_value__isnull=True) | Q(target_value__gte=0), name="target_value_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(current_value__isnull=True) | Q(current_value__gte=0), name="target_current_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=["percentage", "coverage"])
                | Q(target_value__isnull=True)
                | Q(target_value__lte=100),
                name="target_rate_at_most_100",
            ),
        ]

    def __str__(self):
        return self.subject

    @property
    def is_placeholder(self) -> bool:
        return self.target_value is None

    @property
    def label(self) -> str:
        """What is measured, with its level once (省级示范职工书屋, never 省级省级示范职工书屋)."""
        return f"{self.level}{self.subject}" if self.level and self.level not in self.subject else self.subject

    @staticmethod
    def to_be_set() -> Q:
        """Placeholders (待定) an admin must still fill or mark "no number": what keeps a plan from publishing."""
        return Q(target_value__isnull=True, no_number=False)

    @property
    def effective_due_date(self) -> datetime.date:
        return self.due_date or self.item.due_date


class Checkpoint(models.Model):
    """A checkpoint (节点) of an item: what is due by a date, and how far the item should be by then.

    With checkpoints, an item's expected progress (序时进度) follows them instead of a
    straight line from 1 January to the due date.
    """

    item = models.ForeignKey(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="checkpoints")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    due_date = models.DateField(_("due date"))
    title = models.CharField(_("what is due"), max_length=300)
    expected_percent = models.PositiveSmallIntegerField(
        _("expected progress (%)"), null=True, blank=True, validators=[MaxValueValidator(100)]
    )
    department = models.ForeignKey(
        Department, verbose_name=_("lead department"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="checkpoints", help_text=_("Empty: the item's lead department."),
    )
    original_due_date = models.DateField(_("original due date"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("checkpoint")
        verbose_name_plural = _("checkpoints")
        ordering = ["item", "due_date", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_percent__isnull=True) | Q(expected_percent__lte=100),
                name="checkpoint_expected_at_most_100",
            ),
        ]

    def __str__(self):
        return f"{self.due_date:%Y-%m-%d} {self.title}"


class CheckpointTarget(models.Model):
    """The value a target should have reached by a checkpoint."""

    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.CASCADE, related_name="target_values"
    )
    target = models.ForeignKey(Target, verbose_name=_("target"), on_delete=models.CASCADE, related_name="checkpoint_values")
    expected_value = models.DecimalField(_("expected value"), max_digits=14, decimal_places=2)
    # Expected values changed on the item page appear on the item's timeline (工作留痕).
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("expected target value")
        verbose_name_plural = _("expected target values")
        constraints = [
            models.UniqueConstraint(fields=["checkpoint", "target"], name="checkpointtarget_unique"),
            models.CheckConstraint(condition=Q(expected_value__gte=0), name="checkpointtarget_not_negative"),
        ]

    def __str__(self):
        return f"{self.checkpoint}: {self.target} {self.expected_value}"


class WorkItemUserObjectPermission(UserObjectPermissionBase):
    """Guardian's direct foreign-key table: a real FK instead of a generic one, for speed."""

    content_object = models.ForeignKey(WorkItem, on_delete=models.CASCADE)


class WorkItemGroupObjectPermission(GroupObjectPermissionBase):
    """Grants to department groups; rows go with their item (no orphans)."""

    content_object = models.ForeignKey(WorkItem, on_delete=models.CASCADE)
