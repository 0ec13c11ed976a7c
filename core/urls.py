"""The service's own pages (the accessibility statement), and pieces of URL configuration
every app's URLs use."""

from django.urls import path

from . import views


class IdConverter:
    """A database id: digits that fit the database's integer column, so a huge number is a 404."""

    regex = "[0-9]{1,9}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


app_name = "core"
urlpatterns = [
    path("accessibility/", views.accessibility_statement, name="accessibility"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
]
