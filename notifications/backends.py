"""Authentication backend that loads the user with their unread-notification count and group names.

The top bar shows the count on every page, offers 我的工作 and 审核 only to those who have
them, and the navigation asks the user's roles; reading all of it in the query that loads the
user keeps every page's query count down.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from departments.selectors import group_names_loaded, group_names_subquery, nav_flags

from .selectors import unread_count_subquery


class UserWithUnreadCountBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.annotate(
                notifications_unread=unread_count_subquery(), group_names=group_names_subquery(), **nav_flags()
            ).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        group_names_loaded(user)  # the roles and departments the permissions ask about, in the same query
        return user if self.user_can_authenticate(user) else None
