"""任务分解表 tables (.docx and .xlsx) read into plans, and the limits on what a document may be.

Pure: the documents are made in memory (tests/documents.py) and parsed without a database.
"""

from datetime import date

import pytest
from django.utils import translation

from tasks.importer import PlanParseError, parse_source, read_source
from tasks.importer import parser as parser_module
from tasks.importer import reading
from tests.documents import BREAKDOWN_HEADING, breakdown_docx, breakdown_xlsx, docx_with_body, synthetic_breakdown_docx

LEAD, CO = "lead", "co_organizer"


@pytest.fixture(autouse=True)
def english_messages():
    with translation.override("en"):
        yield


def _parse(data, filename, **kwargs):
    return parse_source(read_source(data, filename=filename), **kwargs)


def _item(plan, number):
    return next(item for item in plan.items if item.number == number)


def test_a_docx_table_gives_sections_items_departments_leaders_and_deadlines():
    # given a .docx whose items are in a 任务分解表 with section rows merged across the table
    plan = _parse(breakdown_docx(), "分解表.docx")

    # then the title and the text above the table are the plan's title and 总体要求
    assert (plan.organization, plan.year) == ("某区总工会", 2023)
    assert plan.general_requirements.startswith("2023年全区工会工作的总体要求")
    assert [(s.numeral, s.title) for s in plan.sections] == [("一", "强化思想政治引领"), ("二", "维护职工合法权益")]
    first = _item(plan, 1)
    assert first.title == "深化理论学习"
    assert [(r.department, r.role) for r in first.responsibilities] == [("宣传教育部", LEAD), ("办公室", CO)]
    assert first.responsible_leader == "张副主席"  # a person, kept as text, never a department
    assert "张副主席" not in {d.name for d in plan.departments}
    assert (first.deadline.text, first.deadline.due_date) == ("2023年6月底前", date(2023, 6, 30))
    assert first.location == "table 1, row 3"


def test_a_task_merged_over_several_rows_applies_to_each_of_them():
    plan = _parse(breakdown_docx(), "分解表.docx")

    three, four = _item(plan, 3), _item(plan, 4)

    assert three.subheading == four.subheading == "开展劳动竞赛"
    assert three.title.startswith("组织劳动竞赛") and four.title.startswith("参赛职工达到")
    assert four.deadline.due_date == date(2023, 9, 30)  # 三季度


def test_columns_are_recognised_by_their_heading_in_any_order_in_excel():
    # given an .xlsx whose second sheet is named like 分解表, with a merged title row and other column words
    plan = _parse(breakdown_xlsx(), "分解表.xlsx")

    assert (plan.organization, plan.year) == ("某县人社局", 2024)
    assert [s.title for s in plan.sections] == ["稳定和扩大就业", "加强社会保障"]  # section rows alone in column A
    second = _item(plan, 2)
    assert second.title == "开展职业技能培训"
    assert [(r.department, r.role) for r in second.responsibilities] == [
        ("职业能力建设科", LEAD), ("就业促进科", CO), ("社保卡中心", CO)]
    assert second.responsible_leader == "刘副局长"
    assert second.deadline.due_date == date(2024, 12, 31)  # 2024年10月—12月
    assert [t.value for t in second.targets] == [None]  # X人次: a placeholder


def test_a_table_next_to_the_text_merges_into_its_items_and_its_departments_and_deadlines_win():
    # given a text plan whose 分解表 names other departments and deadlines for the same items
    heading = ["序号", "工作任务", "牵头部门", "配合部门", "完成时限"]
    rows = [["1", "强化理论武装", "宣传部", "办公室", "6月底前"], ["2", "加强阵地建设", "组织部", "", "每月"]]
    text = ("某局2023年工作要点", "总体要求。", "一、思想引领", "1.强化理论武装。深入学习。（责任部室：办公室）",
            "2.加强阵地建设。建设阵地5个。（责任部室：办公室）")
    data = breakdown_docx(title=text[0], before=text[1:], heading=heading, rows=rows)

    plan = _parse(data, "plan.docx")

    assert [i.number for i in plan.items] == [1, 2]
    first, second = plan.items
    assert first.body.startswith("强化理论武装。深入学习")
    assert [(r.department, r.role) for r in first.responsibilities] == [("宣传部", LEAD), ("办公室", CO)]
    assert first.deadline.due_date == date(2023, 6, 30)
    assert second.deadline.reporting_cycle == "monthly"
    assert [t.value for t in second.targets] == [5]


def test_a_table_without_a_heading_row_is_not_mistaken_for_a_plan():
    data = breakdown_docx(heading=["甲", "乙", "丙"], rows=[["一", "二", "三"]], before=())
    with pytest.raises(PlanParseError) as error:
        _parse(data, "plan.docx")
    assert "任务分解表" in error.value.message


def test_the_heading_row_may_repeat_on_every_page():
    rows = [["1", "第一项", "", "", "办公室", "", "年底前"], BREAKDOWN_HEADING, ["2", "第二项", "", "", "办公室", "", "年底前"]]
    plan = _parse(breakdown_docx(rows=rows), "plan.docx")
    assert [i.title for i in plan.items] == ["第一项", "第二项"]


def test_too_many_characters_are_refused_before_the_document_is_built(monkeypatch):
    monkeypatch.setattr(reading, "MAX_DOCUMENT_CHARACTERS", 200)
    with pytest.raises(PlanParseError) as error:
        read_source(breakdown_docx(), filename="plan.docx")
    assert "more than 200 characters" in error.value.message
    with pytest.raises(PlanParseError):
        read_source(("某局2023年工作要点\n" + "一、部分\n" * 100).encode(), filename="plan.txt")


def test_too_many_items_are_refused_with_the_limit(monkeypatch):
    monkeypatch.setattr(parser_module, "MAX_ITEMS", 3)
    text = "某局2023年工作要点\n一、部分\n" + "".join(f"{n}.第{n}项。（责任部室：办公室）\n" for n in range(1, 6))
    with pytest.raises(PlanParseError) as error:
        _parse(text.encode(), "plan.txt")
    assert "at most 3 items" in error.value.message


def test_tables_nested_too_deeply_are_refused(monkeypatch):
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("某局2023年工作要点")
    cell = document.add_table(rows=1, cols=1).cell(0, 0)
    for _level in range(4):
        cell = cell.add_table(rows=1, cols=1).cell(0, 0)
    cell.text = "深处"
    buffer = io.BytesIO()
    document.save(buffer)

    with pytest.raises(PlanParseError) as error:
        read_source(buffer.getvalue(), filename="plan.docx")
    assert "nests tables" in error.value.message


def test_markup_inflated_inside_one_paragraph_is_refused_while_streaming():
    # given a small .docx whose one paragraph unpacks to a million empty runs
    data = docx_with_body("<w:p>" + "<w:r/>" * 1_000_000 + "</w:p>")
    assert len(data) < 100_000

    with pytest.raises(PlanParseError) as error:
        read_source(data, filename="bomb.docx")
    assert "too large" in error.value.message


def test_a_long_table_is_read_row_by_row():
    row = "<w:tr><w:tc><w:p><w:r><w:t>{n}</w:t></w:r></w:p></w:tc><w:tc><w:p><w:r><w:t>第{n}项</w:t></w:r></w:p></w:tc></w:tr>"
    body = "<w:p><w:r><w:t>某局2023年工作要点</w:t></w:r></w:p><w:tbl>" + row.format(n="序号").replace(
        "第序号项", "工作任务") + "".join(row.format(n=n) for n in range(1, 3001)) + "</w:tbl>"
    source = read_source(docx_with_body(body), filename="long.docx")
    (table,) = source.tables
    assert len(table.rows) == 3001 and table.rows[-1][1].text == "第3000项"


def test_a_synthetic_breakdown_of_many_rows_reads_every_row():
    plan = parse_source(read_source(synthetic_breakdown_docx(items=60), filename="big.docx"))
    assert len(plan.items) == 60 and len(plan.sections) == 6
    assert plan.items[0].responsible_leader == "张副主席" and plan.items[0].targets[1].parent == 0
