from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render

from . import selectors
from .models import WorkItem, WorkPlan


@login_required
def plan_current(request):
    plan = selectors.plan_current()
    if plan is None:
        return render(request, "tasks/no_plan.html")
    return redirect(plan)


@login_required
def plan_list(request):
    return render(request, "tasks/plan_list.html", {"plans": selectors.plan_list()})


@login_required
def plan_detail(request, plan_id: int):
    try:
        plan = selectors.plan_with_sections(plan_id=plan_id)
    except WorkPlan.DoesNotExist:
        raise Http404
    return render(request, "tasks/plan_detail.html", {"plan": plan})


@login_required
def item_detail(request, item_id: int):
    try:
        item = selectors.item_detail(item_id=item_id)
    except WorkItem.DoesNotExist:
        raise Http404
    return render(request, "tasks/item_detail.html", {"item": item, "plan": item.section.plan})
