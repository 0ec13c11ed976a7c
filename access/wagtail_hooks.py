"""The audit log in the Wagtail admin, in the Reports menu for those who may read it. (The
dashboard's page search, offered only to those who may search pages, is in
templates/wagtailadmin/home.html.)"""

from wagtail import hooks

from core.reports import ReportViewSet

from .admin_views import AuditLogReport

audit_log = ReportViewSet(
    "audit-log",
    report=AuditLogReport,
    url_prefix="audit",
    menu_label="Audit log",
    icon="history",
    menu_order=898,  # just before Wagtail's Workflow tasks (900)
)


@hooks.register("register_admin_viewset")
def register_audit_log():
    return audit_log
