"""The writer on the new formats: tables, 完成时限, losses that need a choice, limits, steps that resume."""

from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from departments import jobs
from departments.models import Department, DepartmentAlias, ImportJob
from notifications.models import OutboxMessage
from tasks import services
from tasks.importer import PlanParseError
from tasks.models import Checkpoint, Responsibility, Target, WorkItem, WorkPlan
from tests.conftest import PLAN_2020
from tests.documents import BREAKDOWN_ROWS, breakdown_docx, synthetic_plan_text
from tests.factories import submit_report

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "tasks" / "plans" / "examples"


def _import(data, filename, **kwargs):
    return services.plan_import_document(data=data, filename=filename, **kwargs)


def _item(plan, number):
    return WorkItem.objects.get(section__plan=plan, number=number)


def test_a_breakdown_table_gives_due_dates_checkpoints_cycles_and_leaders(db):
    # when a .docx 任务分解表 is imported
    plan = _import(breakdown_docx(), "分解表.docx").plan

    # then each item has its 完成时限 as written, a due date, and its leader as text
    first = _item(plan, 1)
    assert (first.deadline_text, first.due_date, first.responsible_leader) == ("2023年6月底前", date(2023, 6, 30), "张副主席")
    quarterly = _item(plan, 2)
    assert quarterly.reporting_cycle == "quarterly"
    assert [(c.due_date, c.expected_percent) for c in quarterly.checkpoints.order_by("due_date")] == [
        (date(2023, 3, 31), 25), (date(2023, 6, 30), 50), (date(2023, 9, 30), 75), (date(2023, 12, 31), 100)]
    assert _item(plan, 5).reporting_cycle == "monthly"
    # and 其中… points to its whole; 宣教部 and 经审办 were recorded as aliases
    part = Target.objects.get(item=quarterly, level="省级")
    assert (part.parent.subject, part.target_value) == ("职工书屋", Decimal(2))
    assert DepartmentAlias.objects.get(name="宣教部").department.name == "宣传教育部"
    assert DepartmentAlias.objects.get(name="经审办").department.name == "经费审查办公室"
    assert not Department.objects.filter(name="张副主席").exists()


@pytest.mark.parametrize("name", ["breakdown-table.docx", "breakdown-table.xlsx", "plan-with-deadlines.txt"])
def test_each_example_document_imports_and_imports_again_unchanged(name):
    path = EXAMPLES / name
    first = _import(path.read_bytes(), path.name)
    assert WorkItem.objects.filter(section__plan=first.plan).count() >= 3
    assert not _import(path.read_bytes(), path.name).changed


def test_a_reimport_follows_a_changed_deadline_but_keeps_checkpoints_and_due_dates_an_admin_changed():
    # given the breakdown imported, then an admin edits item 2's checkpoints and item 3's due date
    plan = _import(breakdown_docx(), "分解表.docx").plan
    edited = Checkpoint.objects.filter(item=_item(plan, 2)).order_by("due_date").first()
    edited.title = "一季度：完成选址"
    edited.save()
    item3 = _item(plan, 3)
    item3.due_date = date(2023, 8, 31)
    item3.save()

    # when the document changes the deadlines of items 1, 2 and 3
    rows = [row if isinstance(row, str) else list(row) for row in BREAKDOWN_ROWS]
    rows[1][6], rows[2][6], rows[4][6] = "9月底前", "每半年", "年底前"
    result = _import(breakdown_docx(rows=rows), "分解表.docx")

    # then item 1 follows, item 2 keeps the admin's checkpoints (with a warning), item 3 its due date
    assert _item(plan, 1).due_date == date(2023, 9, 30)
    assert Checkpoint.objects.filter(item=_item(plan, 2)).count() == 4
    assert any("changed by hand" in w or "手工" in w for w in result.warnings)
    assert _item(plan, 3).due_date == date(2023, 8, 31)
    assert _item(plan, 3).deadline_text == "年底前"


def test_removing_a_departments_responsibility_needs_a_choice(plan_2020):
    # given the document drops 组织基层部 from items 1 and 14
    text = PLAN_2020.read_text(encoding="utf-8").replace(
        "（责任部室：办公室、组织基层部、权益网络宣传部）", "（责任部室：办公室、权益网络宣传部）")

    # when imported without a choice, nothing is written and each loss is listed
    with pytest.raises(services.RemovalsUndecided) as refusal:
        _import(text.encode(), PLAN_2020.name)
    keys = [loss.key for loss in refusal.value.losses]
    assert len(keys) == 2 and all("组织基层部" in loss.label for loss in refusal.value.losses)
    assert Responsibility.objects.filter(item=_item(plan_2020, 1), department__name="组织基层部").exists()

    # when one is kept and the other applied
    _import(text.encode(), PLAN_2020.name, removals={keys[0]: "keep", keys[1]: "apply"})

    # then exactly the applied one is gone
    remaining = Responsibility.objects.filter(department__name="组织基层部", item__number__in=[1, 14])
    assert remaining.count() == 1


def test_an_item_that_lost_its_clause_is_a_loss_too(plan_2020):
    text = PLAN_2020.read_text(encoding="utf-8").replace("（责任部室：办公室、组织基层部、权益网络宣传部）", "", 1)
    preview = _import(text.encode(), PLAN_2020.name, dry_run=True)
    assert len([loss for loss in preview.losses if loss.key.startswith("responsibility:1:1:")]) == 3


