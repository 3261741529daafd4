from django.conf import settings
from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


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
    must_change_password = models.BooleanField(
        _("must change the password"), default=False,
        help_text=_("Set when an admin gives an initial password; cleared when the person chooses their own."),
    )

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class ImportJob(models.Model):
    """A large upload (a plan document, a people list) imported in the background, with its progress.

    One mechanism for both imports (departments.jobs): the whole upload is checked
    before the first write, then written in steps that each commit; a job that
    stopped resumes at its first step not committed. It lives here, in the lowest
    app with models, so that tasks can use it too without a sideways import.
    """

    class Kind(models.TextChoices):
        PLAN = "plan", _("work plan")
        PEOPLE = "people", _("people list")

    class State(models.TextChoices):
        CHECKING = "checking", _("checking")
        PREVIEW = "preview", _("waiting for confirmation")
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("importing")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.CHECKING)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.CASCADE, related_name="import_jobs"
    )
    filename = models.CharField(_("file name"), max_length=255)
    # The upload itself, until the job is done: the worker may run on another machine than the web.
    document = models.BinaryField(_("document"), blank=True, default=b"")
    options = models.JSONField(_("options"), default=dict, blank=True)
    preview = models.JSONField(_("preview"), null=True, blank=True)
    result = models.JSONField(_("result"), null=True, blank=True)
    # Initial passwords of the people a job created, until their one showing; never in `result`.
    secrets = models.JSONField(_("secrets"), default=list, blank=True)
    secrets_shown = models.BooleanField(_("passwords shown"), default=False)
    step = models.PositiveIntegerField(_("steps done"), default=0)
    steps = models.PositiveIntegerField(_("steps"), default=0)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("import job")
        verbose_name_plural = _("import jobs")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.filename} · {self.get_state_display()}"

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return int(100 * self.step / self.steps) if self.steps else 0

    @property
    def working(self) -> bool:
        """The page refreshes itself while this is true."""
        return self.state in (self.State.CHECKING, self.State.QUEUED, self.State.RUNNING)


class SecurityEvent(models.Model):
    """One security event (安全审计): who, when, from where, what. Written by
    departments.services.security_event_record only; never changed or deleted in the admin;
    kept SECURITY_EVENT_RETENTION_DAYS (default three years), then swept."""

    class Kind(models.TextChoices):
        LOGIN = "login", _("logged in")
        LOGIN_FAILED = "login_failed", _("log-in failed")
        LOCKED_OUT = "locked_out", _("locked out")
        LOGOUT = "logout", _("logged out")
        PERMISSION_DENIED = "permission_denied", _("permission denied")
        ROLES_CHANGED = "roles_changed", _("roles changed")
        MEMBERSHIP_CHANGED = "membership_changed", _("department membership changed")
        PASSWORD_CHANGED = "password_changed", _("password changed")
        PASSWORD_RESET_ASKED = "password_reset_asked", _("password reset asked by e-mail")
        PASSWORD_RESET = "password_reset", _("password reset through the e-mailed link")
        EVIDENCE_DOWNLOADED = "evidence_downloaded", _("department-only evidence downloaded")
        API_TOKEN_ISSUED = "api_token_issued", _("API token issued")
        API_TOKEN_REVOKED = "api_token_revoked", _("API token revoked")
        SESSIONS_ENDED = "sessions_ended", _("sessions ended")
        DEPARTMENT_HANDED_OVER = "department_handed_over", _("department handed over")
        PLAN_PUBLISHED = "plan_published", _("plan published")
        PLAN_CLOSED = "plan_closed", _("plan closed")
        PLAN_REOPENED = "plan_reopened", _("plan reopened")
        PLAN_IMPORTED = "plan_imported", _("plan imported")
        PEOPLE_IMPORTED = "people_imported", _("people list imported")
        BACKUP_MADE = "backup_made", _("backup made")
        BACKUP_RESTORED = "backup_restored", _("backup restored")

    at = models.DateTimeField(_("when"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("who"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="security_events",
    )
    username = models.CharField(_("user name"), max_length=150, blank=True)
    address = models.GenericIPAddressField(pgettext_lazy("where a request came from", "from"), null=True, blank=True)
    path = models.CharField(_("address asked"), max_length=300, blank=True)
    detail = models.CharField(_("what"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["kind", "-at"], name="securityevent_kind_at")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()} {self.username}"


class UserSession(models.Model):
    """A session a person logged in with, so that deactivating them can end it at once.

    The session store (database, or Redis in front of it) is keyed by session key alone and
    cannot be asked for one user's sessions; a row is written at each log-in and removed at
    the log-out, and rows older than the session's age are swept with the security events.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="portal_sessions"
    )
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("log-in session")
        verbose_name_plural = _("log-in sessions")

    def __str__(self):
        return f"{self.user} · {self.created_at:%Y-%m-%d %H:%M}"
