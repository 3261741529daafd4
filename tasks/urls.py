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
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/sections/<int:section_id>/", views.section_dashboard, name="section-dashboard"),
    path("dashboard/departments/<int:department_id>/", views.department_dashboard, name="department-dashboard"),
    path("dashboard/my-department/", views.my_department_dashboard, name="my-department-dashboard"),
    path("dashboard/bulletin.xlsx", views.bulletin_excel, name="bulletin-excel"),
    path("dashboard/bulletin.docx", views.bulletin_word, name="bulletin-word"),
    path("manage/plans/", views.manage_plans, name="manage-plans"),
    path("manage/plans/upload/", views.plan_upload, name="plan-upload"),
    path("manage/plans/<int:plan_id>/setup/", views.plan_setup, name="plan-setup"),
    path("manage/plans/<int:plan_id>/publish/", views.plan_publish, name="plan-publish"),
    path("manage/plans/<int:plan_id>/close/", views.plan_close, name="plan-close"),
    path("manage/plans/<int:plan_id>/clone/", views.plan_clone, name="plan-clone"),
    path("manage/targets/<int:target_id>/", views.target_fill, name="target-fill"),
    path("manage/departments/<int:department_id>/deactivate/", views.department_deactivate, name="department-deactivate"),
]
