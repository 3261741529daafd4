from django.urls import path

from . import views

app_name = "progress"

urlpatterns = [
    path("reviews/", views.review_queue, name="review-queue"),
    path("items/<int:item_id>/report/", views.report_create, name="report-create"),
    path("reports/<int:report_id>/review/", views.report_review, name="report-review"),
    path("evidence/<int:evidence_id>/", views.evidence_download, name="evidence-download"),
]
