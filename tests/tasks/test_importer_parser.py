"""The 工作要点 parser on the real 2020 document, on other plans, and on hostile input.

Pure functions, no database: runs under pytest-django or with `-p no:django`.
"""

import os
import random
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import django
import pytest
from django.conf import settings
from django.utils import translation

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    # Messages go through gettext, which needs settings; pytest-django provides the real ones.
    settings.configure(USE_I18N=False)
    django.setup()

from tasks.importer import (  # noqa: E402
    ParsedDepartment,
    PlanParseError,
    ResponsibilityRole,
    TargetKind,
    parse_plan,
    parse_plan_text,
    read_document,
)
from tasks.importer.departments import resolve_aliases, split_responsibility_clause  # noqa: E402
from tasks.importer.reading import MAX_DOCUMENT_BYTES, split_lines  # noqa: E402

PLAN_2020 = Path(__file__).resolve().parents[2] / "tasks" / "plans" / "2020-city-union-work-plan.txt"
LEAD, CO = ResponsibilityRole.LEAD, ResponsibilityRole.CO_ORGANIZER

DEPARTMENTS_2020 = [
    "办公室",
    "组织基层部",
    "权益网络宣传部",
    "劳动和经济工作部",
    "保障部",
    "女职工委员会办公室",
    "职工互助办",
    "财务资产部",
    "市工人文化宫",
    "经费审查委员会办公室",
]


@pytest.fixture(scope="module", autouse=True)
def english_messages():
    # The portal speaks Chinese by default; these tests compare the English msgids.
    with translation.override("en"):
        yield


@pytest.fixture(scope="module")
def text_2020() -> str:
    return PLAN_2020.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def plan(text_2020):
    return parse_plan(read_document(text_2020.encode("utf-8"), filename="plan.txt"))


def _item(plan, number):
    return next(item for item in plan.items if item.number == number)


def _departments(item):
    return [(r.department, r.role) for r in item.responsibilities]


def _targets(item, kind=None):
    return [t for t in item.targets if kind is None or t.kind == kind]


def _target(item, fragment):
    (target,) = [t for t in item.targets if fragment in t.phrase]
    return target


def _summary(target):
    return (target.kind, target.unit, target.value, target.level, target.due_date)


# -- the 2020 document ---------------------------------------------------------------------------


def test_2020_title_year_organization_and_preamble(plan):
    assert plan.title == "市总工会2020年工作要点"
    assert plan.organization == "市总工会"
    assert plan.year == 2020
    assert plan.preamble == ("本文系作者原创投稿，仅供学习参考，请勿照搬照抄！",)
    assert plan.general_requirements.startswith("2020年是脱贫攻坚战收官之年")
    assert plan.general_requirements.endswith("推进X高质量发展中贡献新的力量。")
    assert "请勿照搬照抄" not in plan.general_requirements


def test_2020_has_six_sections_in_order(plan):
    assert [s.numeral for s in plan.sections] == list("一二三四五六")
    assert [s.number for s in plan.sections] == [1, 2, 3, 4, 5, 6]
    assert [s.title for s in plan.sections] == [
        "突出思想政治引领，引导广大职工听党话跟党走",
        "完善“三大机制”，激发广大职工建设美丽X的劳动热情和创造伟力",
        "深入实施维权服务“五大行动”，不断满足职工群众对美好生活的向往",
        "推进工会改革“三大工程”，不断创新适应职工需求的工作运行机制和活动方式",
        "切实加强工会系统党的建设，为新时代工会工作提供坚强保证",
        "持续推动工作创新、品牌创建，带动提高X市工会工作整体水平",
    ]
    assert [s.line for s in plan.sections] == [5, 8, 12, 18, 22, 27]
    assert [[i.number for i in s.items] for s in plan.sections] == [
        [1, 2],
        [3, 4, 5],
        [6, 7, 8, 9, 10],
        [11, 12, 13],
        [14, 15, 16, 17],
        [18],
    ]
    assert all(s.intro == "" for s in plan.sections)


def test_2020_has_eighteen_items_with_titles(plan):
    assert [i.number for i in plan.items] == list(range(1, 19))
    assert [i.line for i in plan.items][:3] == [6, 7, 9]
    titles = {i.number: i.title for i in plan.items}
    assert titles[1] == "强化理论武装"
    assert titles[2] == "加强思想引领"
    assert titles[8] == "实施以工会会员卡为载体的普惠服务行动"
    assert titles[15] == "深化工会财务、资产管理和经费审查审计监督工作"
    assert titles[18] == "持续打造X市工会工作“五大品牌”"
    assert all(i.subheading == "" for i in plan.items)


