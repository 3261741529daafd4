from django.urls import path

from . import views

app_name = "departments"

urlpatterns = [
    path("departments/", views.department_tree, name="tree"),
    path("departments/<int:department_id>/deactivate/", views.department_deactivate, name="department-deactivate"),
    path("people/", views.people, name="people"),
    path("people/upload/", views.people_upload, name="people-upload"),
    path("people/upload/<int:job_id>/", views.people_upload_job, name="people-upload-job"),
    path("people/<int:user_id>/roles/", views.person_roles, name="person-roles"),
    path("security-events/", views.security_events, name="security-events"),
    path("people/<int:user_id>/password/", views.person_password_reset, name="person-password-reset"),
    path("people/<int:user_id>/api-tokens/revoke/", views.person_api_tokens_revoke, name="person-api-tokens-revoke"),
    path("people/<int:user_id>/deactivate/", views.person_deactivate, name="person-deactivate"),
]
