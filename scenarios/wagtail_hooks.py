"""The scenario tools in the Wagtail admin: each scenario's map, and the step analytics report."""

from wagtail import hooks

from . import analytics


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [*analytics.urlpatterns]


@hooks.register("register_reports_menu_item")
def register_analytics_menu_item():
    return analytics.menu_item()
