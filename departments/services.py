"""Every state change of departments and memberships."""

from __future__ import annotations

import datetime
import ipaddress
import uuid
from dataclasses import dataclass, field

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import signals
from .models import Department, DepartmentAlias, Membership, Profile, SecurityEvent


def role_group(name: str) -> Group:
    """The auth Group of a portal-wide role (departments.roles); created if a test flushed it."""
    group, _created = Group.objects.get_or_create(name=name)
    return group


def _group_name(department: Department) -> str:
    # Keyed by id, not name: renaming a department keeps its permissions.
    return f"department:{department.pk}"


@transaction.atomic
def department_create(*, name: str, parent: Department | None = None, order: int = 0) -> Department:
    """Create a department together with the auth Group that carries its permissions."""
    # A name of its own until the id is known: two long names cut to the group name's 150 characters collided.
    placeholder = uuid.uuid4().hex
    group = Group.objects.create(name=f"department:new:{placeholder}")
    head_group = Group.objects.create(name=f"department:new:{placeholder}:heads")
    department = Department(name=name, parent=parent, order=order, group=group, head_group=head_group)
    department.full_clean()
    department.save()
    group.name = _group_name(department)
    group.save(update_fields=["name"])
    head_group.name = f"{_group_name(department)}:heads"
    head_group.save(update_fields=["name"])
    return department


def department_add_alias(*, department: Department, alias: str) -> DepartmentAlias | None:
    """Record that documents call `department` also `alias`; a no-op when known."""
    if alias == department.name:
        return None
    existing = DepartmentAlias.objects.filter(name=alias).first()
    if existing is not None:
        return existing
    entry = DepartmentAlias(department=department, name=alias)
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def membership_set(*, user, department: Department, role: str = Membership.Role.MEMBER) -> Membership:
    """Make `user` a member (or head) of `department`; its permissions apply at once.

    Permissions are granted to the department's groups, so joining the group is
    all it takes; a head also joins the heads' group, which may review.
    """
    membership, created = Membership.objects.get_or_create(
        user=user, department=department, defaults={"role": role}
    )
    changed = created or membership.role != role
    if not created and membership.role != role:
        membership.role = role
        membership.save(update_fields=["role"])
    if changed:
        security_event_record(kind=SecurityEvent.Kind.MEMBERSHIP_CHANGED, username=user.get_username(),
                              detail=_("%(user)s: %(department)s, %(role)s") % {
                                  "user": user.get_username(), "department": department.name,
                                  "role": Membership.Role(role).label})
    user.groups.add(department.group)
    if role == Membership.Role.HEAD:
        user.groups.add(department.head_group)
    else:
        user.groups.remove(department.head_group)
    return membership


@transaction.atomic
def membership_remove(*, user, department: Department) -> None:
    deleted, _per_model = Membership.objects.filter(user=user, department=department).delete()
    user.groups.remove(department.group, department.head_group)
    if deleted:
        security_event_record(kind=SecurityEvent.Kind.MEMBERSHIP_CHANGED, username=user.get_username(),
                              detail=_("%(user)s left %(department)s") % {"user": user.get_username(),
                                                                         "department": department.name})


@dataclass
class PeopleImportResult:
    created: list = field(default_factory=list)  # (user, initial password)
    updated: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)
    reactivated: list = field(default_factory=list)
    kept_inactive: list = field(default_factory=list)  # deactivated people the admin did not bring back


class PeopleImportRefused(ValueError):
    pass


# Up to this many new people are saved inside the request; a longer list (each password hash takes
# half a second in production) is a background job, in chunks that each commit.
PEOPLE_INLINE_NEW = 5
PEOPLE_CHUNK = 25


def people_statuses(*, people) -> dict[str, str]:
    """username -> "new", "existing" or "deactivated" (its reactivation is the admin's explicit choice)."""
    from django.contrib.auth import get_user_model

    usernames = [person.username for person in people if person.username]
    active = dict(get_user_model().objects.filter(username__in=usernames).values_list("username", "is_active"))
    return {name: "new" if name not in active else "existing" if active[name] else "deactivated" for name in usernames}


