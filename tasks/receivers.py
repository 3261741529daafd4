"""Tasks' answers to departments' signals: what a department is responsible for, and its hand-over."""

from __future__ import annotations

from django.utils.translation import gettext as _

from departments import signals as department_signals

from . import selectors, services


def open_responsibilities(sender, *, department, **kwargs) -> list[str]:
    return [
        _("%(year)d · %(number)d. %(title)s (%(role)s)")
        % {"year": r.item.section.plan.year, "number": r.item.number, "title": r.item.title,
           "role": r.get_role_display()}
        for r in selectors.department_open_items(department=department)
    ]


def hand_over_responsibilities(sender, *, source, successor, **kwargs) -> int:
    return services.responsibilities_move(source=source, target=successor)


def connect() -> None:
    department_signals.department_holdings.connect(open_responsibilities, dispatch_uid="tasks.open_responsibilities")
    department_signals.department_handover.connect(hand_over_responsibilities, dispatch_uid="tasks.hand_over")
