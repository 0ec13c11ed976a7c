from django.apps import AppConfig


class LearningConfig(AppConfig):
    name = "learning"
    verbose_name = "Learning"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects what learning hears from scenarios, certificates and people)
