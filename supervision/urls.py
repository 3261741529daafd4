from django.urls import path

from . import views

app_name = "supervision"

urlpatterns = [
    path("my/", views.my_work, name="my-work"),
    path("items/<int:item_id>/instructions/", views.instruction_create, name="instruction-create"),
    path("instructions/<int:instruction_id>/reply/", views.instruction_handle, name="instruction-handle"),
]
