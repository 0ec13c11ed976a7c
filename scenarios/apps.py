from django.apps import AppConfig


class ScenariosConfig(AppConfig):
    name = "scenarios"
    verbose_name = "Scenarios"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (tells trainers of citations a new policy version leaves out of date)
