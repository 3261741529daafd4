"""Targets read from an item's text: what counts as one, and the many numbers that do not."""

import os
from datetime import date
from decimal import Decimal

import django
import pytest
from django.conf import settings

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    settings.configure(USE_I18N=False)
    django.setup()

from tasks.importer import TargetKind, extract_targets  # noqa: E402
from tasks.importer.targets import masked_quotes  # noqa: E402


def _summaries(text, plan_year=2020):
    return [
        (t.kind, t.subject, t.unit, t.value, t.level, t.due_date) for t in extract_targets(text, plan_year=plan_year)
    ]


@pytest.mark.parametrize(
    "text",
    [
        "增强“四个意识”、坚定“四个自信”，坚决做到“两个维护”。",
        "以“六个一批”脱贫路径和“三个抓手”主要措施，提升服务能力。",
        "做实工会“一小时法律服务圈”维权品牌。",
        "深入开展“五小”等群众性经济技术创新活动。",
        "确保2020年我市城市困难职工同步迈入小康社会，一个都不能少，不漏一户、不落一人。",
        "坚持一手抓组织建设，一手抓作用的发挥。",
        "全面贯彻党的十九届四中全会精神，围绕中国工会十七大、X工会X大决策部署。",
        "以八大群体入会为重点，加大建设力度。",
        "对工会2019年度预算执行情况进行审计。",
        "贯彻落实国务院《职业技能提升行动方案(2019-2021年)》。",
        "在XX大学举办2020年工会工作专题研讨班。",
        "落实中央八项规定精神及其实施细则。",
        "为职工搭建一个学习技术、展示才能的平台。",
        "努力创建和培育一批具有较强示范辐射作用的工会工作典型。",
        "紧紧围绕“参与、维护、建设、教育”四项基本职能。",
        "同步推进“党工共建”等五项重点创建工作。",
        "复检2019年命名的劳模创新工作室，巩固创建成果。",
        "增强X市工会组织的创造力。",
        "建设X市人民公园，服务X人民群众。",
    ],
)
def test_not_a_target(text):
    assert extract_targets(text, plan_year=2020) == []


def test_counts_with_placeholder_and_level():
    assert _summaries("年内创建和推荐申报X家省级劳模和工匠人才创新工作室，创建X家市级劳模和工匠人才创新工作室。") == [
        (TargetKind.COUNT, "省级劳模和工匠人才创新工作室", "家", None, "省级", None),
        (TargetKind.COUNT, "市级劳模和工匠人才创新工作室", "家", None, "市级", None),
    ]


def test_count_in_chinese_numerals_needs_the_verb_right_before():
    assert _summaries("在X市举办两期全员化工会干部培训班。") == [
        (TargetKind.COUNT, "全员化工会干部培训班", "期", Decimal(2), "", None)
    ]
    assert _summaries("组织十二场宣讲。")[0][3] == Decimal(12)
    assert _summaries("举办两期培训班、召开一次座谈会。")[1][2:4] == ("次", Decimal(1))


def test_count_subject_joins_object_and_what_follows_the_unit():
    (target,) = extract_targets("年内创建女职工关爱室X个省级示范单位。", plan_year=2020)
    assert (target.subject, target.level, target.unit) == ("女职工关爱室省级示范单位", "省级", "个")


def test_county_level_written_with_brackets_is_county():
    (target,) = extract_targets("对X个县（市、区）级工会2019年度预算执行情况进行审计。", plan_year=2020)
    assert (target.level, target.unit, target.value) == ("县级", "个", None)
    assert target.phrase == "对X个县（市、区）级工会2019年度预算执行情况进行审计"


def test_several_counts_in_one_clause():
    assert [(t.subject, t.unit, t.value) for t in extract_targets("新建5个站点和3家驿站。", plan_year=2021)] == [
        ("站点", "个", Decimal(5)),
        ("驿站", "家", Decimal(3)),
    ]


def test_decimal_counts_in_ten_thousands():
    assert _summaries("新增城镇就业1.2万人。", 2021) == [(TargetKind.COUNT, "城镇就业", "万人", Decimal("1.2"), "", None)]