def _revoke_tokens(user, *, by=None, request=None, why: str = "") -> int:
    # API tokens issued before a deactivation stay revoked: a reactivated person asks for a new one.
    from knox.models import AuthToken

    count, _per_model = AuthToken.objects.filter(user=user).delete()
    if count:
        security_event_record(kind=SecurityEvent.Kind.API_TOKEN_REVOKED, user=by, request=request,
                              username="" if by is not None else user.get_username(),
                              detail=_("%(user)s: %(count)d API tokens (%(why)s)") % {
                                  "user": user.get_username(), "count": count, "why": why or _("every token")})
    return count


def api_token_issue(*, user, request=None) -> tuple:
    """A new API token for `user` (who gave their password): (the token row, the token shown once).

    Only its hash is kept (django-rest-knox); it expires settings.API_TOKEN_DAYS after now. Each call
    gives another token, so each device or script has its own and one can be revoked alone."""
    from knox.models import AuthToken

    token, key = AuthToken.objects.create(user=user)
    security_event_record(kind=SecurityEvent.Kind.API_TOKEN_ISSUED, user=user, request=request,
                          detail=_("token %(key)s…, expires %(expiry)s") % {
                              "key": token.token_key[:8], "expiry": f"{token.expiry:%Y-%m-%d}"})
    return token, key


def api_token_revoke(*, user, token_key: str, by, request=None) -> bool:
    """Revoke one of `user`'s API tokens (by its first characters, as the token page shows them);
    `by` is the user themself or a plan admin. False when there is no such token (already gone)."""
    from knox.models import AuthToken

    count, _per_model = AuthToken.objects.filter(user=user, token_key=token_key).delete()
    if count:
        security_event_record(kind=SecurityEvent.Kind.API_TOKEN_REVOKED, user=by, request=request,
                              detail=_("%(user)s: token %(key)s…") % {"user": user.get_username(),
                                                                       "key": token_key[:8]})
    return bool(count)


def api_tokens_revoke_all(*, user, by, request=None) -> int:
    """Revoke all of `user`'s API tokens (the people page's button); how many went."""
    return _revoke_tokens(user, by=by, request=request, why=_("revoked by an admin"))


def user_session_remember(*, user, session_key: str | None) -> None:
    """Note the session `user` just logged in with (see UserSession)."""
    from .models import UserSession

    if session_key:
        UserSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def user_session_forget(*, session_key: str | None) -> None:
    from .models import UserSession

    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def user_sessions_end(*, user, by=None, request=None) -> int:
    """End every session `user` is logged in with, in the session store (its cache too), now.

    Called when a person is deactivated, by whatever path (the people page, the admin, the people
    list, a script saving is_active=False). Even without it the next request of a deactivated
    user is anonymous (ModelBackend.get_user refuses inactive users); this also empties the store."""
    from importlib import import_module

    from django.conf import settings

    from .models import UserSession

    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user=user).delete()
    if keys:
        security_event_record(kind=SecurityEvent.Kind.SESSIONS_ENDED, user=by, request=request,
                              username="" if by is not None else user.get_username(),
                              detail=_("%(user)s: %(count)d sessions") % {"user": user.get_username(),
                                                                          "count": len(keys)})
    return len(keys)


def user_access_end(*, user, by=None, request=None) -> None:
    """A deactivated person's ways in go at once: their sessions and their API tokens."""
    user_sessions_end(user=user, by=by, request=request)
    _revoke_tokens(user, by=by, request=request, why=_("deactivated"))


