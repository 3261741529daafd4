from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("start/", views.landing, name="landing"),
    path("my/", views.my_work, name="my-work"),
    path("supervision/", views.desk, name="desk"),
    path("items/<int:item_id>/instructions/", views.instruction_create, name="instruction-create"),
    path("instructions/<int:instruction_id>/reply/", views.instruction_reply, name="instruction-reply"),
    path("instructions/<int:instruction_id>/conclude/", views.instruction_conclude, name="instruction-conclude"),
    path("assignments/new/", views.assignment_create, name="assignment-create"),
    path("chases/new/", views.chase_create, name="chase-create"),
    path("chases/<int:chase_id>/", views.chase_detail, name="chase-detail"),
    path("chases/answers/<int:target_id>/", views.chase_answer, name="chase-answer"),
    path("items/<int:item_id>/extensions/new/", views.extension_create, name="extension-create"),
    path("extensions/<int:extension_id>/decide/", views.extension_decide, name="extension-decide"),
    path("items/<int:item_id>/completion/", views.completion_decide, name="completion-decide"),
    path("summaries/", views.summaries, name="summaries"),
    path("summaries/<int:requirement_id>/", views.summary_submit, name="summary-submit"),
    path("manage/plans/<int:plan_id>/summaries/", views.summary_requirements, name="summary-requirements"),
]
