"""What views of every app share."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied


def allowed_only(check: Callable[[object], bool]):
    """A view for logged-in users (else the login page) whom `check(user)` allows (else 403).

    `check` is a question of the app's permissions.py, e.g. `permissions.can_manage_plans`.
    """

    def decorate(view):
        @login_required
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not check(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate
