"""Reads of supervision: what waits for a department (我的工作), and leadership instructions."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import OuterRef, Subquery

from progress.models import ProgressReport
from tasks.extensions import TimelineEvent
from tasks.models import Responsibility, WorkItem, WorkPlan

from .models import Instruction

DUE_SOON_DAYS = 30


@dataclass
class MyWorkRow:
    """One item the user's department is responsible for, with what waits for them."""

    responsibility: Responsibility
    latest_state: str | None
    latest_status: str | None
    latest_percent: int | None
    latest_at: object
    open_instructions: list = field(default_factory=list)

    @property
    def item(self) -> WorkItem:
        return self.responsibility.item

    def flags(self, today: datetime.date) -> list[str]:
        item = self.item
        flags = []
        if self.latest_at is None:
            flags.append("never_reported")
        elif self.latest_state == ProgressReport.State.RETURNED:
            flags.append("returned")
        elif self.latest_state == ProgressReport.State.SUBMITTED:
            flags.append("awaiting_review")
        if item.status != WorkItem.Status.DONE:
            if item.due_date < today:
                flags.append("overdue")
            elif (item.due_date - today).days <= DUE_SOON_DAYS:
                flags.append("due_soon")
        if self.open_instructions:
            flags.append("instruction")
        return flags


def my_work(*, user, plan: WorkPlan) -> list[MyWorkRow]:
    """The items of the user's departments in `plan`, in document order: a fixed number of queries."""
    latest = ProgressReport.objects.filter(item=OuterRef("item"), department=OuterRef("department")).order_by(
        "-created_at", "-pk"
    )
    responsibilities = (
        Responsibility.objects.filter(department__memberships__user=user, item__section__plan=plan)
        .select_related("item__section", "item__rollup", "department")
        .annotate(
            latest_state=Subquery(latest.values("state")[:1]),
            latest_status=Subquery(latest.values("status")[:1]),
            latest_percent=Subquery(latest.values("percent")[:1]),
            latest_at=Subquery(latest.values("created_at")[:1]),
        )
        .order_by("item__section__number", "item__number", "department__order")
    )
    rows = [
        MyWorkRow(
            responsibility=r,
            latest_state=r.latest_state,
            latest_status=r.latest_status,
            latest_percent=r.latest_percent,
            latest_at=r.latest_at,
        )
        for r in responsibilities
    ]
    by_item: dict[int, list] = {}
    for instruction in Instruction.objects.filter(
        item_id__in={row.item.pk for row in rows}, handled_at__isnull=True
    ).select_related("author"):
        by_item.setdefault(instruction.item_id, []).append(instruction)
    for row in rows:
        row.open_instructions = by_item.get(row.item.pk, [])
    return rows


def item_instructions(*, item_id: int) -> list[Instruction]:
    """An item's instructions, newest first, with their authors and who answered: one query."""
    return list(Instruction.objects.filter(item_id=item_id).select_related("author", "handled_by"))


def instruction_events(instructions) -> list[TimelineEvent]:
    """Instructions and their answers as history lines (no query)."""
    events = []
    for instruction in instructions:
        events.append(TimelineEvent(instruction.created_at, instruction.author, "instruction", instruction.text))
        if instruction.handled_at:
            events.append(TimelineEvent(instruction.handled_at, instruction.handled_by, "reply", instruction.reply))
    return events


def instruction_for_reply(*, instruction_id: int) -> Instruction:
    return Instruction.objects.select_related("item__section__plan").get(pk=instruction_id)
