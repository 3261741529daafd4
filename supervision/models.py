"""Supervision (督办): leadership instructions (批示) as a closed loop, chases (催办), extension requests
(延期申请), completion checks (办结审核, 销号) and named summary reports (半年总结, 年终总结).

Instruction was first created in the tasks app: it keeps its table names.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from departments.models import Department
from progress.models import ProgressReport
from tasks.models import Checkpoint, Section, WorkItem, WorkPlan


class Instruction(models.Model):
    """A leadership instruction (领导批示) on an item, to chosen departments, with a deadline (办理时限).

    The loop: open (the departments act and reply) -> answered (the leader, or the office on
    the leader's behalf, confirms 办结 or returns it: open again) -> closed. Every step is an
    InstructionEntry, the register (台账) of the instruction.
    """

    class State(models.TextChoices):
        OPEN = "open", _("awaiting the departments")
        ANSWERED = "answered", _("answered, awaiting confirmation")
        CLOSED = "closed", _("closed (办结)")

    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="instructions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="instructions"
    )
    text = models.TextField(_("instruction"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    departments = models.ManyToManyField(
        Department, verbose_name=_("departments"), blank=True, related_name="instructions",
        help_text=_("Who must act on it; the item's departments when none is chosen."),
    )
    due_date = models.DateField(_("deadline (办理时限)"), null=True, blank=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.OPEN)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="closed_instructions",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_instructions",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)  # the latest reply
    reply = models.TextField(_("reply"), blank=True)  # the latest reply
    history = HistoricalRecords(table_name="tasks_historicalinstruction")

    class Meta:
        db_table = "tasks_instruction"
        verbose_name = _("leadership instruction")
        verbose_name_plural = _("leadership instructions")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.text[:40]

    @property
    def is_open(self) -> bool:
        """Still waiting for the departments (a returned instruction waits again)."""
        return self.state == self.State.OPEN

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED


class InstructionEntry(models.Model):
    """One step of an instruction's loop: a department's reply, the leader's return or its 办结."""

    class Kind(models.TextChoices):
        REPLY = "reply", _("reply")
        RETURN = "return", _("returned")
        CLOSE = "close", _("closed (办结)")

    instruction = models.ForeignKey(
        Instruction, verbose_name=_("instruction"), on_delete=models.CASCADE, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("text"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("instruction entry")
        verbose_name_plural = _("instruction entries")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return f"{self.instruction_id} {self.kind}"


class Chase(models.Model):
    """A chase (催办): the office or leadership tells departments that something is late, and when to answer by."""

    plan = models.ForeignKey(WorkPlan, verbose_name=_("work plan"), on_delete=models.CASCADE, related_name="chases")
    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, null=True, blank=True, related_name="chases"
    )
    section = models.ForeignKey(
        Section, verbose_name=_("section"), on_delete=models.CASCADE, null=True, blank=True, related_name="chases"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("sent by"), on_delete=models.PROTECT, related_name="chases"
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    message = models.TextField(_("message"))
    reply_by = models.DateField(_("answer by"))

    class Meta:
        verbose_name = _("chase (催办)")
        verbose_name_plural = _("chases (催办)")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d} {self.message[:30]}"

    def get_absolute_url(self):
        return reverse("supervision:chase-detail", args=[self.pk])


class ChaseTarget(models.Model):
    """One department a chase went to, the late items it named, and the department's answer."""

    chase = models.ForeignKey(Chase, verbose_name=_("chase"), on_delete=models.CASCADE, related_name="targets")
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="chases"
    )
    items = models.ManyToManyField(WorkItem, verbose_name=_("items"), blank=True, related_name="chase_targets")
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("answered by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("chased department")
        verbose_name_plural = _("chased departments")
        constraints = [models.UniqueConstraint(fields=["chase", "department"], name="chasetarget_unique")]

    def __str__(self):
        return f"{self.chase_id} {self.department}"


class Extension(models.Model):
    """An extension request (延期申请) for an item's due date or one of its checkpoints.

    The lead department's head asks before the date passes; the office checks it and,
    where the plan says so, leadership decides. The date first promised is kept.
    """

    class State(models.TextChoices):
        PENDING = "pending", _("awaiting the office's check")
        CHECKED = "checked", _("checked, awaiting leadership")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")

    item = models.ForeignKey(WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="extensions")
    checkpoint = models.ForeignKey(
        Checkpoint, verbose_name=_("checkpoint"), on_delete=models.CASCADE, null=True, blank=True,
        related_name="extensions",
    )
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("asked by"), on_delete=models.PROTECT, related_name="extensions"
    )
    reason = models.TextField(_("reason"))
    current_due = models.DateField(_("current date"))
    new_due = models.DateField(_("new date asked for"))
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.PENDING)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("checked by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    checked_at = models.DateTimeField(_("checked at"), null=True, blank=True)
    check_comment = models.TextField(_("the office's comment"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("decided by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("decision comment"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("extension request (延期申请)")
        verbose_name_plural = _("extension requests (延期申请)")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(new_due__gt=models.F("current_due")), name="extension_later_date"),
        ]

    def __str__(self):
        return f"{self.item} → {self.new_due:%Y-%m-%d}"

    @property
    def is_pending(self) -> bool:
        return self.state in (self.State.PENDING, self.State.CHECKED)


class CompletionCheck(models.Model):
    """The office's check (办结审核) of an item reported done: closed (销号) or returned (退回重办)."""

    class Decision(models.TextChoices):
        CLOSED = "closed", _("checked and closed (销号)")
        RETURNED = "returned", _("returned to be done again (退回重办)")

    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="completion_checks"
    )
    report = models.ForeignKey(
        ProgressReport, verbose_name=_("the report of done"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices)
    comment = models.TextField(_("comment"), blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        verbose_name = _("completion check (办结审核)")
        verbose_name_plural = _("completion checks (办结审核)")
        ordering = ["-decided_at", "-pk"]

    def __str__(self):
        return f"{self.item} {self.decision}"


class SummaryRequirement(models.Model):
    """A named summary every responsible department sends by a date (半年总结 by 07-10, 年终总结 by 12-20)."""

    plan = models.ForeignKey(
        WorkPlan, verbose_name=_("work plan"), on_delete=models.CASCADE, related_name="summary_requirements"
    )
    name = models.CharField(_("name"), max_length=100)
    due_date = models.DateField(_("due date"))
    # Set on the plan's set-up page: who added, moved or removed a summary's deadline, and when.
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("summary report requirement")
        verbose_name_plural = _("summary report requirements")
        ordering = ["plan", "due_date"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="summaryrequirement_unique_name")]

    def __str__(self):
        return f"{self.name} ({self.due_date:%Y-%m-%d})"


class SummaryReport(models.Model):
    """A department's summary report (总结) for a requirement; the latest one counts."""

    requirement = models.ForeignKey(
        SummaryRequirement, verbose_name=_("requirement"), on_delete=models.CASCADE, related_name="reports"
    )
    department = models.ForeignKey(Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("summary"))
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("summary report")
        verbose_name_plural = _("summary reports")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return f"{self.requirement} · {self.department}"