def test_2020_item_body_drops_number_and_responsibility_clause(plan):
    first, fifteenth = _item(plan, 1), _item(plan, 15)
    assert first.body.startswith("强化理论武装。深入学习")
    assert first.body.endswith("指导实践、推动工作。")
    assert "责任部室" not in first.body
    assert fifteenth.body.startswith("深化工会财务")  # "15. " with its space is gone
    assert all("责任部室" not in item.body for item in plan.items)


def test_2020_departments_per_item_in_document_order(plan):
    assert _departments(_item(plan, 1)) == [("办公室", LEAD), ("组织基层部", CO), ("权益网络宣传部", CO)]
    assert _departments(_item(plan, 2)) == [("办公室", LEAD), ("权益网络宣传部", CO)]  # half-width colon
    assert _departments(_item(plan, 8)) == [("保障部", LEAD), ("女职工委员会办公室", CO), ("职工互助办", CO)]
    assert _departments(_item(plan, 9)) == [
        ("办公室", LEAD),
        ("保障部", CO),
        ("女职工委员会办公室", CO),
        ("劳动和经济工作部", CO),
    ]
    assert _departments(_item(plan, 12)) == [
        ("权益网络宣传部", LEAD),
        ("组织基层部", CO),
        ("财务资产部", CO),
        ("市工人文化宫", CO),
    ]
    assert _departments(_item(plan, 18)) == [
        ("办公室", LEAD),
        ("组织基层部", CO),
        ("保障部", CO),
        ("劳动和经济工作部", CO),
        ("财务资产部", CO),
        ("市工人文化宫", CO),
    ]
    assert all(r.order == index for item in plan.items for index, r in enumerate(item.responsibilities))
    assert all(item.responsibilities for item in plan.items)


def test_2020_distinct_departments_and_the_one_alias(plan):
    assert [d.name for d in plan.departments] == DEPARTMENTS_2020
    assert ParsedDepartment(name="女职工委员会办公室", parent="保障部") in plan.departments
    assert [d.name for d in plan.departments if d.parent] == ["女职工委员会办公室"]
    assert plan.aliases == {"劳经部": "劳动和经济工作部"}
    assert plan.warnings == ("Department “劳经部” was read as “劳动和经济工作部”.",)


def test_2020_item_12_mixed_brackets_in_body_stay_in_body(plan):
    item = _item(plan, 12)
    assert item.body.endswith("努力实现市、县（市、区)两级工人文化宫全覆盖。")


def test_2020_quoted_names_of_the_brand_item(plan):
    names = _item(plan, 18).quoted_names
    brands = ["党工共建", "百里边防工会建设", "工会助力脱贫攻坚", "工人文化宫建设", "劳模（工匠）讲堂"]
    assert all(brand in names for brand in brands)
    assert [name for name in names if name in brands] == ["党工共建", "工人文化宫建设", "劳模（工匠）讲堂", "百里边防工会建设", "工会助力脱贫攻坚"]
    assert len(names) == len(set(names))
    assert _item(plan, 1).quoted_names == ("四个意识", "四个自信", "两个维护")


def test_2020_targets_of_item_5(plan):
    item = _item(plan, 5)
    assert [_summary(t) for t in item.targets] == [
        (TargetKind.COUNT, "家", None, "省级", None),
        (TargetKind.COUNT, "家", None, "市级", None),
    ]
    assert item.targets[0].subject == "省级劳模和工匠人才创新工作室"
    assert item.targets[0].phrase == "年内创建和推荐申报X家省级劳模和工匠人才创新工作室"
    assert item.targets[1].phrase == "创建X家市级劳模和工匠人才创新工作室"
    assert [t.order for t in item.targets] == [0, 1]