def test_percentages_split_their_subjects():
    text = "力争到2020年底快递物流等八大群体企业建会率和职工入会率分别达X%、X％以上，其中货车司机建会率、入会率分别达X%、X％以上。"
    end = date(2020, 12, 31)
    assert _summaries(text) == [
        (TargetKind.PERCENTAGE, "快递物流等八大群体企业建会率", "%", None, "", end),
        (TargetKind.PERCENTAGE, "职工入会率", "%", None, "", end),
        (TargetKind.PERCENTAGE, "货车司机建会率", "%", None, "", end),
        (TargetKind.PERCENTAGE, "入会率", "%", None, "", end),
    ]
    assert [t.order for t in extract_targets(text, plan_year=2020)] == [0, 1, 2, 3]


def test_percentage_kept_within_a_bound():
    assert _summaries("城镇登记失业率控制在4.5%以内。", 2021) == [
        (TargetKind.PERCENTAGE, "城镇登记失业率", "%", Decimal("4.5"), "", None)
    ]


def test_coverage():
    assert _summaries("2020年实现会员卡全覆盖。") == [
        (TargetKind.COVERAGE, "会员卡", "%", Decimal(100), "", date(2020, 12, 31))
    ]
    assert _summaries("实现市级困难职工档案全覆盖。")[0][4] == "市级"
    assert _summaries("社保卡实现全覆盖。")[0][1] == "社保卡"
    assert _summaries("逐步实现工会组织和工作覆盖精准化。") == []


@pytest.mark.parametrize(
    "text, due",
    [
        ("争取利用2年实现全市市、县工人文化宫全覆盖。", date(2021, 12, 31)),
        ("争取通过两年时间实现全市工人文化宫全覆盖。", date(2021, 12, 31)),
        ("2021年底前实现站点全覆盖。", date(2021, 12, 31)),
        ("到2021年6月底前实现站点全覆盖。", date(2021, 6, 30)),
        ("到2021年底，实现站点全覆盖。", date(2021, 12, 31)),
        ("年内实现站点全覆盖。", None),
        ("实现站点全覆盖。", None),
    ],
)
def test_due_dates(text, due):
    (target,) = extract_targets(text, plan_year=2020)
    assert target.due_date == due


def test_a_dated_clause_only_applies_to_the_next_clause():
    first, second = extract_targets("到2021年底，新建X个站点，新建X个驿站。", plan_year=2020)
    assert (first.due_date, second.due_date) == (date(2021, 12, 31), None)


def test_commas_inside_quotes_and_brackets_do_not_split_clauses():
    (target,) = extract_targets("开展“节日送温暖，平时解困难”活动，为X名职工（含农民工，下同）送体检。", plan_year=2020)
    assert target.phrase == "为X名职工（含农民工，下同）送体检"


def test_masked_quotes_keep_positions():
    text = "打造“党工共建”品牌《方案(2019年)》"
    masked = masked_quotes(text)
    assert len(masked) == len(text)
    assert "党" not in masked and "2019" not in masked and masked.startswith("打造“")


# -- phrase families of 任务分解表 and other organizations' plans ---------------------------------


def test_a_part_written_with_qizhong_points_to_its_whole():
    whole, part = extract_targets("建设职工书屋10家，其中省级示范职工书屋2家。", plan_year=2023)
    assert (whole.subject, whole.value, whole.parent) == ("职工书屋", Decimal(10), None)
    assert (part.subject, part.value, part.unit, part.level, part.parent) == (
        "省级示范职工书屋", Decimal(2), "家", "省级", whole.order)


def test_a_number_after_a_comparison_instead_of_a_verb():
    assert _summaries("组织劳动竞赛，不少于8个竞赛项目。") == [
        (TargetKind.COUNT, "竞赛项目", "个", Decimal(8), "", None)]


def test_a_chinese_numeral_after_the_noun():
    assert _summaries("举办培训班三期。") == [(TargetKind.COUNT, "培训班", "期", Decimal(3), "", None)]


@pytest.mark.parametrize(
    "text, subject",
    [
        ("开展宣讲活动100场以上。", "宣讲活动"),
        ("筹集帮扶资金不少于500万元。", "资金"),
        ("参赛职工达到1万人次。", "参赛职工"),
        ("创建省级职工书屋2家。", "省级职工书屋"),
    ],
)
def test_subjects_drop_the_words_around_the_number(text, subject):
    (target,) = extract_targets(text, plan_year=2023)
    assert target.subject == subject
    assert target.level.count("省级") <= 1 and target.subject.count("省级") <= 1


@pytest.mark.parametrize("text", ["坚持一个都不能少的要求。", "推进“两个一批”建设。", "开展一批典型培育。"])
def test_numerals_after_a_noun_are_no_target_inside_a_phrase(text):
    assert extract_targets(text, plan_year=2023) == []
