from django.urls import path

from . import views

app_name = "learning"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("modules/<int:page_id>/start/", views.start, name="start"),
    path("modules/<int:page_id>/attest/", views.attest, name="attest"),
]
