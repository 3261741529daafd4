"""The importer's writer: the 2020 document in the database, idempotent, all-or-nothing."""

from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from departments.models import Department, DepartmentAlias
from tasks.importer import PlanParseError
from tasks.models import Responsibility, Section, Target, WorkItem, WorkPlan
from tests.conftest import PLAN_2020, import_document

pytestmark = pytest.mark.django_db


def _departments_of(plan, number):
    item = WorkItem.objects.get(section__plan=plan, number=number)
    return [(r.department.name, r.role) for r in item.responsibilities.select_related("department").order_by("order")]


def _table_sizes():
    return {
        model.__name__: model.objects.count()
        for model in (WorkPlan, Section, WorkItem, Responsibility, Target, Department, DepartmentAlias)
    }


def test_2020_plan_has_six_sections_and_eighteen_items(plan_2020):
    assert plan_2020.organization == "市总工会"
    assert plan_2020.year == 2020
    assert plan_2020.title == "市总工会2020年工作要点"
    assert plan_2020.general_requirements.startswith("2020年是脱贫攻坚战收官之年")
    assert "请勿照搬照抄" not in plan_2020.general_requirements
    sections = list(plan_2020.sections.order_by("number"))
    assert [s.numeral for s in sections] == list("一二三四五六")
    assert sections[0].title == "突出思想政治引领，引导广大职工听党话跟党走"
    items = WorkItem.objects.filter(section__plan=plan_2020).order_by("number")
    assert [i.number for i in items] == list(range(1, 19))
    assert items[0].title == "强化理论武装"
    assert items[14].title == "深化工会财务、资产管理和经费审查审计监督工作"
    assert all(item.due_date.isoformat() == "2020-12-31" for item in items)
    assert WorkItem.objects.get(section__plan=plan_2020, number=18).section.number == 6


def test_departments_keep_document_order_lead_first_and_sub_departments(plan_2020):
    lead, co = Responsibility.Role.LEAD, Responsibility.Role.CO_ORGANIZER
    assert _departments_of(plan_2020, 1) == [("办公室", lead), ("组织基层部", co), ("权益网络宣传部", co)]
    assert _departments_of(plan_2020, 8) == [("保障部", lead), ("女职工委员会办公室", co), ("职工互助办", co)]
    assert _departments_of(plan_2020, 9) == [
        ("办公室", lead),
        ("保障部", co),
        ("女职工委员会办公室", co),
        ("劳动和经济工作部", co),
    ]
    assert len(_departments_of(plan_2020, 18)) == 6
    women = Department.objects.get(name="女职工委员会办公室")
    assert women.parent.name == "保障部"
    assert DepartmentAlias.objects.get(name="劳经部").department.name == "劳动和经济工作部"
    assert not Department.objects.filter(name="劳经部").exists()


def test_every_department_is_backed_by_its_own_group(plan_2020):
    departments = list(Department.objects.all())
    assert len(departments) == 10
    assert len({d.group_id for d in departments}) == 10


def _target(plan, number, fragment):
    return Target.objects.get(item__section__plan=plan, item__number=number, phrase__contains=fragment)


def test_targets_carry_kind_unit_value_and_level(plan_2020):
    studio = Target.objects.filter(item__section__plan=plan_2020, item__number=5, level="省级").get()
    assert (studio.kind, studio.unit, studio.target_value) == ("count", "家", None)
    rates = Target.objects.filter(item__section__plan=plan_2020, item__number=11, kind="percentage")
    assert rates.count() == 4
    assert all(t.unit == "%" and t.target_value is None for t in rates)
    card = _target(plan_2020, 8, "会员卡")
    assert (card.kind, card.target_value, card.due_date.isoformat()) == ("coverage", Decimal("100"), "2020-12-31")
    training = _target(plan_2020, 16, "两期")
    assert (training.kind, training.unit, training.target_value) == ("count", "期", Decimal("2"))
    palace = Target.objects.get(item__section__plan=plan_2020, item__number=18, kind="coverage")
    assert palace.due_date.isoformat() == "2021-12-31"


def test_second_import_changes_nothing(plan_2020):
    before = _table_sizes()
    stamp = WorkPlan.objects.get().updated_at
    result = import_document()
    assert not result.changed, result.changes
    assert _table_sizes() == before
    assert WorkPlan.objects.get().updated_at == stamp


def test_reimport_keeps_placeholder_values_an_admin_filled(plan_2020):
    studio = Target.objects.filter(item__section__plan=plan_2020, item__number=5, level="省级").get()
    studio.target_value = Decimal("3")
    studio.save()
    item = WorkItem.objects.get(section__plan=plan_2020, number=3)
    item.due_date = item.due_date.replace(month=6, day=30)
    item.save()

    result = import_document()

    studio.refresh_from_db()
    item.refresh_from_db()
    assert studio.target_value == Decimal("3")
    assert item.due_date.isoformat() == "2020-06-30"
    assert not result.changed


