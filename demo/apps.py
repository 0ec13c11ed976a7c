from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo force (seed_demo, demo_code) and the synthetic force for benchmarks
    (generate_force). Never needed in production."""

    name = "demo"
    verbose_name = "Demo data"
