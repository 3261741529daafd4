"""Security events heard from Django's and django-axes' signals: log-ins, failures, lock-outs,
log-outs and password changes (departments.services.security_event_record writes them); the
sessions a person logs in with, and their end when the person is deactivated."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import SecurityEvent
from .services import security_event_record, user_access_end, user_session_forget, user_session_remember


@receiver(user_logged_in, dispatch_uid="audit-login")
def _logged_in(sender, request, user, **kwargs):
    security_event_record(kind=SecurityEvent.Kind.LOGIN, user=user, request=request)
    session = getattr(request, "session", None)
    if session is not None:
        user_session_remember(user=user, session_key=session.session_key)


@receiver(user_login_failed, dispatch_uid="audit-login-failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # The name as typed (never the password: Django's credentials are already cleansed).
    security_event_record(kind=SecurityEvent.Kind.LOGIN_FAILED, username=str(credentials.get("username", "")),
                          request=request)


@receiver(user_locked_out, dispatch_uid="audit-locked-out")
def _locked_out(sender, request, username, ip_address, **kwargs):
    security_event_record(kind=SecurityEvent.Kind.LOCKED_OUT, username=str(username or ""), request=request)


@receiver(user_logged_out, dispatch_uid="audit-logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        security_event_record(kind=SecurityEvent.Kind.LOGOUT, user=user, request=request)
    session = getattr(request, "session", None)
    if session is not None:
        user_session_forget(session_key=session.session_key)


@receiver(post_save, sender=get_user_model(), dispatch_uid="deactivated-access-ends")
def _deactivated(sender, instance, created=False, raw=False, update_fields=None, **kwargs):
    # Whatever path deactivated the person (the admin's 有效 box, a script, the people page): their
    # sessions and API tokens end now. A save that leaves is_active out (last_login) is skipped.
    if raw or created or instance.is_active or (update_fields is not None and "is_active" not in update_fields):
        return
    user_access_end(user=instance)


@receiver(pre_save, sender=get_user_model(), dispatch_uid="audit-password")
def _password_changed(sender, instance, raw=False, update_fields=None, **kwargs):
    # Any way a password changes (the admin, changepassword, a reset, set_password + save) goes
    # through the user's save; a save that leaves the password out (last_login) is skipped unread.
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    before = sender.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    if before is not None and before != instance.password:
        security_event_record(kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=instance)
