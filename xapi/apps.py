from django.apps import AppConfig


class XapiConfig(AppConfig):
    name = "xapi"
    verbose_name = "Learning record store (xAPI)"

    def ready(self) -> None:
        from . import receivers  # noqa: F401  (connects the facts that become statements)
