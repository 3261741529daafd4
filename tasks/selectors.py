"""Every read that a page, a job or an export needs, with its joins designed in."""

from __future__ import annotations

from django.db.models import Count, Prefetch, QuerySet

from .models import Responsibility, Section, Target, WorkItem, WorkPlan


def plan_list() -> QuerySet[WorkPlan]:
    return WorkPlan.objects.annotate(item_count=Count("sections__items"))


def plan_current() -> WorkPlan | None:
    """The plan the portal opens on: the newest published one, else the newest."""
    return (
        WorkPlan.objects.filter(status=WorkPlan.Status.PUBLISHED).order_by("-year").first()
        or WorkPlan.objects.order_by("-year", "-pk").first()
    )


def _item_queryset() -> QuerySet[WorkItem]:
    return WorkItem.objects.prefetch_related(
        Prefetch(
            "responsibilities",
            queryset=Responsibility.objects.select_related("department__parent").order_by("order"),
        ),
        Prefetch("targets", queryset=Target.objects.order_by("order")),
    )


def plan_with_sections(*, plan_id: int) -> WorkPlan:
    """A plan with its sections, items, departments and targets: a fixed number of queries."""
    return (
        WorkPlan.objects.prefetch_related(
            Prefetch(
                "sections",
                queryset=Section.objects.order_by("number").prefetch_related(
                    Prefetch("items", queryset=_item_queryset().order_by("number"))
                ),
            )
        )
        .get(pk=plan_id)
    )


def item_detail(*, item_id: int) -> WorkItem:
    return _item_queryset().select_related("section__plan").get(pk=item_id)
