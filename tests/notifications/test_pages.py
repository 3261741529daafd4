"""The notification list, the unread count in the top bar, and reading: only one's own."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from notifications import services
from notifications.models import Notification
from notifications.services import ReminderKey


def _notify(world, user, n=1):
    for i in range(n):
        services.reminder_claim(
            key=ReminderKey(f"item:{i}", f"user:{user.pk}", "due_soon", "2020-12-31/7d"),
            title=f"Due soon {i}", body="Please report.", url="/my/", users=[user],
        )
    services.deliveries_send()


def test_the_top_bar_shows_the_unread_count_without_an_extra_query(client, world):
    client.force_login(world.office_staff)
    with CaptureQueriesContext(connection) as before:
        client.get(reverse("supervision:my-work"))
    _notify(world, world.office_staff, 3)
    with CaptureQueriesContext(connection) as after:
        page = client.get(reverse("supervision:my-work")).content.decode()
    assert '<span class="badge"' in page and ">3</span>" in page
    assert len(after) == len(before)


def test_the_list_shows_the_users_notifications_newest_first(client, world):
    _notify(world, world.office_staff, 2)
    _notify(world, world.office_head, 1)
    client.force_login(world.office_staff)
    page = client.get(reverse("notifications:list")).content.decode()
    assert page.index("Due soon 1") < page.index("Due soon 0")
    assert page.count("Please report.") == 2


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, world):
    _notify(world, world.office_staff)
    notice = Notification.objects.get()
    client.force_login(world.office_staff)
    response = client.post(reverse("notifications:read", args=[notice.pk]))
    assert response.status_code == 302 and response["Location"] == "/my/"
    notice.refresh_from_db()
    assert notice.read_at is not None
    assert '<span class="badge"' not in client.get(reverse("notifications:list")).content.decode()


def test_another_users_notification_is_not_found(client, world):
    _notify(world, world.office_head)
    notice = Notification.objects.get()
    client.force_login(world.office_staff)
    assert client.post(reverse("notifications:read", args=[notice.pk])).status_code == 404
    notice.refresh_from_db()
    assert notice.read_at is None


def test_mark_all_read(client, world):
    _notify(world, world.office_staff, 3)
    client.force_login(world.office_staff)
    assert client.post(reverse("notifications:read-all")).status_code == 302
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_anonymous_visitors_are_sent_to_login(client, db):
    assert client.get(reverse("notifications:list")).status_code == 302
