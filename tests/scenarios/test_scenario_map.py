"""The scenario map in the Wagtail admin."""

import pytest

from scenarios.graph import END, Node
from scenarios.models import ScenarioPage
from scenarios.scenario_map import layout
from tests.helpers import sign_in_with_mfa


def test_the_layout_marks_unreachable_steps_and_dead_ends():
    nodes = [
        Node("a", ("b", END), label="Step 1"),
        Node("b", ("c",), label="Step 2"),
        Node("c", ("b",), label="Step 3"),
        Node("lost", (END,), label="Step 4"),
    ]
    drawn = {box.name: box for box in layout(nodes).boxes}
    assert not drawn["a"].unreachable and not drawn["a"].never_ends
    assert drawn["b"].never_ends and drawn["c"].never_ends
    assert drawn["lost"].unreachable
    assert drawn["b"].y > drawn["a"].y  # rows follow the distance from the first step


@pytest.fixture
def dead_end_draft(demo):
    scenario = ScenarioPage.objects.get(slug="the-bats-screen")
    draft = scenario.get_latest_revision_as_object()
    draft.steps[0].value["then"] = draft.steps[0].value["name"] = "loop"
    draft.save_revision(clean=False)  # the editor refuses this draft; the map still shows it
    return scenario


def test_trainers_see_the_map_with_its_dead_end_marked(client, demo, dead_end_draft):
    sign_in_with_mfa(client, demo["trainer"])
    response = client.get(f"/admin/scenarios/{dead_end_draft.pk}/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html
    assert "Dead end: never finishes" in html
    assert "Unreachable" in html  # step 2 can no longer be reached
    assert "never leads to the end" in html  # and the table says it in words


def test_the_map_of_a_well_formed_scenario_reports_no_problems(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    html = client.get(f"/admin/scenarios/{scenario.pk}/map/").content.decode()
    assert "Dead end" not in html and "Unreachable" not in html
    table = html[html.index("Steps of After the arrest") :]
    table = table[: table.index("</tbody>")]
    assert table.count("<td>None</td>") == 5  # five steps, none with a problem
    assert "<td>Step 2 (“her-number”)" in table and "<td>the end</td>" in table


def test_the_edit_page_links_to_the_map(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    assert f"/admin/scenarios/{scenario.pk}/map/" in client.get(f"/admin/pages/{scenario.pk}/edit/").content.decode()


def test_an_officer_is_refused_the_map(client, demo):
    sign_in_with_mfa(client, demo["officer"])
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    assert client.get(f"/admin/scenarios/{scenario.pk}/map/").status_code == 403


def test_admin_users_who_cannot_edit_the_scenario_do_not_see_its_map(client, demo):
    sign_in_with_mfa(client, demo["hr"])
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    response = client.get(f"/admin/scenarios/{scenario.pk}/map/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/")


def test_an_unknown_scenario_has_no_map(client, demo):
    sign_in_with_mfa(client, demo["admin"])
    assert client.get("/admin/scenarios/999999/map/").status_code == 404
