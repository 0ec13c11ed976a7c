from django.urls import path, register_converter

from core.urls import IdConverter

from . import views

register_converter(IdConverter, "id")

app_name = "records"

urlpatterns = [
    path("people/<id:person_id>/transcript/", views.transcript, name="transcript"),
    path("team/", views.team, name="team"),
    path("team/reminders/", views.team_reminders, name="team_reminders"),
    path("my-data/", views.my_data, name="my_data"),
    path("my-data/download/", views.download_my_data, name="my_data_download"),
]
