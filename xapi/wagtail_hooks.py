from wagtail import hooks

from core.reports import ReportViewSet

from . import admin_views

outbox = ReportViewSet(
    "xapi-statements",
    report=admin_views.OutboxListing,
    url_prefix="xapi-statements",
    urlpatterns=admin_views.urlpatterns,
    menu_label="LRS statements",
    icon="resubmit",
    menu_order=1400,  # the Reports menu, after Citations to check
)


@hooks.register("register_admin_viewset")
def register_outbox():
    return outbox
