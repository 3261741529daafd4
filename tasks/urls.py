from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.plan_current, name="plan-current"),
    path("my/", views.my_work, name="my-work"),
    path("reviews/", views.review_queue, name="review-queue"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("items/<int:item_id>/", views.item_detail, name="item-detail"),
    path("items/<int:item_id>/report/", views.report_create, name="report-create"),
    path("items/<int:item_id>/instructions/", views.instruction_create, name="instruction-create"),
    path("reports/<int:report_id>/review/", views.report_review, name="report-review"),
    path("instructions/<int:instruction_id>/reply/", views.instruction_handle, name="instruction-handle"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence-download"),
]
