from django.apps import AppConfig


class CoreConfig(AppConfig):
    """Small shared pieces with no models: the append-only base, formula-safe exports, the
    admin report base, date helpers and the site's template tags."""

    name = "core"
    verbose_name = "Core"

    def ready(self):
        from . import sites  # noqa: F401 (its receivers forget kept sites and view restrictions)
