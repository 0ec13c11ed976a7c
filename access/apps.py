from django.apps import AppConfig


class AccessConfig(AppConfig):
    """Sign-in and what guards it: single sign-on, MFA for privileged roles, session limits,
    and the append-only audit log of sign-ins, denials, changes and exports."""

    name = "access"
    verbose_name = "Sign-in and audit"

    def ready(self):
        from . import receivers, sso  # noqa: F401 - connect their signal receivers

        audit_wagtail_refusals()


def audit_wagtail_refusals() -> None:
    """Wagtail answers a refusal inside its admin (a view raising ``PermissionDenied``, or its
    own permission checks) with ``wagtail.admin.auth.permission_denied``: a redirect to the
    dashboard saying "you do not have permission", not a 403, so our 403 middleware never sees
    it. Every such refusal goes to the audit log too. Wagtail calls the function through its
    module (``require_admin_access``, ``user_passes_test``), so wrapping it there is enough."""
    import functools

    from wagtail.admin import auth as wagtail_auth

    from . import audit

    refuse = wagtail_auth.permission_denied
    if getattr(refuse, "audited", False):
        return

    @functools.wraps(refuse)
    def permission_denied(request):
        audit.denied(request, "admin", method=request.method, status="redirect to the dashboard")
        return refuse(request)

    permission_denied.audited = True
    wagtail_auth.permission_denied = permission_denied
