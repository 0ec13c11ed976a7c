"""People in the Wagtail admin: the HR import, in the main menu for those who may run it."""

from wagtail import hooks

from core.reports import AdminViewSet

from . import admin_views, choosers

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
def register_people_import():
    return people_import


@hooks.register("register_admin_viewset")
def register_choosers():
    return [choosers.person_chooser, choosers.org_unit_chooser]