@transaction.atomic
def people_import(*, people, reactivate: frozenset[str] | set[str] = frozenset()) -> PeopleImportResult:
    """Create or update the users and memberships a checked people list names; all or nothing.

    New users get a random initial password (shown once to the admin); existing
    users keep theirs. A deactivated user comes back only when listed in
    `reactivate` (a choice in the preview), and without their old API tokens;
    otherwise their row is left as it is. Importing the same list twice changes nothing.
    """
    from django.contrib.auth import get_user_model

    from .roles import LEADERSHIP_GROUP, PLAN_ADMIN_GROUP, SUPERVISION_GROUP
    from .selectors import department_by_name_or_alias

    role_groups = {"leadership": LEADERSHIP_GROUP, "supervision": SUPERVISION_GROUP, "plan_admin": PLAN_ADMIN_GROUP}

    if any(person.errors for person in people):
        raise PeopleImportRefused("the list has errors")
    result = PeopleImportResult()
    User = get_user_model()
    for person in people:
        user = User.objects.filter(username=person.username).first()
        created = user is None
        password = None
        if created:
            password = _random_password()
            user = User(username=person.username)
            user.set_password(password)
        elif not user.is_active:
            if person.username not in reactivate:
                result.kept_inactive.append(user)
                continue
            user.is_active = True
            _revoke_tokens(user, why=_("reactivated"))
            result.reactivated.append(user)
        changed = created
        for name, value in (("first_name", person.name), ("email", person.email)):
            if value and getattr(user, name) != value:
                setattr(user, name, value)
                changed = True
        if user in result.reactivated:
            changed = True
        if changed:
            user.full_clean(exclude=["password"])
            user.save()
        if created:
            # An initial password is the admin's, not the person's: changed at the first log-in.
            Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
        if person.phone:
            profile, _created = Profile.objects.get_or_create(user=user)
            if profile.phone != person.phone:
                profile.phone, changed = person.phone, True
                profile.full_clean()
                profile.save(update_fields=["phone"])
        if person.role in (Membership.Role.MEMBER, Membership.Role.HEAD):
            department = department_by_name_or_alias(person.department)
            current = Membership.objects.filter(user=user, department=department).values_list("role", flat=True).first()
            if current != person.role:
                membership_set(user=user, department=department, role=person.role)
                changed = True
        else:
            if person.role == "supervision" and person.department:
                # The office's supervisors (督查) are staff of their department too (usually 办公室).
                department = department_by_name_or_alias(person.department)
                if department is not None and not Membership.objects.filter(user=user, department=department).exists():
                    membership_set(user=user, department=department, role=Membership.Role.MEMBER)
                    changed = True
            group = role_group(role_groups[person.role])
            if not user.groups.filter(pk=group.pk).exists():
                user.groups.add(group)
                changed = True
            if person.role == "plan_admin" and not (user.is_staff and user.is_superuser):
                # A plan admin may do everything, the admin site included.
                user.is_staff = user.is_superuser = True
                user.save(update_fields=["is_staff", "is_superuser"])
        if created:
            result.created.append((user, password))
        elif user in result.reactivated:
            pass
        elif changed:
            result.updated.append(user)
        else:
            result.unchanged.append(user)
    return result


@transaction.atomic
def password_reset_by_admin(*, user, by) -> str:
    """Give a person a new initial password (returned once, never stored in clear); they choose
    their own at the next log-in. Their sessions end (Django's session hash) and API tokens go."""
    password = _random_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    Profile.objects.update_or_create(user=user, defaults={"must_change_password": True})
    _revoke_tokens(user, by=by, why=_("password reset"))
    return password


def password_reset_allowed(*, email: str, request) -> bool:
    """Whether one more 忘记密码 mail may go to `email` from this client: PASSWORD_RESET_PER_HOUR each an
    hour (per address typed and per client address), so the form sends no flood of mail to anyone. The
    answer on the page is the same either way, and the same for an address nobody has: no enumeration.
    A cache outage lets the request through (the mail carries only a link for the address's owner)."""
    import hashlib

    from django.conf import settings
    from django.core.cache import cache

    limit = settings.PASSWORD_RESET_PER_HOUR
    keys = [f"password-reset:{kind}:{hashlib.sha256(value.encode()).hexdigest()[:24]}"
            for kind, value in (("email", email.strip().lower()), ("client", _request_address(request) or "-"))]
    allowed = True
    for key in keys:
        cache.add(key, 0, 60 * 60)
        try:
            count = cache.incr(key)
        except ValueError:  # gone between add and incr, or the cache is down (IGNORE_EXCEPTIONS)
            count = 1
        allowed = allowed and (count or 1) <= limit
    return allowed


