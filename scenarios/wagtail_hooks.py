"""The scenario tools in the Wagtail admin: each scenario's map, and the step analytics report."""

from wagtail import hooks

from . import analytics, scenario_map


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [*scenario_map.urlpatterns, *analytics.urlpatterns]


@hooks.register("register_reports_menu_item")
def register_analytics_menu_item():
    return analytics.menu_item()


@hooks.register("register_page_header_buttons")
def register_scenario_map_button(page, user, view_name, next_url=None):
    yield from scenario_map.header_buttons(page, user)
