from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from . import selectors, services
from .models import Notification

PAGE_SIZE = 50


@login_required
def notification_list_view(request):
    page = Paginator(selectors.notification_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "notifications/list.html", {"page": page})


@login_required
@require_POST
def notification_read_view(request, notification_id: int):
    try:
        notification = selectors.notification_of(user=request.user, notification_id=notification_id)
    except Notification.DoesNotExist:
        raise Http404 from None
    services.notification_mark_read(notification=notification)
    target = notification.url
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return redirect(target)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all_view(request):
    services.notifications_mark_all_read(user=request.user)
    return redirect("notifications:list")
