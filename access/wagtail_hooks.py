"""The audit log in the Wagtail admin, in the Reports menu for those who may read it; and the
dashboard's page search offered only to those who may search pages."""

import functools

from wagtail import hooks
from wagtail.admin.auth import user_has_any_page_permission
from wagtail.admin.views.home import HomeView

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


WITHOUT_PAGE_SEARCH = "access/dashboard_without_page_search.html"


def _choose_dashboard_template(get_template_names):
    @functools.wraps(get_template_names)
    def template_names(self):
        # Wagtail's own test for its page search (any page permission), which its sidebar's
        # search already follows; without one, the form would only say "you do not have
        # permission".
        if user_has_any_page_permission(self.request.user):
            return get_template_names(self)
        return [WITHOUT_PAGE_SEARCH]

    template_names.attest = True
    return template_names


# The dashboard's "Search all pages…" form is offered only to those who may search pages (not
# HR or the Reporting group). Wagtail has no hook for the form: the dashboard (``HomeView``)
# renders it from one template, in no block of its own, so the view is told to use ours, the
# same without the form, for those who may not (once, however often this module is imported).
if not getattr(HomeView.get_template_names, "attest", False):
    HomeView.get_template_names = _choose_dashboard_template(HomeView.get_template_names)
