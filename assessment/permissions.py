"""Who may do what in the year-end assessment. Asks departments' roles, never guardian.

- departments write their own 自评 (their people), their head approves and sends it;
- the supervision office (督查) gives bonuses and deductions; leadership adjusts and signs off;
  both, and plan admins, see every department's score; plan admins set the rules;
- a department sees its own score; once signed off, others' too where the plan shows them to everyone.
"""

from __future__ import annotations

from departments.permissions import department_ids, in_group, is_leadership, is_plan_admin, is_supervisor

from .models import DepartmentScore, Scheme


def can_see_all(user) -> bool:
    return is_leadership(user) or is_supervisor(user) or is_plan_admin(user)


def is_member(user, department) -> bool:
    # Read with the user's groups (once a request), so neither the department's group nor a query per row.
    return user.is_authenticated and department.pk in department_ids(user)


def is_head(user, department) -> bool:
    return user.is_authenticated and in_group(user, department.head_group.name)


def can_see_score(user, scheme: Scheme, department, score: DepartmentScore | None) -> bool:
    if can_see_all(user) or is_member(user, department):
        return True
    signed = score is not None and score.is_signed
    return user.is_authenticated and signed and scheme.results_visible == Scheme.Visibility.ALL


def can_write_self_assessment(user, department) -> bool:
    return is_member(user, department)


def can_send_self_assessment(user, department) -> bool:
    return is_head(user, department)


def can_give_points(user) -> bool:
    """Bonuses and deductions (加分/扣分) by hand: the supervision office."""
    return is_supervisor(user)


def can_sign_off(user) -> bool:
    """Adjust a score with a comment and sign it off: leadership."""
    return is_leadership(user)


def can_set_rules(user) -> bool:
    return is_plan_admin(user)


def can_download_tables(user) -> bool:
    """The 考核表 of every department: who sees every score."""
    return can_see_all(user)


def can_download_ledger(user, *, item=None, department=None) -> bool:
    """An item's 台账: who sees every department, and the people of a department responsible for it; a
    department's: its people and who sees every department; the whole plan's: who sees every department."""
    if not user.is_authenticated:
        return False
    if can_see_all(user):
        return True
    if department is not None:
        return is_member(user, department)
    if item is not None:
        return any(r.department_id in department_ids(user) for r in item.responsibilities.all())
    return False
