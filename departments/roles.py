"""Portal-wide roles that are not tied to one department.

Leadership (领导), the supervision office (督查: the staff who run the plan —
chase, check extensions and completions, see everything, report and review for
nobody) and plan admins are auth Groups with these names; the groups are created
by data migrations so every database has them.
"""

from django.utils.translation import gettext_lazy as _

LEADERSHIP_GROUP = "leadership"
SUPERVISION_GROUP = "supervision"
PLAN_ADMIN_GROUP = "plan_admin"

ROLE_GROUP_LABELS = {
    LEADERSHIP_GROUP: _("leadership"),
    SUPERVISION_GROUP: _("supervision office"),
    PLAN_ADMIN_GROUP: _("plan admin"),
}


def role_label(code: str) -> str:
    """What a role code of the people list (member, head, leadership, supervision, plan_admin) is called on a page."""
    from .models import Membership  # the models import nothing from here; the import waits for the call

    if code in Membership.Role.values:
        return str(Membership.Role(code).label)
    return str(ROLE_GROUP_LABELS.get(code, code))