def test_2020_targets_of_item_8(plan):
    item = _item(plan, 8)
    end_of_2020 = date(2020, 12, 31)
    card = _target(item, "会员卡")
    assert _summary(card) == (TargetKind.COVERAGE, "%", Decimal(100), "", end_of_2020)
    assert card.subject == "会员卡"
    station = _target(item, "爱心驿站")
    assert (station.kind, station.unit, station.value, station.subject) == (TargetKind.COUNT, "家", None, "工会爱心驿站")
    check_up = _target(item, "健康体检")
    assert (check_up.kind, check_up.unit, check_up.value) == (TargetKind.COUNT, "名", None)
    care_room = _target(item, "女职工关爱室")
    assert _summary(care_room) == (TargetKind.COUNT, "个", None, "省级", None)
    assert len(item.targets) == 4


def test_2020_targets_of_item_9_and_12(plan):
    (archive,) = _item(plan, 9).targets
    assert (archive.kind, archive.level, archive.value, archive.subject) == (
        TargetKind.COVERAGE,
        "市级",
        Decimal(100),
        "市级困难职工档案",
    )
    (palaces,) = _item(plan, 12).targets
    assert palaces.kind == TargetKind.COVERAGE
    assert palaces.phrase == "努力实现市、县（市、区)两级工人文化宫全覆盖"


def test_2020_targets_of_item_11_are_four_rates(plan):
    rates = _targets(_item(plan, 11))
    assert [(t.kind, t.unit, t.value, t.due_date) for t in rates] == [
        (TargetKind.PERCENTAGE, "%", None, date(2020, 12, 31))
    ] * 4
    assert [t.subject for t in rates] == ["快递物流等八大群体企业建会率", "职工入会率", "货车司机建会率", "入会率"]
    assert rates[0].phrase.startswith("力争到2020年底快递物流")
    assert rates[2].phrase == "其中货车司机建会率、入会率分别达X%、X％以上"


def test_2020_targets_of_item_15_and_16(plan):
    audits = _item(plan, 15).targets
    assert [(t.kind, t.unit, t.value) for t in audits] == [
        (TargetKind.COUNT, "个", None),
        (TargetKind.COUNT, "个", None),
        (TargetKind.COVERAGE, "%", Decimal(100)),
    ]
    assert audits[2].subject == "对下审计"
    (training,) = _item(plan, 16).targets
    assert _summary(training) == (TargetKind.COUNT, "期", Decimal(2), "", None)
    assert training.phrase == "在X市举办两期全员化工会干部培训班"


def test_2020_targets_of_item_18(plan):
    item = _item(plan, 18)
    borders = _target(item, "边境乡镇")
    assert (borders.kind, borders.unit, borders.value) == (TargetKind.COUNT, "个", None)
    palaces = _target(item, "工人文化宫全覆盖")
    assert (palaces.kind, palaces.due_date) == (TargetKind.COVERAGE, date(2021, 12, 31))
    assert len(item.targets) == 2  # "到2021年底…打造成为…省级工会工作品牌" names no number to count


def test_2020_items_without_numbers_have_no_targets(plan):
    without = [i.number for i in plan.items if not i.targets]
    assert without == [1, 2, 3, 4, 6, 7, 10, 13, 14, 17]


def test_2020_no_false_targets_from_slogans_congresses_or_idioms(plan):
    phrases = [t.phrase for item in plan.items for t in item.targets]
    for words in ["四个意识", "两个维护", "六个一批", "三个抓手", "一小时", "五小", "一个都不能少", "不漏一户",
                  "一手抓", "十九届", "十七大", "X工会X大", "2019-2021", "XX大学", "搭建一个", "八项规定"]:  # fmt: skip
        assert not any(words in phrase for phrase in phrases), words
    assert not any(t.unit == "大" or t.value == Decimal(8) for item in plan.items for t in item.targets)


def test_parsing_is_deterministic(text_2020):
    assert parse_plan_text(text_2020) == parse_plan_text(text_2020)


def test_parse_plan_text_equals_read_then_parse(text_2020, plan):
    assert parse_plan_text(text_2020) == plan


# -- the same document in other files -----------------------------------------------------------


def test_gb18030_document_reads_the_same(text_2020, plan):
    assert parse_plan(read_document(text_2020.encode("gb18030"), filename="plan.txt")) == plan


def test_utf8_with_bom_reads_the_same(text_2020, plan):
    assert parse_plan(read_document(text_2020.encode("utf-8-sig"), filename="plan.TXT")) == plan


def test_utf16_with_bom_reads_the_same(text_2020, plan):
    assert parse_plan(read_document(text_2020.encode("utf-16"), filename="plan.txt")) == plan


