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
    assert "<strong>Step 2 (“her-number”)</strong>" in table and "<strong>the end</strong>" in table


def test_the_map_table_says_which_choice_leads_where_each_place_once(client, demo):
    # "The bridge" opens with three choices, two of which lead to the same step: the table
    # used to read "Step 2, Step 3, Step 2".
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="the-bridge")
    html = client.get(f"/admin/scenarios/{scenario.pk}/map/").content.decode()
    first_row = html[html.index('<th scope="row">Step 1') :]
    first_row = first_row[: first_row.index("</tr>")]
    assert first_row.count("Step 2 (“the-inspector”)") == 1
    inspector = first_row[first_row.index("Step 2 (“the-inspector”)") :]
    inspector = inspector[: inspector.index("</li>")]
    assert "choice 1 (“Don&#x27;t call him." in inspector and "choice 3 (“Don&#x27;t ring him yourself." in inspector
    assert "choice 2" not in inspector
    afterwards = first_row[first_row.index("Step 3 (“afterwards”)") :]
    assert "choice 2 (“Ring him now from your own phone." in afterwards[: afterwards.index("</li>")]


def test_a_linear_step_leads_one_way_whatever_the_answer():
    scenario_map = layout([Node("a", ("b",), label="Step 1"), Node("b", (END,), label="Step 2")])
    assert [(lead.target, lead.choices) for lead in scenario_map.rows[0].leads] == [("Step 2", [])]
    assert [(lead.target, lead.choices) for lead in scenario_map.rows[1].leads] == [("the end", [])]


def test_choices_to_one_place_are_listed_together_in_their_order():
    node = Node("a", ("b", END, "b"), label="Step 1", routes=("choice 1", "choice 2", "choice 3"))
    scenario_map = layout([node, Node("b", (END,), label="Step 2")])
    leads = scenario_map.rows[0].leads
    assert [(lead.target, lead.choices) for lead in leads] == [
        ("Step 2", ["choice 1", "choice 3"]),
        ("the end", ["choice 2"]),
    ]


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
