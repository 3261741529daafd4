"""Portal-wide roles that are not tied to one department.

Leadership (领导) and plan admins are auth Groups with these names; the groups
are created by a data migration so every database has them.
"""

from django.utils.translation import gettext_lazy as _

LEADERSHIP_GROUP = "leadership"
PLAN_ADMIN_GROUP = "plan_admin"

ROLE_GROUP_LABELS = {
    LEADERSHIP_GROUP: _("leadership"),
    PLAN_ADMIN_GROUP: _("plan admin"),
}
