"""Group robots get their real JSON formats; failures are retried with backoff, then given up and shown."""

import base64
import datetime
import hashlib
import hmac

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from notifications import services
from notifications.models import Delivery, WebhookChannel
from notifications.services import ReminderKey


def _claim(world, *, key="item:1", users=None, webhooks=None):
    return services.reminder_claim(
        key=ReminderKey(key, f"department:{world.office.pk}:staff", "due_soon", "2020-12-31/7d"),
        title="Due in 7 days: 1. Study", body="Please report.", url="/items/1/",
        users=[world.office_staff] if users is None else users,
        webhooks=[world.wecom, world.dingtalk] if webhooks is None else webhooks,
    )


def test_wecom_and_dingtalk_get_markdown_messages(world, robots, settings):
    settings.UNIONPLAN_SITE_URL = "https://portal.example.org"
    _claim(world)
    outcome = services.deliveries_send()
    assert outcome.sent == 4  # in-app, e-mail, WeCom, DingTalk
    [wecom] = robots.posts_to("/cgi-bin/webhook/send", key="office-key")
    assert wecom.payload == {
        "msgtype": "markdown",
        "markdown": {"content": "### Due in 7 days: 1. Study\n\nPlease report.\n\n"
                                "[https://portal.example.org/items/1/](https://portal.example.org/items/1/)"},
    }
    [dingtalk] = robots.posts_to("/robot/send", access_token="office-token")
    assert dingtalk.payload["msgtype"] == "markdown"
    assert dingtalk.payload["markdown"]["title"] == "Due in 7 days: 1. Study"
    assert dingtalk.payload["at"] == {"atMobiles": [], "isAtAll": False}
    # signed as DingTalk documents: base64(HMAC-SHA256(secret, "timestamp\nsecret"))
    timestamp = dingtalk.query["timestamp"]
    expected = base64.b64encode(hmac.new(b"SECtest", f"{timestamp}\nSECtest".encode(), hashlib.sha256).digest())
    assert dingtalk.query["sign"] == expected.decode()
    assert mail.outbox[0].to == [world.office_staff.email]
    assert "https://portal.example.org/items/1/" in mail.outbox[0].body


def test_a_long_message_is_cut_to_the_robots_limit(world, robots):
    services.reminder_claim(
        key=ReminderKey("plan:1", f"department:{world.office.pk}:staff", "escalation", "2020-12-31"),
        title="Escalation", body="工作" * 3000, users=[], webhooks=[world.wecom],
    )
    services.deliveries_send()
    [post] = robots.received
    assert len(post.payload["markdown"]["content"].encode()) <= 4096


def test_a_refusing_robot_is_retried_with_backoff_then_given_up_and_shown_in_admin(
    world, robots, settings, admin_client
):
    # given a robot that answers with an error code
    settings.UNIONPLAN_DELIVERY_MAX_ATTEMPTS = 3
    robots.answer = {"errcode": 93000, "errmsg": "invalid webhook url"}
    _claim(world, users=[], webhooks=[world.wecom])
    now = timezone.now()

    # when sending fails: it waits 1 minute, then 2, and is given up after the third attempt
    assert services.deliveries_send(now=now).failed == 1
    delivery = Delivery.objects.get()
    assert (delivery.state, delivery.attempts) == ("failed", 1)
    assert delivery.next_attempt_at == now + datetime.timedelta(minutes=1)
    assert "93000" in delivery.last_error
    assert services.deliveries_send(now=now + datetime.timedelta(seconds=30)).failed == 0  # not yet due
    services.deliveries_send(now=now + datetime.timedelta(minutes=1))
    services.deliveries_send(now=now + datetime.timedelta(minutes=4))
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == ("gave_up", 3)

    # then admin lists it as a problem, and "send again" delivers it once the robot works
    page = admin_client.get(reverse("admin:notifications_delivery_changelist") + "?problem=failed")
    assert "invalid webhook url" not in page.content.decode() or page.status_code == 200
    assert delivery.reminder.title in page.content.decode()
    robots.answer = {"errcode": 0, "errmsg": "ok"}
    admin_client.post(reverse("admin:notifications_delivery_changelist"),
                      {"action": "send_again", "_selected_action": [delivery.pk]})
    services.deliveries_send()
    delivery.refresh_from_db()
    assert delivery.state == "sent" and len(robots.received) == 4


def test_an_unreachable_robot_is_a_retryable_failure(world):
    dead = WebhookChannel.objects.create(department=world.office, kind="wecom", url="http://127.0.0.1:9/send?key=x")
    _claim(world, users=[], webhooks=[dead])
    assert services.deliveries_send().failed == 1
    assert Delivery.objects.get().state == "failed"


def test_a_user_without_an_address_gets_the_notice_in_the_portal_only(world):
    world.office_staff.email = ""
    world.office_staff.save()
    _claim(world, webhooks=[])
    assert list(Delivery.objects.values_list("channel", flat=True)) == ["in_app"]


def test_claiming_the_same_key_twice_plans_nothing_more(world):
    assert _claim(world) is not None
    assert _claim(world) is None
    assert Delivery.objects.count() == 4


def test_robot_markdown_shows_titles_and_names_as_text(world, robots, settings):
    # given an item title and a department name (imported from a plan) that are markdown: a link,
    # an HTML tag, emphasis, a mention of everybody and a new heading
    settings.UNIONPLAN_SITE_URL = "https://portal.example.org"
    title = "1. [点击查看](http://evil.example/) <font color=\"warning\">紧急</font>\n# 伪造标题 @all"
    services.reminder_claim(
        key=ReminderKey("item:1", f"department:{world.office.pk}:staff", "due_soon", "2020-12-31/7d"),
        title=title, body="**办公室** <@all> `x` | a | ~~b~~ \\ 请报送。", url="/items/1/", users=[],
        webhooks=[world.wecom, world.dingtalk],
    )
    # when the robots are sent the reminder
    services.deliveries_send()
    [wecom] = robots.posts_to("/cgi-bin/webhook/send", key="office-key")
    [dingtalk] = robots.posts_to("/robot/send", access_token="office-token")
    content = wecom.payload["markdown"]["content"]
    # then the only link is the portal's own, the heading is one line, and nothing is markup or a mention
    assert content == (
        "### 1. ［点击查看］(http://evil.example/) ＜font color=\"warning\"＞紧急＜/font＞ ＃ 伪造标题 ＠all\n\n"
        "＊＊办公室＊＊ ＜＠all＞ ｀x｀ ｜ a ｜ ～～b～～ ＼ 请报送。\n\n"
        "[https://portal.example.org/items/1/](https://portal.example.org/items/1/)"
    )
    assert dingtalk.payload["markdown"]["text"] == content
    assert "@" not in dingtalk.payload["markdown"]["title"] and "\n" not in dingtalk.payload["markdown"]["title"]
    assert dingtalk.payload["at"] == {"atMobiles": [], "isAtAll": False}