def test_windows_line_endings_read_the_same(text_2020, plan):
    data = text_2020.replace("\n", "\r\n").encode("utf-8")
    assert parse_plan(read_document(data, filename="plan.txt")) == plan


def test_docx_made_from_the_2020_text_parses_to_the_same_plan(text_2020, plan):
    import docx

    document = docx.Document()
    for line in text_2020.rstrip("\n").split("\n"):
        document.add_paragraph(line)
    buffer = BytesIO()
    document.save(buffer)

    from_docx = parse_plan(read_document(buffer.getvalue(), filename="2020.docx"))

    assert len(from_docx.sections) == 6
    assert [i.number for i in from_docx.items] == list(range(1, 19))
    assert from_docx == plan


def test_split_lines_normalises_but_keeps_line_numbers():
    text = "\ufeff标题\r\n\r\n一、部分\u3000\u00a0 \r1.工作。\t\n"
    assert split_lines(text) == ["标题", "", "一、部分", "1.工作。"]


# -- another organization's plan ----------------------------------------------------------------

DISTRICT_PLAN = """某区人力资源和社会保障局2021年工作要点

2021年是“十四五”规划开局之年。全局工作的总体要求是：坚持稳中求进工作总基调，
突出稳就业、保民生、防风险，推动人社事业高质量发展。

一、稳定和扩大就业
（一）实施就业优先政策
1．落实就业优先政策。新增城镇就业1.2万人，城镇登记失业率控制在4.5%以内。(责任单位：就业促进科、失业保险科)
2、开展职业技能提升行动。全年开展职业技能培训X人次，新建2个公共实训基地。
加强技能人才评价，推进职业技能等级认定。(牵头单位：职业能力建设科；配合单位：就业促进科、人才服务中心)
（二）做好重点群体就业
3．促进高校毕业生就业。组织开展“2021年高校毕业生就业服务月”活动，举办三场专场招聘会。（责任单位：人才服务中心）
4．做好农民工就业。力争全年新增农村劳动力转移就业5000人。（责任单位：就业科）
二、完善社会保障体系
5．推进全民参保计划。实现社保卡全覆盖，到2021年底基本养老保险参保率达到95%以上。（牵头单位:社会保险科；配合单位:社保卡中心、信息中心）
6．加强基金监管。开展社会保险基金专项检查，确保基金安全。
（责任单位：基金监督科、社会保险科）
三、构建和谐劳动关系
7．健全劳动关系协调机制。企业劳动合同签订率保持在95%以上。（责任单位：劳动关系科）
8．加强劳动保障监察。实现农民工工资支付监控预警平台全覆盖，根治欠薪。（责任单位：劳动监察大队、劳动关系科）
9．提升调解仲裁效能。劳动人事争议仲裁结案率达到90%以上，调解成功率达60%。（责任单位：仲裁院；责任领导：张三）
四、加强自身建设
10．加强干部队伍建设。举办两期干部能力提升培训班。（责任单位：办公室、人事科）
"""


@pytest.fixture(scope="module")
def district():
    return parse_plan_text(DISTRICT_PLAN, known_departments={"社会保障卡中心": ["社保卡中心"]})


def test_district_plan_title_and_requirements(district):
    assert (district.organization, district.year) == ("某区人力资源和社会保障局", 2021)
    assert district.preamble == ()
    assert district.general_requirements.splitlines() == [
        "2021年是“十四五”规划开局之年。全局工作的总体要求是：坚持稳中求进工作总基调，",
        "突出稳就业、保民生、防风险，推动人社事业高质量发展。",
    ]


def test_district_plan_structure_with_subheadings(district):
    assert [(s.numeral, s.title) for s in district.sections] == [
        ("一", "稳定和扩大就业"),
        ("二", "完善社会保障体系"),
        ("三", "构建和谐劳动关系"),
        ("四", "加强自身建设"),
    ]
    assert [i.number for i in district.items] == list(range(1, 11))
    assert [i.subheading for i in district.items[:4]] == ["（一）实施就业优先政策"] * 2 + ["（二）做好重点群体就业"] * 2
    assert all(i.subheading == "" for i in district.items[4:])
    assert _item(district, 2).title == "开展职业技能提升行动"
    assert _item(district, 2).body == (
        "开展职业技能提升行动。全年开展职业技能培训X人次，新建2个公共实训基地。\n"
        "加强技能人才评价，推进职业技能等级认定。"
    )
    assert _item(district, 6).body == "加强基金监管。开展社会保险基金专项检查，确保基金安全。"
    assert district.sections[0].intro == ""


