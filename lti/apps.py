from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "Learning platforms (LTI 1.3)"

    def ready(self):
        from . import receivers  # noqa: F401 (connects the grade returns to passes and attestations)
