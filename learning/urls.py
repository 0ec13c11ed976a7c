from django.urls import path, register_converter

from . import privacy_views, views


class PageIdConverter:
    """A page id: digits that fit the database's integer column, so a huge number is a 404."""

    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(PageIdConverter, "page_id")

app_name = "learning"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("modules/<page_id:page_id>/start/", views.start, name="start"),
    path("modules/<page_id:page_id>/attest/", views.attest, name="attest"),
    path("people/<page_id:person_id>/transcript/", views.transcript, name="transcript"),
    path("team/", views.team, name="team"),
    path("my-data/", privacy_views.my_data, name="my_data"),
    path("my-data/download/", privacy_views.download_my_data, name="my_data_download"),
]