def test_dry_run_reports_changes_and_writes_nothing(db):
    result = import_document(dry_run=True)
    assert result.created > 18
    assert any("强化理论武装" in line for line in result.changes)
    assert WorkPlan.objects.count() == 0
    assert Department.objects.count() == 0


@pytest.mark.parametrize(
    "data, filename",
    [
        (b"", "empty.txt"),
        (b"\x00\x01\x02binary\x00" * 100, "binary.txt"),
        ("2021年工作要点\n1.第一项工作。（责任部室：办公室）\n".encode(), "no-sections.txt"),
        ("某局2021年工作要点\n1.没有所属部分的工作。（责任部室：办公室）\n一、第一部分\n2.工作。\n".encode(), "orphan.txt"),
        (b"x" * (10 * 1024 * 1024), "huge.txt"),
        ("某局2021年工作要点\n一、部分\n1.工作。".encode("shift_jis", errors="ignore") + b"\xff\xfe\xfd", "sjis.txt"),
    ],
    ids=["empty", "binary", "no-sections", "item-outside-section", "10MB", "wrong-encoding"],
)
def test_malformed_documents_fail_clearly_and_change_nothing(plan_2020, data, filename):
    before = _table_sizes()
    with pytest.raises(PlanParseError) as error:
        from tasks.services import plan_import_document

        plan_import_document(data=data, filename=filename)
    assert error.value.message
    assert _table_sizes() == before


def test_item_outside_any_section_names_the_line(db):
    from tasks.services import plan_import_document

    text = "某局2021年工作要点\n总体要求。\n1.没有所属部分的工作。（责任部室：办公室）\n一、第一部分\n2.工作。\n"
    with pytest.raises(PlanParseError) as error:
        plan_import_document(data=text.encode(), filename="orphan.txt")
    assert error.value.line == 3
    assert "3" in error.value.message


OTHER_PLAN = """某区人力资源和社会保障局2021年工作要点
2021年全局工作的总体要求是：稳就业、保民生。
一、稳定和扩大就业
（一）实施就业优先政策
1．全年新增城镇就业1.2万人，城镇登记失业率控制在4.5%以内。（责任单位：就业促进科、失业保险科）
2、开展职业技能培训X人次，实现社保卡全覆盖。（牵头单位：职业能力建设科；配合单位：社会保障卡中心、就业促进科）
二、加强社会保障
3．推进养老保险扩面。(责任单位:养老保险科)
"""


def test_another_organizations_plan_imports_without_code_change(db):
    from tasks.services import plan_import_document

    result = plan_import_document(data=OTHER_PLAN.encode("gb18030"), filename="district-2021.txt")

    plan = result.plan
    assert (plan.organization, plan.year) == ("某区人力资源和社会保障局", 2021)
    assert plan.sections.count() == 2
    assert WorkItem.objects.filter(section__plan=plan).count() == 3
    assert _departments_of(plan, 2) == [
        ("职业能力建设科", Responsibility.Role.LEAD),
        ("社会保障卡中心", Responsibility.Role.CO_ORGANIZER),
        ("就业促进科", Responsibility.Role.CO_ORGANIZER),
    ]
    coverage = Target.objects.get(item__section__plan=plan, kind="coverage")
    assert "社保卡" in coverage.subject
    assert WorkItem.objects.get(section__plan=plan, number=1).subheading.endswith("实施就业优先政策")
    assert WorkItem.objects.get(section__plan=plan, number=1).due_date.isoformat() == "2021-12-31"


def test_import_command_prints_changes_then_nothing_the_second_time(db, capsys):
    call_command("import_plan", str(PLAN_2020))
    first = capsys.readouterr().out
    assert "强化理论武装" in first

    call_command("import_plan", str(PLAN_2020), "--dry-run")
    second = capsys.readouterr().out
    assert "强化理论武装" not in second
    assert WorkPlan.objects.count() == 1


def test_import_command_fails_with_the_parsers_message(db, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    with pytest.raises(CommandError):
        call_command("import_plan", str(empty))
    with pytest.raises(CommandError):
        call_command("import_plan", str(tmp_path / "missing.txt"))


def test_reimport_moves_the_lead_when_the_document_does(plan_2020):
    # given the document now lists 权益网络宣传部 first for items 1 and 14 (same clause)
    text = PLAN_2020.read_text(encoding="utf-8").replace(
        "（责任部室：办公室、组织基层部、权益网络宣传部）", "（责任部室：权益网络宣传部、办公室）"
    )
    from tasks.services import plan_import_document

    # when (the admin applies both removals of 组织基层部)
    result = plan_import_document(data=text.encode(), filename=PLAN_2020.name, allow_removals=True)

    # then
    lead, co = Responsibility.Role.LEAD, Responsibility.Role.CO_ORGANIZER
    assert _departments_of(plan_2020, 1) == [("权益网络宣传部", lead), ("办公室", co)]
    assert _departments_of(plan_2020, 14) == [("权益网络宣传部", lead), ("办公室", co)]
    assert result.deleted == 2  # 组织基层部 left both items
