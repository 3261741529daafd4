from django.urls import path

from . import views

app_name = "assessment"

urlpatterns = [
    path("assessment/", views.ranking, name="ranking"),
    path("assessment/kaohe.xlsx", views.table_excel, name="table-excel"),
    path("assessment/kaohe.docx", views.table_word, name="table-word"),
    path("assessment/departments/<int:department_id>/", views.department_score, name="department"),
    path("assessment/departments/<int:department_id>/points/", views.manual_add, name="manual-add"),
    path("assessment/departments/<int:department_id>/adjust/", views.adjust, name="adjust"),
    path("assessment/departments/<int:department_id>/sign-off/", views.sign_off, name="sign-off"),
    path("assessment/self/", views.self_assessment, name="self"),
    path("assessment/self/<int:department_id>/items/<int:item_id>/", views.entry_save, name="entry-save"),
    path("assessment/self/<int:department_id>/parts/<int:part_id>/", views.claim_save, name="claim-save"),
    path("assessment/self/<int:department_id>/put-forward/", views.put_forward, name="put-forward"),
    path("assessment/self/<int:department_id>/send/", views.head_decide, name="send"),
    path("assessment/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("assessment/ledger/items/<int:item_id>.zip", views.ledger_item, name="ledger-item"),
    path("assessment/ledger/departments/<int:department_id>.zip", views.ledger_department, name="ledger-department"),
    path("assessment/ledger/plans/<int:plan_id>.zip", views.ledger_plan, name="ledger-plan"),
    path("manage/plans/<int:plan_id>/assessment/", views.rules_page, name="rules"),
]