def test_district_plan_responsibilities(district):
    assert _departments(_item(district, 1)) == [("就业促进科", LEAD), ("失业保险科", CO)]
    assert _departments(_item(district, 2)) == [("职业能力建设科", LEAD), ("就业促进科", CO), ("人才服务中心", CO)]
    assert _departments(_item(district, 4)) == [("就业促进科", LEAD)]
    assert _departments(_item(district, 5)) == [("社会保险科", LEAD), ("社会保障卡中心", CO), ("信息中心", CO)]
    assert _departments(_item(district, 6)) == [("基金监督科", LEAD), ("社会保险科", CO)]
    assert _departments(_item(district, 9)) == [("仲裁院", LEAD)]  # 责任领导 is a person
    assert district.aliases == {"就业科": "就业促进科", "社保卡中心": "社会保障卡中心"}
    assert "就业科" not in [d.name for d in district.departments]
    assert len(district.departments) == 13


def test_district_plan_targets(district):
    jobs, unemployment = _item(district, 1).targets
    assert (jobs.kind, jobs.unit, jobs.value, jobs.subject) == (TargetKind.COUNT, "万人", Decimal("1.2"), "城镇就业")
    assert (unemployment.kind, unemployment.unit, unemployment.value, unemployment.subject) == (
        TargetKind.PERCENTAGE,
        "%",
        Decimal("4.5"),
        "城镇登记失业率",
    )
    training, bases = _item(district, 2).targets
    assert (training.kind, training.unit, training.value, training.subject) == (TargetKind.COUNT, "人次", None, "职业技能培训")
    assert (bases.unit, bases.value, bases.subject) == ("个", Decimal(2), "公共实训基地")
    (fairs,) = _item(district, 3).targets  # nothing from the quoted “2021年…服务月”
    assert (fairs.unit, fairs.value) == ("场", Decimal(3))
    (migrants,) = _item(district, 4).targets
    assert (migrants.unit, migrants.value) == ("人", Decimal(5000))
    card, insured = _item(district, 5).targets
    assert (card.kind, card.subject, card.value) == (TargetKind.COVERAGE, "社保卡", Decimal(100))
    assert (insured.kind, insured.subject, insured.value, insured.due_date) == (
        TargetKind.PERCENTAGE,
        "基本养老保险参保率",
        Decimal(95),
        date(2021, 12, 31),
    )
    assert [t.value for t in _item(district, 9).targets] == [Decimal(90), Decimal(60)]
    assert [(t.unit, t.value) for t in _item(district, 10).targets] == [("期", Decimal(2))]


def test_district_plan_warns_only_about_the_guessed_alias(district):
    assert district.warnings == (
        "Department “就业科” was read as “就业促进科”.",
    )


BUREAU_PLAN = """某县文化和旅游局2022年工作计划
总体要求：以人民为中心，推动文旅融合发展。
一、完善公共文化服务体系
（一）推进基层综合性文化服务中心建设。实现村级综合性文化服务中心全覆盖。（责任股室：公共服务股）
（二）开展文化惠民活动。全年组织送戏下乡X场次，举办两期非遗传承人培训班。（牵头股室：艺术股；配合股室：公共服务股、文化馆）
二、促进旅游业发展
（一）创建A级旅游景区。年内新创建X家国家A级旅游景区。（责任股室：旅游股）
（二）加强市场监管。
开展文化市场执法检查，确保安全。(责任单位:文化市场综合执法大队)
"""


def test_bracketed_numerals_are_the_items_when_nothing_is_numbered():
    plan = parse_plan_text(BUREAU_PLAN)
    assert (plan.organization, plan.year, plan.title) == ("某县文化和旅游局", 2022, "某县文化和旅游局2022年工作计划")
    assert [[(i.number, i.title) for i in s.items] for s in plan.sections] == [
        [(1, "推进基层综合性文化服务中心建设"), (2, "开展文化惠民活动")],
        [(1, "创建A级旅游景区"), (2, "加强市场监管")],
    ]
    assert plan.warnings == ()
    assert _departments(plan.sections[0].items[1]) == [("艺术股", LEAD), ("公共服务股", CO), ("文化馆", CO)]
    assert _departments(plan.sections[1].items[1]) == [("文化市场综合执法大队", LEAD)]
    assert [(t.kind, t.unit, t.value) for t in plan.sections[0].items[1].targets] == [
        (TargetKind.COUNT, "场次", None),
        (TargetKind.COUNT, "期", Decimal(2)),
    ]
    assert plan.sections[0].items[0].targets[0].kind == TargetKind.COVERAGE


