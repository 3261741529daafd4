from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("late/", views.late, name="late"),
    path("sections/<int:section_id>/", views.section_dashboard, name="section-dashboard"),
    path("departments/<int:department_id>/", views.department_dashboard, name="department-dashboard"),
    path("my-department/", views.my_department_dashboard, name="my-department-dashboard"),
    path("bulletin.xlsx", views.bulletin_excel, name="bulletin-excel"),
    path("bulletin.docx", views.bulletin_word, name="bulletin-word"),
]
