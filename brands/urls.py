from django.urls import path

from . import views

app_name = "brands"

urlpatterns = [
    path("", views.brand_board, name="board"),
    path("<int:brand_id>/", views.brand_detail, name="brand-detail"),
    path("<int:brand_id>/report/", views.milestone_report, name="milestone-report"),
]
