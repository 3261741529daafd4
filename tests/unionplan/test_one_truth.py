"""One truth: every page, export and API that shows an item's progress shows the same official figure.

The demo's history (generated as `make run` does, up to the end of March to keep
the test quick, to the end of March) is walked item by item: the item page, the plan page, 我的工作 of the
lead department, the section and department pages, the brands board, the Excel
bulletin and the API must all show the roll-up's figure; the first disagreement fails.
"""

from __future__ import annotations

import datetime
import io
import re

import openpyxl
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from core.numbers import percent
from departments.demo import seed_demo_accounts
from departments.models import Membership
from ops.demo import seed_year
from progress.models import ItemRollup, SectionRollup
from tasks.models import WorkItem
from tests.conftest import import_document

pytestmark = pytest.mark.django_db

OFFICIAL = re.compile(r'class="official[^"]*"[^>]*>(?:<[^>]+>)*[^<]*?(\d+(?:\.\d)?%)', re.S)


def _official_in(html: str, anchor: str) -> str:
    """The official figure shown in the element that `anchor` (an id="…" or a class) opens."""
    start = html.index(anchor)
    found = OFFICIAL.search(html, start)
    assert found, f"no official figure after {anchor}"
    return found.group(1)


@pytest.fixture
def demo():
    plan = import_document().plan
    seed_demo_accounts()
    seed_year(plan=plan, until=datetime.date(2020, 3, 31))
    return plan


def test_every_item_shows_one_figure_everywhere(client, demo, django_user_model):
    # given the demo plan with four months of history
    admin = django_user_model.objects.get(username="admin")
    client.force_login(admin)
    rollups = {r.item_id: r for r in ItemRollup.objects.filter(item__section__plan=demo)}
    items = list(WorkItem.objects.filter(section__plan=demo).select_related("section")
                 .prefetch_related("responsibilities__department").order_by("section__number", "number"))
    # the document's 18 items and the 交办事项 assigned in March
    assert len(rollups) == len(items) == 19
    assert [i.title for i in items if i.section.is_assignments] == ["筹备全市职工秋季运动会"]
    plan_page = client.get(reverse("tasks:plan-detail", args=[demo.pk])).content.decode()
    section_pages = {section.pk: client.get(reverse("dashboard:section-dashboard", args=[section.pk])).content.decode()
                     for section in demo.sections.all()}
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(reverse("dashboard:bulletin-excel")).content))
    api = APIClient()
    api.force_authenticate(admin)
    from_api = {row["id"]: row for row in api.get(f"/api/v1/items/?plan={demo.pk}&page_size=200").json()["results"]}
    brands_board = client.get(reverse("brands:board")).content.decode()

    for item in items:
        # when the item's figure is read on every page that shows it
        official = percent(rollups[item.pk].percent)
        lead = next(r.department for r in item.responsibilities.all() if r.role == "lead")
        lead_user = Membership.objects.filter(department=lead).first().user
        client.force_login(lead_user)
        my_work = client.get(reverse("supervision:my-work")).content.decode()
        client.force_login(admin)
        item_page = client.get(item.get_absolute_url()).content.decode()
        department_page = client.get(reverse("dashboard:department-dashboard", args=[lead.pk])).content.decode()
        sheet = workbook[item.section.numeral]
        excel_row = next(row for row in sheet.iter_rows(min_row=3, values_only=True) if row[0] == item.number)
        shown = {
            "item page": _official_in(item_page, 'class="official-figure'),
            "plan page": _official_in(plan_page, f'id="item-{item.number}"'),
            "我的工作": _official_in(my_work, f'id="mywork-{item.pk}-{lead.pk}"'),
            "section page": _official_in(section_pages[item.section_id], f'id="row-{item.number}"'),
            "department page": _official_in(department_page, f'id="row-{item.number}"'),
            "Excel bulletin": excel_row[5],
            "API": percent(from_api[item.pk]["official_percent"]),
            "API roll-up": percent(from_api[item.pk]["rollup"]["percent"]),
        }
        if item.brands.exists():
            shown["brands board"] = _official_in(brands_board, 'class="meta brand-item"')
        # then they all agree with the roll-up
        disagreeing = {page: figure for page, figure in shown.items() if figure != official}
        assert not disagreeing, f"item {item.number}: official {official}, but {disagreeing}"

    # and the sections: the dashboard's cards and the bulletin's summary show the roll-up's figure
    client.force_login(django_user_model.objects.get(username="leader"))
    dashboard = client.get(reverse("dashboard:dashboard")).content.decode()
    summary = {row[0]: row[1] for row in workbook["汇总"].iter_rows(min_row=4, values_only=True)}
    for rollup in SectionRollup.objects.filter(section__plan=demo).select_related("section"):
        card = dashboard.split(f'id="card-{rollup.section.number}"', 1)[1].split("</article>", 1)[0]
        title = f"{rollup.section.numeral}、{rollup.section.title}"
        assert f"<strong>{percent(rollup.percent)}</strong>" in card, title
        assert summary[title] == percent(rollup.percent), title