def password_reset_asked(*, email: str, request, accounts: int, sent: bool) -> None:
    """Audit a 忘记密码 request: the address typed, from where, and whether mail went out."""
    detail = (f"accounts: {accounts}; mail sent" if sent else f"accounts: {accounts}; refused: too many requests")
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_RESET_ASKED, username=email, request=request,
                          detail=detail)


def password_reset_done(*, user, request) -> None:
    """The person set a new password through the e-mailed link: no forced change left, their API tokens
    end (sessions end with Django's session hash), a lock-out of their name is lifted, and it is audited."""
    from axes.utils import reset as axes_reset

    password_chosen(user=user)
    _revoke_tokens(user, why=_("password reset"))
    axes_reset(username=user.get_username())
    security_event_record(kind=SecurityEvent.Kind.PASSWORD_RESET, user=user, request=request)


def password_chosen(*, user) -> None:
    """The person chose their own password: no more forced change."""
    Profile.objects.filter(user=user, must_change_password=True).update(must_change_password=False)


def _random_password() -> str:
    import secrets

    return secrets.token_urlsafe(9)


@transaction.atomic
def person_roles_set(*, user, roles: set[str], by) -> set[str]:
    """Grant exactly `roles` (names of ROLE_GROUP_LABELS) to `user`; nobody takes plan admin away from themself."""
    from .roles import PLAN_ADMIN_GROUP, ROLE_GROUP_LABELS

    unknown = set(roles) - set(ROLE_GROUP_LABELS)
    if unknown:
        raise ValidationError({"roles": _("Unknown role: %(names)s") % {"names": "、".join(sorted(unknown))}})
    if user.pk == by.pk and PLAN_ADMIN_GROUP not in roles and user.groups.filter(name=PLAN_ADMIN_GROUP).exists():
        raise ValidationError({"roles": _("You cannot take the plan admin role away from yourself.")})
    current = set(user.groups.filter(name__in=ROLE_GROUP_LABELS).values_list("name", flat=True))
    for name in current - set(roles):
        user.groups.remove(role_group(name))
    for name in set(roles) - current:
        user.groups.add(role_group(name))
    if current != set(roles):
        # Nothing changed, nothing to audit: the people page saves every row it shows.
        security_event_record(
            kind=SecurityEvent.Kind.ROLES_CHANGED, user=by,
            detail=_("%(user)s: %(before)s → %(after)s") % {
                "user": user.get_username(), "before": "、".join(sorted(current)) or "—",
                "after": "、".join(sorted(roles)) or "—"})
    return set(roles)


@transaction.atomic
def user_deactivate(*, user, by=None, request=None) -> None:
    """People are deactivated, never deleted: their reports and history keep their name; their
    sessions end and their API tokens go (here, and by the receiver for any other path)."""
    # Ended first, so the events name who did it; the receiver of the save then finds nothing left.
    user_access_end(user=user, by=by, request=request)
    user.is_active = False
    user.save(update_fields=["is_active"])


class DepartmentStillResponsible(Exception):
    pass


def department_holdings(*, department: Department) -> list[str]:
    """What `department` still holds in open plans (items, brands…), one line each, as the apps say."""
    lines: list[str] = []
    for _receiver, found in signals.department_holdings.send(sender=Department, department=department):
        lines.extend(found or [])
    return lines


