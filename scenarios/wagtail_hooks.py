"""The scenario tools in the Wagtail admin: each scenario's map, and the step analytics report."""

from wagtail import hooks

from core.reports import ReportViewSet

from . import scenario_map
from .analytics import StepAnalyticsView

step_analytics = ReportViewSet(
    "scenario-step-analytics",
    report=StepAnalyticsView,
    url_prefix="reports/scenario-steps",
    menu_label="Scenario steps",
    icon="table",
    menu_order=899,  # after the audit log, before Wagtail's Workflow tasks (900),
)


@hooks.register("register_admin_viewset")
def register_step_analytics():
    return step_analytics


@hooks.register("register_admin_urls")
def register_admin_urls():
    return scenario_map.urlpatterns


@hooks.register("register_page_header_buttons")
def register_scenario_map_button(page, user, view_name, next_url=None):
    yield from scenario_map.header_buttons(page, user)
