"""Importing a plan creates its brands once; a re-import changes nothing and keeps what admins edited."""

import datetime

import pytest

from brands.models import Brand, Level
from departments.models import Department
from tasks.models import WorkItem, WorkPlan
from tasks.services import plan_import_document
from tests.brands.documents import FOREIGN_PLAN
from tests.conftest import import_document

pytestmark = pytest.mark.django_db

FIVE_BRANDS = ["党工共建", "百里边防工会建设", "工会助力脱贫攻坚", "工人文化宫建设", "劳模（工匠）讲堂"]


def _numbers(items):
    return sorted(item.number for item in items)


def test_importing_the_2020_plan_yields_the_five_brands_of_item_18(plan_2020):
    brands = list(Brand.objects.filter(plan=plan_2020).select_related("item"))

    assert [b.name for b in brands] == FIVE_BRANDS
    assert {b.item.number for b in brands} == {18}
    related = {b.name: _numbers(b.related_items.all()) for b in brands}
    assert related == {"党工共建": [11], "百里边防工会建设": [11], "工会助力脱贫攻坚": [9], "工人文化宫建设": [],
                       "劳模（工匠）讲堂": [5]}
    for brand in brands:
        assert (brand.start_date, brand.target_date) == (datetime.date(2020, 1, 1), datetime.date(2021, 12, 31))
        assert (brand.level, brand.target_level) == (Level.NONE, Level.PROVINCE)
        assert brand.criteria == "叫得响、实效佳、档次高"
        assert brand.description.startswith("进一步")


def test_owners_follow_the_first_related_item_when_it_may_report_on_item_18(plan_2020):
    owners = {b.name: b.owner.name for b in Brand.objects.filter(plan=plan_2020).select_related("owner")}
    assert owners == {
        "党工共建": "组织基层部",  # lead of item 11, co-organizer of item 18
        "百里边防工会建设": "组织基层部",
        "工会助力脱贫攻坚": "办公室",  # lead of item 9 and of item 18
        "工人文化宫建设": "办公室",  # no related item: item 18's lead
        "劳模（工匠）讲堂": "劳动和经济工作部",  # lead of item 5, co-organizer of item 18
    }
    poverty = Brand.objects.get(plan=plan_2020, name="工会助力脱贫攻坚")
    # item 9's other departments that also work on item 18 (女职工委员会办公室 does not)
    assert sorted(d.name for d in poverty.supporting_departments.all()) == sorted(["保障部", "劳动和经济工作部"])


def test_importing_again_changes_nothing(plan_2020):
    before = {b.pk: (b.updated_at, b.history.count()) for b in Brand.objects.all()}

    result = import_document()

    assert not result.changed, result.changes
    assert {b.pk: (b.updated_at, b.history.count()) for b in Brand.objects.all()} == before


def test_what_an_admin_edited_survives_a_reimport(plan_2020):
    # given an admin's edits: a level, an owner, an item linked and one unlinked
    brand = Brand.objects.get(plan=plan_2020, name="工人文化宫建设")
    palace = Department.objects.get(name="市工人文化宫")
    item_12 = WorkItem.objects.get(section__plan=plan_2020, number=12)
    brand.level, brand.owner = Level.CITY, palace
    brand.save()
    brand.related_items.add(item_12)
    lecture = Brand.objects.get(plan=plan_2020, name="劳模（工匠）讲堂")
    lecture.related_items.clear()

    # when the document is imported again
    import_document()

    # then every edit is still there
    brand.refresh_from_db()
    assert (brand.level, brand.owner) == (Level.CITY, palace)
    assert _numbers(brand.related_items.all()) == [12]
    assert not lecture.related_items.exists()
    assert Brand.objects.filter(plan=plan_2020).count() == 5


def test_the_import_lists_new_brands_and_a_dry_run_writes_none(db):
    preview = import_document(dry_run=True)

    assert "新品牌：党工共建" in preview.changes or "New brand: 党工共建" in preview.changes
    assert not Brand.objects.exists() and not WorkPlan.objects.exists()


def test_a_foreign_document_yields_its_own_brands(db):
    plan = plan_import_document(data=FOREIGN_PLAN.encode(), filename="青山县.txt").plan

    brands = list(Brand.objects.filter(plan=plan).select_related("item", "owner"))
    assert [(b.name, b.item.number) for b in brands] == [("职工书屋", 3), ("爱心驿站", 3), ("法律援助直通车", 3)]
    assert [_numbers(b.related_items.all()) for b in brands] == [[], [1], [2]]
    # 爱心驿站: item 1's lead (服务中心) works on item 3 too; 职工书屋: item 3's lead
    assert [b.owner.name for b in brands] == ["宣传部", "服务中心", "法律部"]
    assert {(b.target_date, b.target_level) for b in brands} == {(datetime.date(2022, 12, 31), Level.CITY)}


def test_a_brand_the_document_no_longer_names_is_kept_with_a_warning(plan_2020):
    Brand.objects.filter(plan=plan_2020, name="党工共建").update(name="党工共建（旧）")

    result = import_document()

    assert Brand.objects.filter(plan=plan_2020, name="党工共建（旧）").exists()
    assert any("党工共建（旧）" in warning for warning in result.warnings)
    assert Brand.objects.filter(plan=plan_2020).count() == 6  # the document's 党工共建 is back as new


def test_copying_a_plan_into_next_year_carries_its_brands_on(plan_2020, roles):
    # given 2020's brands with a milestone done and one open
    from brands.models import Brand, Milestone
    from brands.services import milestone_create
    from tasks import services as task_services

    brand = Brand.objects.get(plan=plan_2020, name="党工共建")
    done = milestone_create(brand=brand, title="制定方案", due_date=datetime.date(2020, 6, 30))
    Milestone.objects.filter(pk=done.pk).update(status="done", percent=100)
    milestone_create(brand=brand, title="申报省级品牌", due_date=datetime.date(2021, 12, 31))

    # when the plan is copied into 2021
    clone = task_services.plan_clone(plan=plan_2020, year=2021)

    # then the five brands go along, on the copied item 18, with their open milestones a year later
    copies = Brand.objects.filter(plan=clone)
    assert sorted(copies.values_list("name", flat=True)) == sorted(
        Brand.objects.filter(plan=plan_2020).values_list("name", flat=True)
    )
    copy = copies.get(name="党工共建")
    assert (copy.item.section.plan, copy.item.number) == (clone, 18)
    assert copy.owner == brand.owner
    assert sorted(i.number for i in copy.related_items.all()) == sorted(i.number for i in brand.related_items.all())
    assert all(i.section.plan_id == clone.pk for i in copy.related_items.all())
    assert list(copy.milestones.values_list("title", "due_date", "percent")) == [
        ("申报省级品牌", datetime.date(2022, 12, 31), 0)
    ]
    assert Brand.objects.filter(plan=plan_2020).count() == copies.count()  # 2020 untouched
