from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.plan_current, name="plan-current"),
    path("plans/", views.plan_list, name="plan-list"),
    path("plans/<int:plan_id>/", views.plan_detail, name="plan-detail"),
    path("items/<int:item_id>/", views.item_detail, name="item-detail"),
    path("manage/plans/", views.manage_plans, name="manage-plans"),
    path("manage/plans/upload/", views.plan_upload, name="plan-upload"),
    path("manage/plans/upload/<int:job_id>/", views.plan_upload_job, name="plan-upload-job"),
    path("manage/plans/<int:plan_id>/setup/", views.plan_setup, name="plan-setup"),
    path("manage/plans/<int:plan_id>/publish/", views.plan_publish, name="plan-publish"),
    path("manage/plans/<int:plan_id>/close/", views.plan_close, name="plan-close"),
    path("manage/plans/<int:plan_id>/reopen/", views.plan_reopen, name="plan-reopen"),
    path("manage/plans/<int:plan_id>/clone/", views.plan_clone, name="plan-clone"),
    path("manage/targets/<int:target_id>/", views.target_fill, name="target-fill"),
    path("manage/plans/<int:plan_id>/settings/", views.plan_settings, name="plan-settings"),
    path("manage/plans/<int:plan_id>/checkpoints/", views.plan_checkpoints, name="plan-checkpoints"),
    path("manage/plans/<int:plan_id>/checkpoints/quarterly/", views.checkpoints_quarterly,
         name="plan-checkpoints-quarterly"),
    path("manage/items/<int:item_id>/cycle/", views.item_cycle, name="item-cycle"),
    path("items/<int:item_id>/checkpoints/new/", views.checkpoint_create, name="checkpoint-create"),
    path("checkpoints/<int:checkpoint_id>/edit/", views.checkpoint_edit, name="checkpoint-edit"),
    path("checkpoints/<int:checkpoint_id>/delete/", views.checkpoint_delete, name="checkpoint-delete"),
    path("checkpoints/<int:checkpoint_id>/move/", views.checkpoint_move, name="checkpoint-move"),
]
