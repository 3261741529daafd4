"""The upload pages: preview with questions (abbreviations, removals), confirmation, background jobs."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments import jobs
from departments.models import DepartmentAlias, ImportJob
from notifications.models import OutboxMessage
from tasks import import_jobs
from tasks.models import Responsibility, WorkItem, WorkPlan
from tests.conftest import PLAN_2020
from tests.documents import breakdown_docx, synthetic_plan_text

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db, django_user_model):
    """A plan admin in a portal with no plan yet (the 2020 plan's departments would make other guesses)."""
    from departments.roles import PLAN_ADMIN_GROUP
    from departments.services import role_group

    user = django_user_model.objects.create_user("clerk", password="pw-for-tests-1", is_staff=True, is_superuser=True)
    user.groups.add(role_group(PLAN_ADMIN_GROUP))
    return user


def _upload(client, data, name):
    return client.post(reverse("tasks:plan-upload"), {"document": SimpleUploadedFile(name, data)})


def _job(admin):
    return ImportJob.objects.filter(created_by=admin).latest("pk")


def test_a_breakdown_docx_is_previewed_with_its_abbreviations_and_imported_on_confirmation(client, admin):
    client.force_login(admin)

    preview = _upload(client, breakdown_docx(), "分解表.docx")

    page = preview.content.decode()
    assert preview.status_code == 200 and "尚未保存" in page
    assert 'name="alias:宣教部"' in page and 'name="alias:经审办"' in page
    assert not WorkPlan.objects.filter(year=2023).exists()
    done = client.post(reverse("tasks:plan-upload-job", args=[_job(admin).pk]), {
        "confirm": "1", "alias:宣教部": "宣传教育部", "alias:经审办": "经费审查办公室"})
    assert done.status_code == 302
    assert WorkItem.objects.filter(section__plan__year=2023).count() == 5


def test_a_corrected_abbreviation_is_previewed_again_then_kept_as_an_alias(client, admin):
    # given the preview read 宣教部 as 宣传教育部
    client.force_login(admin)
    _upload(client, breakdown_docx(), "分解表.docx")
    url = reverse("tasks:plan-upload-job", args=[_job(admin).pk])

    # when the admin corrects it to 办公室 (a department of the same document)
    again = client.post(url, {"confirm": "1", "alias:宣教部": "办公室", "alias:经审办": "经费审查办公室"})

    # then the preview is shown again with the correction, and the import records it as an alias
    assert again.status_code == 200 and "尚未保存" in again.content.decode()
    assert client.post(url, {"confirm": "1"}).status_code == 302
    assert DepartmentAlias.objects.get(name="宣教部").department.name == "办公室"


def test_a_removal_needs_a_choice_before_the_import(client, roles, plan_2020):
    # given a document in which item 1 lost its responsibility clause
    client.force_login(roles.plan_admin)
    text = PLAN_2020.read_text(encoding="utf-8").replace("（责任部室：办公室、组织基层部、权益网络宣传部）", "", 1)
    preview = _upload(client, text.encode(), PLAN_2020.name)
    assert preview.content.decode().count('value="apply"') >= 3
    url = reverse("tasks:plan-upload-job", args=[_job(roles.plan_admin).pk])

    # when confirmed with one click, nothing happens but a request to choose
    refused = client.post(url, {"confirm": "1"})
    assert refused.status_code == 400
    assert Responsibility.objects.filter(item__section__plan=plan_2020, item__number=1).count() == 3

    # when every removal is kept (the shortcut for all), the item keeps its departments
    assert client.post(url, {"confirm": "1", "removal:all": "keep"}).status_code == 302
    assert Responsibility.objects.filter(item__section__plan=plan_2020, item__number=1).count() == 3


def test_a_large_plan_is_checked_and_imported_in_the_background(client, admin, monkeypatch):
    # given plans over two items run as background jobs
    monkeypatch.setattr(import_jobs, "INLINE_ITEMS", 2)
    client.force_login(admin)

    # when uploaded, the page follows the check's progress, queued through the outbox
    response = _upload(client, synthetic_plan_text(items=20).encode(), "big.txt")
    job = _job(admin)
    assert response.status_code == 302 and response.url == reverse("tasks:plan-upload-job", args=[job.pk])
    assert OutboxMessage.objects.filter(task_name="departments.run_import_job", kwargs={"job_id": job.pk}).count() == 1
    waiting = client.get(response.url)
    assert 'http-equiv="refresh"' in waiting.content.decode()

    # when the worker has checked it, the preview is on the page; confirming queues the writing
    jobs.job_run(job_id=job.pk)
    assert "尚未保存" in client.get(response.url).content.decode()
    assert client.post(response.url, {"confirm": "1"}).status_code == 302
    assert not WorkPlan.objects.filter(year=2030).exists()
    jobs.job_run(job_id=job.pk)

    # then the page says it is done and links to the plan's set-up
    done = client.get(response.url).content.decode()
    plan = WorkPlan.objects.get(year=2030)
    assert reverse("tasks:plan-setup", args=[plan.pk]) in done and 'http-equiv="refresh"' not in done
    assert WorkItem.objects.filter(section__plan=plan).count() == 20


def test_another_admins_upload_is_not_found(client, admin, django_user_model):
    other = django_user_model.objects.create_user("other-admin", password="pw-for-tests-1", is_superuser=True)
    job = jobs.job_create(kind="plan", user=other, filename="x.txt", document=b"x")
    client.force_login(admin)
    assert client.get(reverse("tasks:plan-upload-job", args=[job.pk])).status_code == 404


def test_the_admin_page_of_a_plan_shows_only_the_start_of_its_source(admin_client, db):
    from tasks.services import plan_import_document

    plan = plan_import_document(data=synthetic_plan_text(items=200).encode(), filename="big.txt").plan
    page = admin_client.get(reverse("admin:tasks_workplan_change", args=[plan.pk])).content.decode()
    assert "第199项工作" not in page and f"{len(plan.source_text):,}" in page


def test_the_admin_cannot_publish_or_close_a_plan_around_its_pages(admin_client, plan_2020):
    # Publishing, closing and reopening check the plan first and are audited; the admin form only shows
    # the status.
    page = admin_client.get(reverse("admin:tasks_workplan_change", args=[plan_2020.pk])).content.decode()
    assert 'name="status"' not in page
    assert WorkPlan.objects.get(pk=plan_2020.pk).status == WorkPlan.Status.PUBLISHED
