from django.urls import path, register_converter

from core.urls import IdConverter

from . import views

register_converter(IdConverter, "page_id")

app_name = "learning"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("modules/<page_id:page_id>/start/", views.start, name="start"),
    path("modules/<page_id:page_id>/attest/", views.attest, name="attest"),
    path("modules/<page_id:page_id>/glossary/", views.glossary, name="glossary"),
    path("modules/<page_id:page_id>/job-aid/", views.job_aid, name="job_aid"),
    path("modules/<page_id:page_id>/job-aid/pdf/", views.job_aid_pdf, name="job_aid_pdf"),
]