def test_bracketed_numerals_are_sections_when_there_is_no_higher_level():
    plan = parse_plan_text("某局2021年工作要点\n（一）第一方面\n1.工作一。（责任部室：办公室）\n（二）第二方面\n2.工作二。（责任部室：办公室）")
    assert [s.title for s in plan.sections] == ["第一方面", "第二方面"]
    assert [i.title for i in plan.items] == ["工作一", "工作二"]


def test_chapter_headings_and_bracketed_item_numbers():
    plan = parse_plan_text("某局2021年工作要点\n第一部分 总体工作\n（1）工作一。（责任部室：办公室）\n（2）工作二。（责任部室：办公室）")
    assert [(s.numeral, s.title) for s in plan.sections] == [("一", "总体工作")]
    assert [i.number for i in plan.items] == [1, 2]


def test_year_and_organization_given_explicitly_win():
    plan = parse_plan_text("工作要点\n一、部分\n1.工作。（责任部室：办公室）", year=2023, organization="某协会")
    assert (plan.title, plan.organization, plan.year) == ("工作要点", "某协会", 2023)


def test_organization_after_the_year():
    plan = parse_plan_text("2021年某区人社局工作计划\n一、部分\n1.工作。（责任部室：办公室）")
    assert (plan.organization, plan.year) == ("某区人社局", 2021)


def test_given_year_differing_from_the_title_is_a_warning():
    plan = parse_plan_text("某局2021年工作要点\n一、部分\n1.工作。（责任部室：办公室）", year=2022)
    assert plan.year == 2022
    assert plan.warnings == ("The title says 2021 but the plan is imported as 2022.",)


# -- structure problems --------------------------------------------------------------------------


def _error(text, **kwargs) -> PlanParseError:
    with pytest.raises(PlanParseError) as error:
        parse_plan_text(text, **kwargs)
    return error.value


def test_empty_text_is_an_error():
    assert _error("").message == "The document is empty."
    assert _error(" \n\u3000\n\t").message == "The document is empty."


def test_no_sections_is_an_error():
    error = _error("某局2021年工作要点\n1.第一项工作。（责任部室：办公室）\n")
    assert "No section headings" in error.message


def test_item_before_any_section_names_its_line():
    error = _error("某局2021年工作要点\n总体要求。\n\n1.没有所属部分的工作。（责任部室：办公室）\n一、第一部分\n2.工作。\n")
    assert error.line == 4
    assert error.message.startswith("Line 4: item 1 comes before any section heading")


def test_a_year_line_is_not_an_item():
    plan = parse_plan_text("某局2021年工作要点\n2021年是开局之年。\n一、部分\n1.工作。（责任部室：办公室）")
    assert plan.general_requirements == "2021年是开局之年。"


def test_no_year_anywhere_asks_for_it():
    error = _error("某局工作要点\n一、部分\n1.工作。（责任部室：办公室）")
    assert error.message == "No year was found in the title; give the plan's year explicitly."
    assert parse_plan_text("某局工作要点\n一、部分\n1.工作。（责任部室：办公室）", year=2021).year == 2021


def test_duplicate_item_number_in_a_section_names_both_lines():
    error = _error("某局2021年工作要点\n一、部分\n1.工作。（责任部室：办公室）\n\n1.又一项。（责任部室：办公室）")
    assert error.line == 5
    assert error.message == "Line 5: item 1 appears twice in section 一 (first on line 3)."


def test_numbering_restarting_in_each_section_is_fine():
    plan = parse_plan_text("某局2021年工作要点\n一、甲\n1.工作。（责任部室：办公室）\n二、乙\n1.工作。（责任部室：办公室）")
    assert plan.warnings == ()


