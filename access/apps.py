from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Sign-in and what guards it: single sign-on, MFA for privileged roles, session limits,
    and the append-only audit log of sign-ins, denials, changes and exports."""

    name = "access"
    verbose_name = "Sign-in and audit"

    def ready(self):
        from . import receivers, sso  # noqa: F401 - connect their signal receivers
