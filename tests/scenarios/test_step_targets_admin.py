"""Where a choice leads is chosen from the scenario's steps in the editor (a script turns the
text box into a list), and the typed name still works, and is still checked, without it."""

from django.contrib.staticfiles import finders

from scenarios.models import ScenarioPage
from tests.helpers import sign_in_with_mfa


def test_the_scenario_editor_loads_the_step_list_script_and_marks_the_fields(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="the-bridge")
    html = client.get(f"/admin/pages/{scenario.pk}/edit/").content.decode()
    assert "/static/scenarios/scenario_step_targets.js" in html
    # The block definitions reach the editor as JSON; each target field's widget carries the mark.
    assert html.count("data-scenario-step-target") >= 2  # "leads to" and "then"


def test_the_step_list_script_is_served():
    assert finders.find("scenarios/scenario_step_targets.js")


def test_an_officer_is_not_shown_the_scenario_editor(client, demo):
    sign_in_with_mfa(client, demo["officer"])
    scenario = ScenarioPage.objects.get(slug="the-bridge")
    response = client.get(f"/admin/pages/{scenario.pk}/edit/")
    assert response.status_code in (302, 403)
    assert b"scenario_step_targets.js" not in response.content


# In the browser -------------------------------------------------------------------------------
