from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.plan_current, name="plan-current"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("items/<int:item_id>/", views.item_detail, name="item-detail"),
]
