"""How a message reaches people: e-mail, WeCom and DingTalk group robots.

Each sender raises ChannelError when the channel refused or could not be
reached, so the delivery is retried; anything else (a crash) leaves the
delivery marked as sending, never sent twice. The in-app channel is a database
row and lives in services.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage

# The robots' documented message size limits (bytes of the markdown content).
WECOM_MARKDOWN_LIMIT = 4096
DINGTALK_MARKDOWN_LIMIT = 20000


class ChannelError(Exception):
    """The channel did not take the message; worth retrying."""


# What WeCom's and DingTalk's markdown give a meaning to — links and images ([…](…)), emphasis
# (* _ ~), code (`), headings (#), quotes and HTML such as <font> or WeCom's <@userid> mention (< >),
# tables (|), escapes (\) and mentions (@all, @mobile) — shown instead as their full-width forms,
# which read the same in Chinese text. Titles and bodies quote item titles, department names and
# people's comments as they were typed or imported.
_MARKDOWN_AS_TEXT = str.maketrans({
    "[": "［", "]": "］", "<": "＜", ">": "＞", "*": "＊", "_": "＿", "~": "～", "`": "｀", "#": "＃",
    "|": "｜", "\\": "＼", "@": "＠", "\r": "",
})


def markdown_text(text: str, *, one_line: bool = False) -> str:
    """Plain text that a robot's markdown shows as it is (`one_line`: also no line breaks, for a heading)."""
    if one_line:
        text = " ".join(text.split())
    return text.translate(_MARKDOWN_AS_TEXT)


@dataclass(frozen=True)
class Message:
    title: str
    body: str  # plain text
    url: str  # absolute

    def markdown(self) -> str:
        link = f"\n\n[{self.url}]({self.url})" if self.url else ""
        return f"### {markdown_text(self.title, one_line=True)}\n\n{markdown_text(self.body)}{link}"


def send_email(message: Message, *, address: str) -> None:
    """Plain text, never HTML; the subject on one line (a title with a line break in it would be a
    header injection, which Django refuses with BadHeaderError: the message would never go)."""
    text = f"{message.body}\n\n{message.url}".strip()
    subject = " ".join(message.title.split())
    try:
        sent = EmailMessage(subject=subject, body=text, to=[address]).send()
    except Exception as error:  # smtplib and socket errors alike: retry later
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    if sent != 1:
        raise ChannelError("the mail backend sent nothing")


def _truncate(text: str, limit: int) -> str:
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[: limit - 3].decode("utf-8", errors="ignore") + "..."


def wecom_payload(message: Message) -> dict:
    """WeCom (企业微信) group robot: a markdown message."""
    return {"msgtype": "markdown", "markdown": {"content": _truncate(message.markdown(), WECOM_MARKDOWN_LIMIT)}}


def dingtalk_payload(message: Message) -> dict:
    """DingTalk (钉钉) custom robot: a markdown message with a title."""
    return {
        "msgtype": "markdown",
        "markdown": {"title": markdown_text(message.title, one_line=True)[:64],
                     "text": _truncate(message.markdown(), DINGTALK_MARKDOWN_LIMIT)},
        "at": {"atMobiles": [], "isAtAll": False},
    }


def dingtalk_signed_url(url: str, secret: str, *, timestamp_ms: int | None = None) -> str:
    """DingTalk's signing: HMAC-SHA256 of "timestamp\\nsecret", base64, as query parameters."""
    timestamp = str(timestamp_ms if timestamp_ms is not None else int(time.time() * 1000))
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(digest))
    return f"{url}{'&' if '?' in url else '?'}timestamp={timestamp}&sign={sign}"


def post_webhook(url: str, payload: dict) -> None:
    """POST the JSON; both robots answer {"errcode": 0, "errmsg": "ok"} when they took it."""
    request = urllib.request.Request(
        url,
        data=json.dumps(payload, ensure_ascii=False).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.UNIONPLAN_WEBHOOK_TIMEOUT) as response:
            answer = response.read()
    except (urllib.error.URLError, OSError) as error:
        raise ChannelError(f"{type(error).__name__}: {error}") from error
    try:
        errcode = json.loads(answer or b"{}").get("errcode", 0)
    except ValueError as error:
        raise ChannelError(f"unreadable answer: {answer[:200]!r}") from error
    if errcode != 0:
        raise ChannelError(f"robot refused: {answer[:300].decode('utf-8', errors='replace')}")


def send_wecom(message: Message, *, url: str) -> None:
    post_webhook(url, wecom_payload(message))


def send_dingtalk(message: Message, *, url: str, secret: str = "") -> None:
    post_webhook(dingtalk_signed_url(url, secret) if secret else url, dingtalk_payload(message))
