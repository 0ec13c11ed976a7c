"""People in the Wagtail admin, in the main menu for HR and administrators: the people listing
and each person's page, the org unit tree, the HR import, and the person and org unit choosers."""

from wagtail import hooks

from core.reports import AdminViewSet, ReportViewSet

from . import admin_views, choosers, org_units_admin, people_admin

people = ReportViewSet(
    "people",
    report=people_admin.PeopleListing,
    url_prefix="people",
    urlpatterns=people_admin.urlpatterns,
    add_to_reports_menu=False,
    add_to_admin_menu=True,
    menu_label="People",
    icon="user",
    menu_order=310,
)

org_units = AdminViewSet(
    "org-units",
    url_prefix="org-units",
    urlpatterns=org_units_admin.urlpatterns,
    permission=people_admin.PERMISSION,
    add_to_admin_menu=True,
    menu_label="Org units",
    icon="group",
    menu_order=315,
)

people_import = AdminViewSet(
    "import-people",
    url_prefix="people/import",
    urlpatterns=admin_views.urlpatterns,
    permission=admin_views.PERMISSION,
    add_to_admin_menu=True,
    menu_label="Import people",
    icon="group",
    menu_order=320,
)


@hooks.register("register_admin_viewset")
def register_people_admin():
    # The import and the choosers first: their addresses (people/import/, people/choose/) sit
    # under the listing's people/.
    return [people_import, choosers.person_chooser, choosers.org_unit_chooser, people, org_units]