def test_structure_warnings_name_lines_and_items():
    plan = parse_plan_text(
        "某局2021年工作要点\n一、甲\n1.工作一。（责任部室：办公室）\n3.工作三。\n二、乙\n四、丁\n4.工作四。（责任部室：办公室）"
    )
    assert plan.warnings == (
        "Line 4: item 3 is out of sequence (expected 2).",
        "Line 5: section 二 “乙” has no items.",
        "Line 6: section 四 is out of sequence (it is section number 3).",
        "Line 4: item 3 “工作三” names no responsible department.",
    )


def test_text_between_section_heading_and_first_item_is_the_intro():
    plan = parse_plan_text("某局2021年工作要点\n一、甲\n本部分说明。\n第二段说明。\n1.工作。（责任部室：办公室）")
    assert plan.sections[0].intro == "本部分说明。\n第二段说明。"


def test_clause_on_its_own_line_closes_a_multi_paragraph_item():
    plan = parse_plan_text("某局2021年工作要点\n一、甲\n1.工作。第一段。\n第二段。\n(牵头单位：甲科；配合单位：乙科、丙科)")
    (item,) = plan.items
    assert item.body == "工作。第一段。\n第二段。"
    assert _departments(item) == [("甲科", LEAD), ("乙科", CO), ("丙科", CO)]


# -- responsibility clauses and aliases ----------------------------------------------------------


@pytest.mark.parametrize(
    "text, names",
    [
        ("工作。（责任部室：办公室、组织基层部）", ["办公室", "组织基层部"]),
        ("工作。（责任部室:办公室、权益网络宣传部）", ["办公室", "权益网络宣传部"]),
        ("工作。(责任部室：办公室，组织基层部)", ["办公室", "组织基层部"]),
        ("工作。（责任单位：A科 B科/C科;D科）", ["A科", "B科", "C科", "D科"]),
        ("工作。（责任部门：劳动和经济工作部）。", ["劳动和经济工作部"]),
        ("工作。（责任处室：县（市、区）总工会、办公室）", ["县（市、区）总工会", "办公室"]),
        ("工作。（负责部门：办公室等）", ["办公室"]),
        ("工作。（责任领导：张三；责任部室：办公室）", ["办公室"]),
    ],
)
def test_responsibility_clause_spellings(text, names):
    body, clause = split_responsibility_clause(text)
    assert body == "工作。"
    assert [d.name for d in clause.departments] == names


@pytest.mark.parametrize("opening, closing", [("<", ">"), ("＜", "＞"), ("〈", "〉")])
def test_sub_departments_follow_their_parent(opening, closing):
    _, clause = split_responsibility_clause(f"工作。（责任部室：保障部{opening}女职工委员会办公室{closing}、职工互助办）")
    assert [(d.name, d.parent) for d in clause.departments] == [
        ("保障部", None),
        ("女职工委员会办公室", "保障部"),
        ("职工互助办", None),
    ]


def test_brackets_inside_the_body_are_not_a_clause():
    text = "努力实现市、县（市、区)两级工人文化宫全覆盖。"
    assert split_responsibility_clause(text) == (text, None)
    assert split_responsibility_clause("（责任部室：办公室）之后还有正文。")[1] is None
    assert split_responsibility_clause("推进（试点）工作（暂定）")[1] is None


def test_known_aliases_and_abbreviations():
    known = {"劳动和经济工作部": ["劳经部", "经济部"], "组织部": []}
    assert resolve_aliases(["经济部", "劳经部", "组织部", "组织基层部"], known) == {
        "经济部": "劳动和经济工作部",
        "劳经部": "劳动和经济工作部",
        "组织部": "组织部",  # the database knows it: never an alias
        "组织基层部": "组织基层部",
    }


def test_ambiguous_abbreviation_stays_as_written():
    names = ["办公室", "办理公开室", "办室"]
    assert resolve_aliases(names)["办室"] == "办室"


# -- hostile files -------------------------------------------------------------------------------


def _read_error(data: bytes, filename: str = "plan.txt") -> PlanParseError:
    with pytest.raises(PlanParseError) as error:
        parse_plan(read_document(data, filename=filename))
    assert error.value.message
    return error.value


@pytest.mark.parametrize("data", [b"", b"   \r\n\t\n", "\ufeff".encode(), "\u3000\n".encode("utf-16")])
def test_empty_files_are_rejected(data):
    assert _read_error(data).message == "The document is empty."


