"""People in the Wagtail admin: the HR import."""

from wagtail import hooks

from . import admin_views


@hooks.register("register_admin_urls")
def register_people_admin_urls():
    return admin_views.urlpatterns


@hooks.register("register_admin_menu_item")
def register_import_menu_item():
    return admin_views.menu_item()
