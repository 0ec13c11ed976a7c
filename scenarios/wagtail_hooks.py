"""The scenario tools in the Wagtail admin: each scenario's map, the step analytics report, the
editor's list of steps a choice can lead to, and the citations to check."""

from django.contrib import messages
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from wagtail import hooks

from core.reports import ReportViewSet

from . import scenario_map
from .analytics import StepAnalyticsView
from .citations import CitationsToCheckView, stale_citations
from .models import ScenarioPage

step_analytics = ReportViewSet(
    "scenario-step-analytics",
    report=StepAnalyticsView,
    url_prefix="reports/scenario-steps",
    menu_label="Scenario steps",
    icon="table",
    menu_order=899,  # after the audit log, before Wagtail's Workflow tasks (900),
)


citations_to_check = ReportViewSet(
    "scenario-citations",
    report=CitationsToCheckView,
    url_prefix="reports/scenario-citations",
    menu_label="Citations to check",
    icon="warning",
    menu_order=1300,  # after Wagtail's own reports (Page types usage is 1200)
)


@hooks.register("register_admin_viewset")
def register_step_analytics():
    return step_analytics


@hooks.register("register_admin_viewset")
def register_citations_to_check():
    return citations_to_check


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


NOTICE_LIMIT = 5  # citations named in an edit page's notice; the report lists them all


@hooks.register("before_edit_page")
def notice_of_citations_to_check(request, page):
    """On a scenario's or a module's edit page, tell the trainer which feedback cites a policy
    version no longer in force. Only on opening the page: after a save, the page it sends the
    trainer to says it again."""
    if request.method != "GET" or not CitationsToCheckView.allows(request.user):
        return
    if not isinstance(page.specific_deferred, ScenarioPage) and not ScenarioPage.objects.child_of(page).exists():
        return
    found = stale_citations(within=page)
    if not found:
        return
    items = format_html_join(
        "",
        "<li>{}: step {}, “{}”: {}</li>",
        ((row.scenario_title, row.step_number, row.option[:80], row.why) for row in found[:NOTICE_LIMIT]),
    )
    more = format_html("<li>and {} more.</li>", len(found) - NOTICE_LIMIT) if len(found) > NOTICE_LIMIT else ""
    messages.warning(
        request,
        format_html(
            "{} in feedback here cite{} a policy version no longer in force. "
            "Check each clause and cite the version in force: <ul>{}{}</ul> "
            '<a href="{}">See all citations to check</a>.',
            f"{len(found)} citation{'s' if len(found) != 1 else ''}",
            "" if len(found) != 1 else "s",
            items,
            more,
            reverse(CitationsToCheckView.index_url_name),
        ),
    )
