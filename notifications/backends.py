"""Authentication backend that loads the user with their unread-notification count and group names.

The top bar shows the count on every page, offers 我的工作 and 审核 only to those who have
them, and the navigation asks the user's roles; reading all of it in the query that loads the
user keeps every page's query count down.

The loaded user (its row and those facts: the per-user frame of every page) is kept in the
cache, one entry per user, for FRAME_SECONDS: a page then reads it with one cache round trip
and no query. Whatever changes it forgets the entry (notifications.receivers: the user saved —
a new password, deactivated, renamed, logged in —, their groups or memberships changed, a
notification of theirs created, deleted or read), so the next request loads the user again;
the time limit is only a backstop for writes no signal hears.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import ValidationError

from core import prefetch
from core.prepared import PreparedQuery, database_scoped
from departments.selectors import group_names_loaded, group_names_subquery, nav_flags

from .selectors import unread_count_subquery

FRAME_SECONDS = 120
_user_query = None


def frame_key(user_id) -> str:
    return database_scoped(f"user-frame:{user_id}")


def _loaded_user_query() -> PreparedQuery:
    """The user with the top bar's facts: compiled once per process (compiling its four subqueries
    cost more than the rest of a cached page; core.prepared)."""
    global _user_query
    if _user_query is None:
        user_model = get_user_model()
        _user_query = PreparedQuery(user_model, lambda pk: user_model._default_manager.annotate(
            notifications_unread=unread_count_subquery(), group_names=group_names_subquery(), **nav_flags()
        ).filter(pk=pk))
    return _user_query


class UserWithUnreadCountBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user_id = get_user_model()._meta.pk.to_python(user_id)
        except ValidationError:
            return None
        key = frame_key(user_id)
        user = prefetch.get(key)  # read with the session when the request's cookie named this user
        if user is None:
            user = _loaded_user_query().first(user_id)
            if user is None:
                return None
            cache.set(key, user, FRAME_SECONDS)
        group_names_loaded(user)  # the roles and departments the permissions ask about, in the same query
        return user if self.user_can_authenticate(user) else None
