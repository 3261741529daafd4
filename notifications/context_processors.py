"""The unread-notification count for the top bar."""

from django.utils.functional import SimpleLazyObject

from .selectors import unread_count


def unread_notifications(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"notifications_unread": 0}
    loaded = getattr(user, "notifications_unread", None)
    if loaded is not None:
        return {"notifications_unread": loaded}
    # A user not loaded by our backend (e.g. another login backend): count when the template asks.
    return {"notifications_unread": SimpleLazyObject(lambda: unread_count(user=user))}
