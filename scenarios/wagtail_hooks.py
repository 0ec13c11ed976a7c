"""The scenario tools in the Wagtail admin: each scenario's map, the step analytics report and the
editor's list of steps a choice can lead to. (The citations to check read policy versions too, so
they live in ``learning``: learning/wagtail_hooks.py.)"""

from django.templatetags.static import static
from django.utils.html import format_html
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


@hooks.register("insert_editor_js")
def scenario_step_targets_js():
    # "Leads to" and "then" as a list of the scenario's steps (scenarios.blocks.StepTargetBlock).
    return format_html('<script src="{}" defer></script>', static("scenarios/scenario_step_targets.js"))