@transaction.atomic
def department_deactivate(*, department: Department, successor: Department | None = None, actor=None) -> int:
    """Deactivate a department; what it holds goes to `successor` first, so nothing is orphaned.

    Refused (DepartmentStillResponsible) when it holds anything and no successor is named.
    Returns how many things changed hands. Audited (部室移交) with `actor` (see security_event_by).
    """
    if successor is not None and successor.pk == department.pk:
        raise DepartmentStillResponsible(_("A department cannot hand its items to itself."))
    if successor is None:
        holdings = department_holdings(department=department)
        if holdings:
            raise DepartmentStillResponsible(
                _("%(name)s is still responsible for %(count)d items; choose who takes them over.")
                % {"name": department, "count": len(holdings)}
            )
    moved = 0
    if successor is not None:
        for _receiver, count in signals.department_handover.send(
            sender=Department, source=department, successor=successor
        ):
            moved += count or 0
    department.is_active = False
    department.save(update_fields=["is_active"])
    security_event_by(kind=SecurityEvent.Kind.DEPARTMENT_HANDED_OVER, actor=actor, detail=(
        _("%(name)s → %(successor)s: %(count)d moved") % {"name": department.name, "successor": successor.name,
                                                          "count": moved}
        if successor is not None else _("%(name)s deactivated, nothing to hand over") % {"name": department.name}))
    return moved



# ---------------------------------------------------------------------------
# Security events (安全审计).


def _request_address(request) -> str | None:
    # unionplan's middleware sets the client's address as the lock-out reads it (trusted proxies only).
    address = getattr(request, "client_address", None) or request.META.get("REMOTE_ADDR")
    try:
        return str(ipaddress.ip_address(address)) if address else None
    except ValueError:
        return None


def security_event_record(*, kind: str, user=None, username: str = "", request=None, detail: str = ""):
    """Write one security event: who (the user, or the name typed at a failed log-in), when, from where
    (the request's client address and path) and what. Never raises on a long text: fields are cut."""
    if user is not None and not getattr(user, "is_authenticated", False):
        user = None
    return SecurityEvent.objects.create(
        kind=kind,
        user=user,
        username=(username or (user.get_username() if user is not None else ""))[:150],
        address=_request_address(request) if request is not None else None,
        path=request.get_full_path()[:300] if request is not None else "",
        detail=detail[:500],
    )


def security_event_by(*, kind: str, actor, detail: str = "", request=None):
    """An event of something done by `actor`: a user (request.user from a page or the API), a
    command's name ("manage.py backup"), or None for the system itself (recorded as 系统)."""
    if actor is None or isinstance(actor, str):
        return security_event_record(kind=kind, username=actor or _("system"), detail=detail, request=request)
    return security_event_record(kind=kind, user=actor, detail=detail, request=request)


def security_events_sweep(*, now=None) -> int:
    """Delete the events older than SECURITY_EVENT_RETENTION_DAYS (default three years); returns how many."""
    from django.conf import settings
    from django.utils import timezone

    days = getattr(settings, "SECURITY_EVENT_RETENTION_DAYS", 3 * 365)
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _per_model = SecurityEvent.objects.filter(at__lt=cutoff).delete()
    # Sessions older than their cookie's age have ended by themselves; so have expired API tokens.
    from knox.models import AuthToken

    from .models import UserSession

    moment = now or timezone.now()
    UserSession.objects.filter(created_at__lt=moment - datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)).delete()
    AuthToken.objects.filter(expiry__lt=moment).delete()
    return deleted


def security_events_workbook(*, events) -> bytes:
    """The security events as an Excel sheet; every value written as text (core.spreadsheets.text_cell:
    a user name typed as =HYPERLINK(...) at a failed log-in stays words)."""
    import io

    import openpyxl
    from django.utils import timezone

    from core.spreadsheets import text_cell

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = _("Security events")
    headers = [_("When"), _("Event"), _("User name"), _("From"), _("Address asked"), _("What")]
    for column, header in enumerate(headers, start=1):
        text_cell(sheet.cell(row=1, column=column), header)
    for row, event in enumerate(events, start=2):
        values = [timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S"), event.get_kind_display(),
                  event.username, event.address or "", event.path, event.detail]
        for column, value in enumerate(values, start=1):
            text_cell(sheet.cell(row=row, column=column), value)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