def test_an_item_with_reports_is_kept_unless_its_removal_is_applied(roles, plan_2020):
    # given item 18 has a report and the document no longer has item 18
    item = _item(plan_2020, 18)
    lead = item.responsibilities.get(role="lead").department
    submit_report(item=item, department=lead, reporter=roles.plan_admin, status="in_progress", percent=10,
                  narrative="已启动。")
    text = PLAN_2020.read_text(encoding="utf-8")
    text = text[: text.index("18.")]

    preview = _import(text.encode(), PLAN_2020.name, dry_run=True)
    (loss,) = [loss for loss in preview.losses if loss.key.startswith("item:")]
    assert "progress report" in loss.detail or "进度" in loss.detail

    _import(text.encode(), PLAN_2020.name, removals={loss.key: "keep"})
    assert WorkItem.objects.filter(pk=item.pk).exists()
    _import(text.encode(), PLAN_2020.name, removals={loss.key: "apply"})
    assert not WorkItem.objects.filter(pk=item.pk).exists()


def test_a_target_with_readings_is_a_loss(roles, plan_2020):
    item = _item(plan_2020, 16)
    training = item.targets.get(unit="期")
    submit_report(item=item, department=item.responsibilities.get(role="lead").department, reporter=roles.plan_admin,
                  status="in_progress", percent=10, narrative="一期。", readings={training.pk: "1"})
    text = PLAN_2020.read_text(encoding="utf-8").replace("举办两期", "举办")

    preview = _import(text.encode(), PLAN_2020.name, dry_run=True)

    assert [loss.key for loss in preview.losses] == [f"target:{item.section.number}:16:{training.order}"]


@pytest.mark.parametrize(
    "line, fragment",
    [
        ("1." + "很长的标题" * 70 + "。（责任部室：办公室）", "item title"),
        ("1.工作。（责任部室：" + "部" * 140 + "甲、" + "部" * 140 + "乙）", "department name"),
        ("1.工作。（责任部室：办公室；完成时限：" + "年底" * 60 + "）", "deadline"),
        ("1.将合格率提高到150%。（责任部室：办公室）", "cannot be right"),
    ],
    ids=["title-over-300", "names-over-140", "deadline-over-100", "rate-over-100"],
)
def test_values_the_database_would_refuse_are_line_level_messages_and_nothing_is_written(db, line, fragment):
    from django.utils import translation

    text = f"某局2023年工作要点\n一、部分\n{line}\n"
    with translation.override("en"), pytest.raises(PlanParseError) as error:
        _import(text.encode(), "plan.txt")
    assert error.value.problems[0].startswith("line 3") and fragment in error.value.problems[0]
    assert not WorkPlan.objects.exists() and not Department.objects.exists()


def test_a_plan_title_over_200_characters_is_a_message(db):
    text = "某局2023年工作要点" + "的" * 250 + "\n一、部分\n1.工作。（责任部室：办公室）\n"
    with pytest.raises(PlanParseError):
        _import(text.encode(), "plan.txt", organization="某局", year=2023)


def test_the_command_refuses_removals_unless_allowed(plan_2020, tmp_path):
    path = tmp_path / PLAN_2020.name
    path.write_text(PLAN_2020.read_text(encoding="utf-8").replace("、组织基层部、权益网络宣传部）", "）"), encoding="utf-8")
    with pytest.raises(CommandError, match="allow-removals"):
        call_command("import_plan", str(path))
    assert Responsibility.objects.filter(item=_item(plan_2020, 1)).count() == 3
    call_command("import_plan", str(path), "--allow-removals")
    assert Responsibility.objects.filter(item=_item(plan_2020, 1)).count() == 1


def test_a_large_plan_is_written_in_steps_that_commit_and_resume(db, roles, monkeypatch):
    # given a 12-item plan written 5 items a step as a background job
    monkeypatch.setattr(services, "IMPORT_CHUNK_ITEMS", 5)
    data = synthetic_plan_text(items=12).encode()
    job = jobs.job_check(job=jobs.job_create(kind="plan", user=roles.plan_admin, filename="big.txt", document=data))
    assert job.state == "preview" and job.preview["items"] == 12

    # when it is started, and the worker stops after two of its steps (head, first five items)
    job = jobs.job_start(job=job, options={}, background=True)
    assert OutboxMessage.objects.filter(task_name="departments.run_import_job", kwargs={"job_id": job.pk}).exists()
    job = jobs.job_run(job_id=job.pk, max_steps=2)

    # then those steps are committed and the job shows where it is
    assert (job.state, job.step, job.steps) == ("running", 2, 5)
    assert WorkItem.objects.filter(section__plan__title=job.preview["title"]).count() == 5

    # when it runs again it resumes, and ends with the whole plan
    job = jobs.job_run(job_id=job.pk)
    assert (job.state, job.percent, bytes(job.document)) == ("done", 100, b"")
    plan = WorkPlan.objects.get(title=job.preview["title"])
    assert WorkItem.objects.filter(section__plan=plan).count() == 12
    assert job.result["plan_id"] == plan.pk
    # and running it once more changes nothing
    assert jobs.job_run(job_id=job.pk).state == "done"
    # and the same document imported inline finds nothing to change: the steps wrote what one transaction would
    assert not services.plan_import_document(data=data, filename="big.txt").changed


def test_a_job_whose_document_cannot_be_read_fails_with_the_message_and_writes_nothing(db, django_user_model):
    admin = django_user_model.objects.create_user("admin2", password="pw-for-tests-1")
    job = jobs.job_create(kind="plan", user=admin, filename="bad.txt", document=b"nothing")
    job = jobs.job_check(job=job)
    assert job.state == ImportJob.State.FAILED and job.error
    assert not WorkPlan.objects.exists()
