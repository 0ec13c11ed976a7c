"""The records in the Wagtail admin: the certificates (HR) and the completion reports."""

from wagtail import hooks

from . import certificate_admin, reports


@hooks.register("register_admin_urls")
def register_records_admin_urls():
    return [*certificate_admin.urlpatterns, *reports.urlpatterns]


@hooks.register("register_admin_menu_item")
def register_certificates_menu_item():
    return certificate_admin.menu_item()


for _position in range(len(reports.MENU)):

    @hooks.register("register_reports_menu_item")
    def register_report_menu_item(position=_position):
        return reports.menu_item(position)
