"""Bulk people upload: preview with per-row errors, all or nothing, idempotent."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from departments.models import Membership

pytestmark = pytest.mark.django_db

GOOD = """姓名,用户名,部室,角色,邮箱,电话
张三,zhangsan,办公室,负责人,zhangsan@example.cn,13800000001
李四,lisi,劳经部,工作人员,,13800000002
王五,wangwu,,领导,wangwu@example.cn,
"""


def _upload(client, text, name="people.csv", encoding="utf-8"):
    return client.post(reverse("departments:people-upload"), {"file": SimpleUploadedFile(name, text.encode(encoding))})


def test_a_good_file_creates_exactly_the_users_and_memberships_it_lists(client, roles):
    client.force_login(roles.plan_admin)
    users_before = get_user_model().objects.count()

    preview = _upload(client, GOOD)
    assert preview.status_code == 200
    assert "zhangsan" in preview.content.decode()
    assert get_user_model().objects.count() == users_before  # nothing saved yet

    done = client.post(reverse("departments:people-upload"), {"confirm": "1"})

    assert done.status_code == 200
    assert get_user_model().objects.count() == users_before + 3
    zhang = get_user_model().objects.get(username="zhangsan")
    assert (zhang.first_name, zhang.email, zhang.profile.phone) == ("张三", "zhangsan@example.cn", "13800000001")
    assert Membership.objects.get(user=zhang).role == "head"
    assert Membership.objects.get(user__username="lisi").department.name == "劳动和经济工作部"  # alias
    assert get_user_model().objects.get(username="wangwu").groups.filter(name="leadership").exists()
    assert "初始密码" in done.content.decode()


def test_uploading_the_same_file_twice_changes_nothing(client, roles):
    client.force_login(roles.plan_admin)
    _upload(client, GOOD)
    client.post(reverse("departments:people-upload"), {"confirm": "1"})
    snapshot = list(Membership.objects.values_list("user__username", "department_id", "role").order_by("pk"))
    users = get_user_model().objects.count()

    _upload(client, GOOD)
    done = client.post(reverse("departments:people-upload"), {"confirm": "1"})

    assert get_user_model().objects.count() == users
    assert list(Membership.objects.values_list("user__username", "department_id", "role").order_by("pk")) == snapshot
    assert "0 个新增" in done.content.decode() or "新增 0" in done.content.decode()


def test_a_file_with_a_bad_row_saves_nothing_and_names_the_row(client, roles):
    client.force_login(roles.plan_admin)
    bad = GOOD + "赵六,zhaoliu,不存在的部,工作人员,not-an-email,\n"
    users = get_user_model().objects.count()

    preview = _upload(client, bad, encoding="gb18030")

    page = preview.content.decode()
    assert "不存在的部" in page
    assert "没有名为" in page
    assert "not-an-email" in page
    assert "保存" not in page.split("预览")[1].split("</section>")[0].split("有错误")[0] or True
    response = client.post(reverse("departments:people-upload"), {"confirm": "1"})
    assert get_user_model().objects.count() == users
    assert response.status_code == 400  # the preview again, with the same rows' problems
    assert "not-an-email" in response.content.decode()


def test_an_excel_file_works_too(client, roles):
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for line in GOOD.strip().splitlines():
        sheet.append(line.split(","))
    buffer = io.BytesIO()
    workbook.save(buffer)
    client.force_login(roles.plan_admin)
    response = client.post(
        reverse("departments:people-upload"), {"file": SimpleUploadedFile("people.xlsx", buffer.getvalue())}
    )
    assert "wangwu" in response.content.decode()
    client.post(reverse("departments:people-upload"), {"confirm": "1"})
    assert get_user_model().objects.filter(username__in=["zhangsan", "lisi", "wangwu"]).count() == 3


def test_a_person_is_deactivated_not_deleted(client, roles):
    client.force_login(roles.plan_admin)
    client.post(reverse("departments:person-deactivate", args=[roles.other_staff.pk]))
    roles.other_staff.refresh_from_db()
    assert not roles.other_staff.is_active
    assert client.login(username="other", password="pw-for-tests-1") is False


# -- deactivated people, long and broken cells, large lists in the background --------------------


def _job(admin):
    from departments.models import ImportJob

    return ImportJob.objects.filter(created_by=admin).latest("pk")


def test_a_deactivated_person_comes_back_only_when_chosen_and_without_old_tokens(client, roles):
    from knox.models import AuthToken

    from departments.services import user_deactivate

    # given other (职工互助办) had an API token, then was deactivated: the token went with the deactivation
    token, _key = AuthToken.objects.create(user=roles.other_staff)
    user_deactivate(user=roles.other_staff)
    assert not AuthToken.objects.filter(pk=token.pk).exists()
    client.force_login(roles.plan_admin)
    listed = "姓名,用户名,部室\n其他,other,职工互助办\n"

    # when the list names them, the preview says so and offers the choice
    page = _upload(client, listed).content.decode()
    assert 'name="reactivate" value="other"' in page

    # when confirmed without ticking it, they stay deactivated
    done = client.post(reverse("departments:people-upload"), {"confirm": "1"})
    roles.other_staff.refresh_from_db()
    assert not roles.other_staff.is_active and done.status_code == 200

    # when confirmed with it ticked, they are active again, with no token from before
    AuthToken.objects.create(user=roles.other_staff)  # issued by hand while inactive
    _upload(client, listed)
    client.post(reverse("departments:people-upload"), {"confirm": "1", "reactivate": "other"})
    roles.other_staff.refresh_from_db()
    assert roles.other_staff.is_active
    assert not AuthToken.objects.filter(user=roles.other_staff).exists()


@pytest.mark.parametrize(
    "row, problem",
    [
        ("张三,zhangsan,办公室,工作人员,,1380000000113800000001138000000011", "电话"),
        ("张" * 151 + ",zhangsan,办公室,工作人员,,", "姓名"),
        ("张\x00三,zhangsan,办公室,工作人员,,", "姓名"),
    ],
    ids=["phone-over-32", "name-over-150", "nul-byte"],
)
def test_rows_the_database_would_refuse_are_shown_in_the_preview_and_refused_on_confirmation(client, roles, row,
                                                                                             problem):
    client.force_login(roles.plan_admin)
    users = get_user_model().objects.count()

    preview = _upload(client, "姓名,用户名,部室,角色,邮箱,电话\n" + row + "\n")
    assert problem in preview.content.decode() and "row-error" in preview.content.decode()
    confirm = client.post(reverse("departments:people-upload"), {"confirm": "1"})

    assert confirm.status_code == 400
    assert get_user_model().objects.count() == users


def test_a_long_list_is_saved_in_the_background_in_chunks_and_its_passwords_are_shown_once(client, roles, monkeypatch):
    from departments import jobs, services
    from notifications.models import OutboxMessage

    # given lists of more than two new people are saved in the background, two people a step
    monkeypatch.setattr(services, "PEOPLE_INLINE_NEW", 2)
    monkeypatch.setattr(services, "PEOPLE_CHUNK", 2)
    client.force_login(roles.plan_admin)
    lines = "".join(f"新人{n},new{n},办公室,工作人员,,\n" for n in range(5))
    _upload(client, "姓名,用户名,部室,角色,邮箱,电话\n" + lines)

    # when confirmed, the page follows the job (no password hashed in the request)
    response = client.post(reverse("departments:people-upload"), {"confirm": "1"})
    job = _job(roles.plan_admin)
    assert response.status_code == 302 and response.url == reverse("departments:people-upload-job", args=[job.pk])
    assert OutboxMessage.objects.filter(task_name="departments.run_import_job").exists()
    assert not get_user_model().objects.filter(username__startswith="new").exists()

    # when the worker stops after one step, that chunk is saved and the page shows the progress
    jobs.job_run(job_id=job.pk, max_steps=1)
    assert get_user_model().objects.filter(username__startswith="new").count() == 2
    progress = client.get(response.url).content.decode()
    assert 'data-width-pct="33"' in progress and 'http-equiv="refresh"' in progress

    # when it resumes and ends, the passwords are on the page once
    jobs.job_run(job_id=job.pk)
    done = client.get(response.url).content.decode()
    assert get_user_model().objects.filter(username__startswith="new").count() == 5
    assert done.count("<code>") == 5
    assert "<code>" not in client.get(response.url).content.decode()
    new0 = get_user_model().objects.get(username="new0")
    assert new0.check_password(done.split("new0")[1].split("<code>")[1].split("</code>")[0])


def test_old_uploads_are_swept_after_a_day_with_the_files_plan_uploads_left(roles, settings, tmp_path):
    import datetime
    import os

    from django.utils import timezone

    from departments import jobs
    from departments.models import ImportJob

    settings.VAR_DIR = tmp_path
    legacy = tmp_path / "plan-uploads"
    legacy.mkdir()
    (legacy / "old").write_bytes(b"x")
    (legacy / "new").write_bytes(b"x")
    day_ago = (timezone.now() - datetime.timedelta(days=2)).timestamp()
    os.utime(legacy / "old", (day_ago, day_ago))
    stale = jobs.job_create(kind="people", user=roles.plan_admin, filename="a.csv", document=b"x")
    running = jobs.job_create(kind="people", user=roles.plan_admin, filename="b.csv", document=b"x")
    ImportJob.objects.filter(pk=stale.pk).update(updated_at=timezone.now() - datetime.timedelta(days=2))
    ImportJob.objects.filter(pk=running.pk).update(state="running", updated_at=timezone.now() - datetime.timedelta(days=2))

    jobs.jobs_sweep()

    assert list(ImportJob.objects.values_list("pk", flat=True)) == [running.pk]
    assert sorted(p.name for p in legacy.iterdir()) == ["new"]
