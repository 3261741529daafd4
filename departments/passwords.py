"""Initial passwords: a person who logs in with one an admin gave them chooses their own first.

At log-in the flag is read once into the session; the middleware then asks only the session,
so no page pays a query for it. Until the change, every page but the change form itself (and
log-out, the language switch, static files) leads to the change form.
"""

from django.contrib.auth import password_validation
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import selectors

SESSION_KEY = "must_change_password"
_EXEMPT_PREFIXES = ("/static/", "/media/", "/i18n/", "/healthz", "/readyz", "/api/")


@receiver(user_logged_in, dispatch_uid="departments.passwords.remember_initial_password")
def remember_initial_password(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session") and selectors.must_change_password(user=user):
        request.session[SESSION_KEY] = True


def forget_initial_password(request) -> None:
    request.session.pop(SESSION_KEY, None)


class InitialPasswordMiddleware:
    """Sends a person still on an initial password to the change form (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.get(SESSION_KEY) and request.user.is_authenticated:
            allowed = (reverse("password_change"), reverse("logout"))
            if request.path not in allowed and not request.path.startswith(_EXEMPT_PREFIXES):
                return redirect("password_change")
        return self.get_response(request)


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    """Django's length rule with its message in Chinese: Django 5.2 changed the English message
    ("at least %d characters") and its Chinese catalogue has only the old one, so it showed in English."""

    def get_error_message(self):
        return _("This password is too short: a password needs at least %(min_length)d characters.") % {
            "min_length": self.min_length}

    def get_help_text(self):
        return _("At least %(min_length)d characters.") % {"min_length": self.min_length}
