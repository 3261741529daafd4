"""May this user write or answer a leadership instruction? Asks tasks.permissions, never guardian."""

from __future__ import annotations

from departments.permissions import is_leadership
from tasks import permissions as plan_permissions

from .models import Instruction


def can_instruct(user, item) -> bool:
    return is_leadership(user) and plan_permissions.is_open(item)


def can_handle_instruction(user, instruction: Instruction) -> bool:
    """The responsible departments' people answer an open instruction."""
    return instruction.is_open and plan_permissions.may_report_on(user, instruction.item)