def test_ten_megabytes_are_rejected_before_decoding():
    error = _read_error(b"\x00" * (10 * 1024 * 1024))  # would otherwise be "binary data"
    assert "larger than 5 MB" in error.message
    assert len(b"a" * MAX_DOCUMENT_BYTES) == MAX_DOCUMENT_BYTES


def test_nul_bytes_are_binary():
    assert "binary" in _read_error(b"\x00\x01\x02binary\x00" * 100).message
    assert "binary" in _read_error("某局2021年工作要点\x07".encode()).message


def test_shift_jis_text_fails_clearly():
    data = "某局2021年工作要点\n一、部分\n1.工作。".encode("shift_jis", errors="ignore") + b"\xff\xfe\xfd"
    assert "encoding" in _read_error(data).message
    _read_error("本年度の作業計画について説明します。".encode("shift_jis"))


@pytest.mark.parametrize("seed", range(5))
def test_random_bytes_fail_clearly(seed):
    data = random.Random(seed).randbytes(4096)
    _read_error(data)
    _read_error(data.replace(b"\x00", b""))


@pytest.mark.parametrize("filename", ["plan.doc", "plan.DOC", "plan.wps"])
def test_old_word_files_are_sent_back(filename):
    error = _read_error("某局2021年工作要点".encode(), filename)
    assert ".docx or .txt" in error.message


@pytest.mark.parametrize("filename", ["plan.pdf", "plan"])
def test_other_file_types_are_sent_back(filename):
    assert "save the document as .docx, .xlsx or .txt" in _read_error(b"%PDF-1.4 whatever", filename).message


@pytest.mark.parametrize("filename", ["plan.xlsx", "plan.xls"])
def test_a_spreadsheet_that_is_not_an_xlsx_workbook_is_sent_back(filename):
    assert ".xlsx" in _read_error(b"%PDF-1.4 whatever", filename).message


@pytest.mark.parametrize(
    "data",
    [b"not a zip at all", b"PK\x03\x04broken zip", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old word"],
    ids=["text", "broken-zip", "ole"],
)
def test_corrupt_docx_is_rejected(data):
    assert ".docx" in _read_error(data, "plan.docx").message


def test_zip_that_is_not_a_word_document_is_rejected():
    import zipfile

    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hello")
    assert "damaged" in _read_error(buffer.getvalue(), "plan.docx").message


# -- abbreviations whose last character differs, questions, choices ----------------------------


def test_an_abbreviation_is_its_first_character_then_characters_in_order():
    names = ["经费审查办公室", "宣传教育部", "经审办", "宣教部"]
    assert resolve_aliases(names) == {"经费审查办公室": "经费审查办公室", "宣传教育部": "宣传教育部",
                                      "经审办": "经费审查办公室", "宣教部": "宣传教育部"}


def test_two_candidates_are_a_question_not_a_guess():
    plan = parse_plan_text("某局2023年工作要点\n一、部分\n1.甲。（责任部室：宣传部、宣传教育部、宣统部门）\n"
                           "2.乙。（责任部室：宣部）\n")
    assert plan.ambiguous == {"宣部": ("宣传教育部", "宣传部", "宣统部门")}
    assert "宣部" not in plan.aliases
    assert [r.department for r in plan.items[1].responsibilities] == ["宣部"]


def test_a_name_the_database_has_is_never_an_alias():
    known = {"组织部": [], "组织基层部": []}
    assert resolve_aliases(["组织部", "组织基层部"], known) == {"组织部": "组织部", "组织基层部": "组织基层部"}


def test_the_admins_choice_wins_over_the_guess():
    plan = parse_plan_text("某局2023年工作要点\n一、部分\n1.甲。（责任部室：宣传教育部）\n2.乙。（责任部室：宣教部）\n",
                           alias_choices={"宣教部": ""})
    assert plan.aliases == {}
    assert [r.department for r in plan.items[1].responsibilities] == ["宣教部"]


def test_two_departments_under_the_lead_label_give_one_lead():
    plan = parse_plan_text("某局2023年工作要点\n一、部分\n1.甲。（牵头单位：办公室、组织部；配合单位：宣传部）\n")
    assert [(r.department, r.role) for r in plan.items[0].responsibilities] == [
        ("办公室", LEAD), ("组织部", CO), ("宣传部", CO)]
