from django.urls import reverse
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import admin_views


@hooks.register("register_admin_urls")
def register_audit_log_urls():
    return admin_views.urlpatterns


class AuditLogMenuItem(MenuItem):
    def is_shown(self, request) -> bool:
        return request.user.has_perm(admin_views.PERMISSION)


@hooks.register("register_reports_menu_item")
def register_audit_log_menu_item():
    return AuditLogMenuItem("Audit log", reverse("audit_log"), name="audit-log", icon_name="history", order=900)
