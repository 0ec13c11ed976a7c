from django.apps import AppConfig


class PeopleConfig(AppConfig):
    """The people of the force and its org units, who may see whose record, and the HR import."""

    name = "people"
    verbose_name = "People"
