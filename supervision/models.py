"""Supervision (督办): leadership instructions (批示) on items.

Instruction was first created in the tasks app: it keeps its table names.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from tasks.models import WorkItem


class Instruction(models.Model):
    """A leadership instruction (领导批示) on an item, open until a department answers it."""

    item = models.ForeignKey(
        WorkItem, verbose_name=_("work item"), on_delete=models.CASCADE, related_name="instructions"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT, related_name="instructions"
    )
    text = models.TextField(_("instruction"))
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    handled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handled by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_instructions",
    )
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
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
        return self.handled_at is None
