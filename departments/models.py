from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Department(models.Model):
    """A responsible department (责任部室), backed by an auth Group.

    Object permissions are granted to the group, not to each member, so moving a
    user between departments changes what they may do at once.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    group = models.OneToOneField(
        Group, verbose_name=_("permission group"), on_delete=models.PROTECT, related_name="department"
    )
    # Heads get review rights through a second group, so guardian alone answers "may review".
    head_group = models.OneToOneField(
        Group, verbose_name=_("heads' permission group"), on_delete=models.PROTECT, related_name="headed_department"
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["order", "name"]

    def __str__(self):
        return self.name

    @property
    def display_name(self) -> str:
        return f"{self.parent.name} · {self.name}" if self.parent_id else self.name


class DepartmentAlias(models.Model):
    """Another name a document uses for a department, e.g. 劳经部 for 劳动和经济工作部."""

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="aliases"
    )
    name = models.CharField(_("alias"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("department alias")
        verbose_name_plural = _("department aliases")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("staff")
        HEAD = "head", _("department head")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="memberships"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(_("role"), max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["department__order", "-role", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["user", "department"], name="membership_unique_user_department"),
        ]

    def __str__(self):
        return f"{self.user} · {self.department} · {self.get_role_display()}"


class Profile(models.Model):
    """What the portal knows of a person beyond Django's user: a phone for reminders."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    phone = models.CharField(_("phone"), max_length=32, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)
