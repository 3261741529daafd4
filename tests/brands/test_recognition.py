"""Brand recognition on documents as strings: which quoted names are brands, and what the item says of them."""

import datetime

import pytest

from brands.importer import recognize_brands
from brands.importer.recognition import normalized
from tasks.importer import parse_plan_text
from tests.brands.documents import ANNOUNCED_LIST_PLAN, FOREIGN_PLAN
from tests.conftest import PLAN_2020

FIVE_BRANDS = ["党工共建", "百里边防工会建设", "工会助力脱贫攻坚", "工人文化宫建设", "劳模（工匠）讲堂"]


@pytest.fixture(scope="module")
def brands_2020():
    return recognize_brands(parse_plan_text(PLAN_2020.read_text(encoding="utf-8")))


def test_the_2020_plan_names_exactly_the_five_brands_of_item_18(brands_2020):
    assert [b.name for b in brands_2020] == FIVE_BRANDS
    assert {b.item_number for b in brands_2020} == {18}
    assert [b.order for b in brands_2020] == [0, 1, 2, 3, 4]


def test_item_18s_other_quoted_names_are_not_brands(brands_2020):
    names = {b.name for b in brands_2020}
    for other in ("典型引路、示范带动、整体推进", "参与、维护、建设、教育", "三亮", "六有工会", "国门工会",
                  "六个一批", "三个抓手", "X工匠", "叫得响、实效佳、档次高", "五大品牌", "百里边防"):
        assert other not in names


def test_each_brand_gets_its_own_clause_of_item_18(brands_2020):
    by_name = {b.name: b.description for b in brands_2020}
    assert by_name["党工共建"].startswith("进一步深化拓展“党工共建”工作")
    assert by_name["百里边防工会建设"].startswith("进一步提升“百里边防”工会工作")
    assert by_name["工会助力脱贫攻坚"].startswith("进一步以“六个一批”脱贫路径")
    assert "坚持如期全面完成脱贫攻坚任务不动摇" in by_name["工会助力脱贫攻坚"]
    assert by_name["工人文化宫建设"].startswith("进一步以“工人文化宫建设”为抓手")
    assert by_name["劳模（工匠）讲堂"].startswith("进一步通过设立“劳模（工匠）讲堂”")
    assert not any("五大品牌" in text or "等五项" in text for text in by_name.values())


def test_dates_level_and_criteria_come_from_item_18(brands_2020):
    for brand in brands_2020:
        assert (brand.start_date, brand.target_date) == (datetime.date(2020, 1, 1), datetime.date(2021, 12, 31))
        assert brand.target_level == "province"
        assert brand.criteria == "叫得响、实效佳、档次高"


def test_other_items_that_quote_a_brand_are_its_related_items(brands_2020):
    related = {b.name: b.related_item_numbers for b in brands_2020}
    assert related == {
        "党工共建": (11,),
        "百里边防工会建设": (11,),
        "工会助力脱贫攻坚": (9,),
        "工人文化宫建设": (),  # item 12 speaks of 工人文化宫 without quoting the brand: an admin links it
        "劳模（工匠）讲堂": (5,),
    }


def test_a_year_end_before_the_plans_year_is_not_a_target():
    # the 2020 text re-used for 2022: 到2021年底 is stale; 通过2年 still holds
    text = PLAN_2020.read_text(encoding="utf-8").replace("市总工会2020年工作要点", "市总工会2022年工作要点")

    brands = recognize_brands(parse_plan_text(text))

    assert {(b.start_date, b.target_date) for b in brands} == {(datetime.date(2022, 1, 1), datetime.date(2023, 12, 31))}


def test_a_foreign_document_yields_its_own_brands():
    brands = recognize_brands(parse_plan_text(FOREIGN_PLAN))

    assert [(b.name, b.item_number) for b in brands] == [("职工书屋", 3), ("爱心驿站", 3), ("法律援助直通车", 3)]
    assert [b.description for b in brands] == [
        "巩固提升“职工书屋”建设，让职工就近读书",
        "深化“爱心驿站”服务，为户外劳动者提供歇脚饮水的地方",
        "做强“法律援助直通车”，把法律服务送到车间",
    ]
    first = brands[0]
    assert (first.start_date, first.target_date) == (datetime.date(2021, 1, 1), datetime.date(2022, 12, 31))
    assert (first.target_level, first.criteria) == ("city", "有阵地、有队伍、有口碑")
    assert [b.related_item_numbers for b in brands] == [(), (1,), (2,)]


def test_a_list_the_item_announces_is_recognized_without_a_count_after_it():
    brands = recognize_brands(parse_plan_text(ANNOUNCED_LIST_PLAN))

    assert [b.name for b in brands] == ["匠心课堂", "职工之家", "阳光维权", "健康驿站"]
    assert brands[0].target_date == datetime.date(2024, 12, 31)  # 利用3年时间, from 2022
    assert brands[0].target_level == "province"


@pytest.mark.parametrize(
    "body",
    [
        "打造“工会助力脱贫攻坚”品牌，广泛开展消费扶贫。",  # one name is not a list
        "紧紧围绕“参与”“维护”“建设”四项基本职能，打造品牌。",  # three names, four announced
        "打造“党工共建”“百里边防工会建设”工会品牌。",  # no count
        "推进“职工书屋”“爱心驿站”等两项工作。",  # counted, but no brand in sight
    ],
)
def test_what_is_not_a_brand_list(body):
    text = f"某市总工会2020年工作要点\n一、工作\n1.{body}（责任部室：办公室）\n"
    assert recognize_brands(parse_plan_text(text)) == []


def test_names_compare_without_brackets():
    assert normalized("劳模（工匠）讲堂") == normalized("劳模工匠讲堂")
