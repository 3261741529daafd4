"""The 台账: an item's whole record as a zip (its files byte for byte, an index naming every one), the same for a
department and a plan, streamed, in a number of queries that does not grow with the items, to those allowed."""

from __future__ import annotations

import datetime
import io
import zipfile
import zoneinfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.html import escape

from assessment import ledger, services
from assessment.models import Scheme, SelfAssessmentEvidence
from departments.models import Department
from progress.evidence import EvidenceUpload
from supervision import services as supervision_services
from tasks.models import WorkItem
from tests.factories import pdf_upload, submit_report

pytestmark = pytest.mark.django_db

DECEMBER = datetime.datetime(2020, 12, 10, 10, 0, tzinfo=zoneinfo.ZoneInfo("Asia/Shanghai"))
EVIDENCE = b"%PDF-1.4\n" + bytes(range(256)) * 3000  # ~770 KB: copied in more than one chunk when CHUNK is small


@pytest.fixture(autouse=True)
def december(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(DECEMBER, tick=True):
        yield


@pytest.fixture
def office(plan_2020):
    return Department.objects.get(name="办公室")


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200
    assert response.streaming
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


@pytest.fixture
def recorded_item(item1, office, roles):
    """Item 1 with one of everything: a report with evidence and a reading, an instruction answered, a chase
    answered, an extension approved, and 办公室's 自评 with a file."""
    report = submit_report(item=item1, department=office, reporter=roles.staff, percent=60, narrative="已举办培训班。",
                           evidence=[pdf_upload("培训通知.pdf", EVIDENCE), pdf_upload("../../etc/passwd.pdf")])
    instruction = supervision_services.instruction_create(item=item1, author=roles.leader, text="请加快进度。<script>x</script>")
    supervision_services.instruction_reply(instruction=instruction, user=roles.staff, text="已部署落实。")
    chase = supervision_services.chase_create(plan=item1.section.plan, author=roles.supervisor, message="请报送进展。",
                                              reply_by=datetime.date(2020, 12, 15), item=item1,
                                              targets={office: [item1]})
    supervision_services.chase_answer(target=chase.targets.get(), user=roles.staff, text="本周报送。")
    extension = supervision_services.extension_request(item=item1, user=roles.head, department=office,
                                                       new_due=datetime.date(2021, 1, 31), reason="需跨年完成。")
    extension = supervision_services.extension_check(extension=extension, user=roles.supervisor, approve=True)
    if extension.state == extension.State.CHECKED:
        supervision_services.extension_decide(extension=extension, user=roles.leader, approve=True)
    scheme = Scheme.objects.get(plan=item1.section.plan)
    sa = services.self_assessment_ensure(scheme=scheme, department=office)
    upload = pdf_upload("自评/佐证.pdf", b"%PDF-1.4\nself")
    services.entry_save(self_assessment=sa, item=item1, user=roles.staff, text="全年完成理论学习。",
                        evidence=[EvidenceUpload(upload.name, upload.content_type, upload.size, upload.file)])
    return report


def test_an_items_ledger_holds_its_whole_record_and_its_files_byte_for_byte(client, roles, item1, recorded_item,
                                                                           django_assert_num_queries, monkeypatch):
    # given item 1 with a report, evidence, an instruction, a chase, an extension and a 自评
    client.force_login(roles.staff)
    monkeypatch.setattr(ledger, "CHUNK", 64 * 1024)

    # when its 台账 is downloaded
    response = client.get(reverse("assessment:ledger-item", args=[item1.pk]))
    assert response["Content-Type"] == "application/zip"
    assert ".zip" in response["Content-Disposition"]
    with django_assert_num_queries(0):  # everything was read before the first byte: no cursor while it streams
        chunks = list(response.streaming_content)

    # then it came in pieces, and is a zip whose index names every file, the evidence the very bytes uploaded
    assert len(chunks) > len(EVIDENCE) // (64 * 1024)
    assert max(len(c) for c in chunks) < 200 * 1024
    archive = zipfile.ZipFile(io.BytesIO(b"".join(chunks)))
    names = archive.namelist()
    assert "index.html" in names
    index = archive.read("index.html").decode()
    files = [n for n in names if n != "index.html"]
    assert len(files) == 3
    for name in files:
        assert name in index
    training = next(n for n in files if n.endswith("培训通知.pdf"))
    assert archive.read(training) == EVIDENCE
    assert archive.getinfo(training).compress_type == zipfile.ZIP_STORED
    assert archive.getinfo("index.html").compress_type == zipfile.ZIP_DEFLATED
    for text in ("已举办培训班。", "60%", "请加快进度。", "已部署落实。", "请报送进展。", "本周报送。", "需跨年完成。",
                 "2021-01-31", "全年完成理论学习。", escape(item1.title)):
        assert text in index, text
    assert "&lt;script&gt;" in index and "<script>" not in index  # what people wrote is text, never markup
    assert archive.testzip() is None


def test_names_from_users_cannot_leave_the_zip_or_collide():
    names = ledger.Names()
    assert ledger.safe_name("../../etc/passwd.pdf") == "_.._etc_passwd.pdf"
    for hostile in ("../../etc/passwd", "/absolute/path.pdf", "a\\b.pdf", "..", ".", "", "con:\x00.pdf"):
        cleaned = ledger.safe_name(hostile)
        assert cleaned and "/" not in cleaned and "\\" not in cleaned and not cleaned.startswith(".")
        assert cleaned not in (".", "..")
    assert names.take("a/", "方案.pdf") == "a/方案.pdf"
    assert names.take("a/", "方案.PDF") == "a/方案 (2).PDF"
    assert names.take("b/", "方案.pdf") == "b/方案.pdf"
    assert len(ledger.safe_name("长" * 300 + ".docx")) <= ledger.NAME_LIMIT
    assert ledger.safe_name("长" * 300 + ".docx").endswith(".docx")


def test_a_hostile_file_name_stays_inside_its_folder(client, roles, item1, recorded_item):
    client.force_login(roles.leader)
    names = _zip(client.get(reverse("assessment:ledger-item", args=[item1.pk]))).namelist()
    for name in names:
        assert not name.startswith("/") and ".." not in name.split("/")
    assert any(name.endswith("etc_passwd.pdf") for name in names)


def _department_zip_queries(client, office) -> tuple[int, int]:
    url = reverse("assessment:ledger-department", args=[office.pk])
    with CaptureQueriesContext(connection) as queries:
        archive = _zip(client.get(url))
    return len(queries), len([n for n in archive.namelist() if n.endswith("/index.html")])


def test_a_departments_ledger_takes_as_many_queries_for_many_items_as_for_few(client, roles, office, plan_2020):
    # given 办公室 with its items, then with more items, each with a report and a file
    client.force_login(roles.head)
    items = list(WorkItem.objects.filter(section__plan=plan_2020, responsibilities__department=office))
    submit_report(item=items[0], department=office, reporter=roles.staff, evidence=[pdf_upload()])
    few, folders = _department_zip_queries(client, office)
    assert folders == len(items)
    for item in WorkItem.objects.filter(section__plan=plan_2020).exclude(pk__in=[i.pk for i in items])[:6]:
        item.responsibilities.create(department=office, role="co_organizer", order=9)
        submit_report(item=item, department=office, reporter=roles.staff, evidence=[pdf_upload("b.pdf")])

    # when its 台账 is downloaded again
    many, more_folders = _department_zip_queries(client, office)

    # then there are six folders more, and not one query more
    assert more_folders == folders + 6
    assert many <= few <= 50


def test_the_plans_ledger_has_a_folder_per_section_and_item(client, roles, plan_2020, recorded_item):
    client.force_login(roles.supervisor)
    archive = _zip(client.get(reverse("assessment:ledger-plan", args=[plan_2020.pk])))
    indexes = [n for n in archive.namelist() if n.endswith("/index.html")]
    assert len(indexes) == WorkItem.objects.filter(section__plan=plan_2020).count()
    assert all(n.count("/") == 2 for n in indexes)  # 一、section/01 item/index.html
    top = archive.read("index.html").decode()
    assert all(n in top for n in indexes)


def test_who_may_not_see_a_ledger_gets_403(client, roles, item1, office, plan_2020):
    client.force_login(roles.other_staff)  # 职工互助办: no part in item 1, not 办公室
    assert client.get(reverse("assessment:ledger-item", args=[item1.pk])).status_code == 403
    assert client.get(reverse("assessment:ledger-department", args=[office.pk])).status_code == 403
    client.force_login(roles.staff)
    assert client.get(reverse("assessment:ledger-plan", args=[plan_2020.pk])).status_code == 403


def test_a_co_organizer_does_not_get_the_leads_self_assessment(client, roles, item1, recorded_item,
                                                                django_user_model):
    from departments.models import Membership
    from departments.services import membership_set

    co = django_user_model.objects.create_user("co", password="pw-for-tests-1")
    membership_set(user=co, department=Department.objects.get(name="组织基层部"), role=Membership.Role.MEMBER)
    client.force_login(co)
    archive = _zip(client.get(reverse("assessment:ledger-item", args=[item1.pk])))
    index = archive.read("index.html").decode()
    assert "全年完成理论学习。" not in index
    assert not any(n.endswith("佐证.pdf") for n in archive.namelist())
    # the lead's report is 部门内 (the plan's default): its narrative and files stay with the lead department
    assert "已举办培训班。" not in index
    assert not any(n.endswith("培训通知.pdf") for n in archive.namelist()) and "培训通知.pdf" not in index


def test_a_report_shared_with_the_plan_is_in_every_readers_ledger(client, roles, item1, office, django_user_model):
    from departments.models import Membership
    from departments.services import membership_set

    submit_report(item=item1, department=office, reporter=roles.staff, percent=60, narrative="公开的进展。",
                  evidence=[pdf_upload("公开通知.pdf", EVIDENCE)], narrative_visibility="plan", evidence_visibility="plan")
    co = django_user_model.objects.create_user("co", password="pw-for-tests-1")
    membership_set(user=co, department=Department.objects.get(name="组织基层部"), role=Membership.Role.MEMBER)
    client.force_login(co)
    archive = _zip(client.get(reverse("assessment:ledger-item", args=[item1.pk])))
    assert "公开的进展。" in archive.read("index.html").decode()
    assert any(n.endswith("公开通知.pdf") for n in archive.namelist())


def test_a_file_gone_from_the_disk_is_named_missing_and_the_rest_still_comes(client, roles, item1, recorded_item):
    evidence = SelfAssessmentEvidence.objects.get()
    evidence.file.storage.delete(evidence.file.name)
    client.force_login(roles.head)
    archive = _zip(client.get(reverse("assessment:ledger-item", args=[item1.pk])))
    assert not any(n.endswith("佐证.pdf") for n in archive.namelist())
    assert "missing" in archive.read("index.html").decode() or "缺失" in archive.read("index.html").decode()
    assert any(n.endswith("培训通知.pdf") for n in archive.namelist())


def test_the_item_page_offers_the_ledger_to_its_departments_only(client, roles, item1):
    url = reverse("assessment:ledger-item", args=[item1.pk])
    client.force_login(roles.staff)
    assert url in client.get(item1.get_absolute_url()).content.decode()
    client.force_login(roles.other_staff)
    assert url not in client.get(item1.get_absolute_url()).content.decode()


def test_the_ranking_and_a_departments_score_link_to_their_ledgers(client, roles, office, plan_2020):
    client.force_login(roles.leader)
    ranking = client.get(reverse("assessment:ranking") + f"?plan={plan_2020.pk}").content.decode()
    assert reverse("assessment:ledger-plan", args=[plan_2020.pk]) in ranking
    page = client.get(reverse("assessment:department", args=[office.pk]) + f"?plan={plan_2020.pk}").content.decode()
    assert reverse("assessment:ledger-department", args=[office.pk]) in page
    client.force_login(roles.staff)
    ranking = client.get(reverse("assessment:ranking") + f"?plan={plan_2020.pk}").content.decode()
    assert reverse("assessment:ledger-plan", args=[plan_2020.pk]) not in ranking
