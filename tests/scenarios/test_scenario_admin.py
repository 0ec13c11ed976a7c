"""Trainers write scenarios through the Wagtail admin form; a broken shape is explained in the editor."""

from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from scenarios.models import ScenarioPage
from tests.helpers import choice, sign_in_with_mfa


def listblock(items: list[dict]) -> dict:
    """A ListBlock's form data, as the editor posts it."""
    data = {
        str(index): {"value": item, "deleted": "", "order": str(index), "id": ""} for index, item in enumerate(items)
    }
    data["count"] = str(len(items))
    return data


def decision(name: str, first_leads_to: str) -> tuple[str, dict]:
    return (
        "decision_point",
        {
            "name": name,
            "prompt": "The witness will not answer a withheld number. What do you do?",
            "options": listblock(
                [
                    choice("Ask control to call from the landline", first_leads_to, correct=True),
                    choice("Call again from your own phone", "end"),
                ]
            ),
        },
    )


def follow_up() -> tuple[str, dict]:
    return (
        "true_false",
        {
            "name": "follow-up",
            "prompt": "A record of the call and the rationale goes on CRIS only in an emergency.",
            "then": "",
            "answer": "true",
            "feedback_if_right": "Right.",
            "feedback_if_wrong": "No.",
            "clause_reference": "UMCS 2.0 clause 5",
            "clause_text": "",
        },
    )


def scenario_form(title: str, steps) -> dict:
    return nested_form_data(
        {
            "title": title,
            "slug": "a-new-scenario",
            "narrative": rich_text("<p>You are on a late shift.</p>"),
            "steps": streamfield(steps),
        }
    )


def test_a_trainer_writes_a_branching_scenario_in_the_admin(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    module = demo["module"]
    response = client.post(
        f"/admin/pages/add/scenarios/scenariopage/{module.pk}/",
        scenario_form("A new scenario", [decision("start", "follow-up"), follow_up()]),
    )
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    scenario = ScenarioPage.objects.get(slug="a-new-scenario")
    assert not scenario.live  # a trainer's scenario waits for approval
    draft = scenario.get_latest_revision_as_object()
    assert [child.block_type for child in draft.steps] == ["decision_point", "true_false"]
    assert draft.steps[0].value.options()[0].leads_to == "follow-up"


def test_a_choice_leading_nowhere_is_explained_in_the_editor_and_nothing_is_saved(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    response = client.post(
        f"/admin/pages/add/scenarios/scenariopage/{demo['module'].pk}/",
        scenario_form("A broken scenario", [decision("start", "no-such-step"), follow_up()]),
    )
    assert response.status_code == 200
    html = response.content.decode()
    # The editor's widgets get their errors as JSON, with the quotation marks escaped.
    assert "Step 1 (\\u201cstart\\u201d) leads to \\u201cno-such-step\\u201d, which is not a step" in html
    assert "could not be created" in html
    assert not ScenarioPage.objects.filter(slug="a-new-scenario").exists()


def test_editing_a_scenario_keeps_the_live_version_until_approved(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="the-bats-screen")
    response = client.post(
        f"/admin/pages/{scenario.pk}/edit/",
        scenario_form("The custody record (revised)", [decision("start", "follow-up"), follow_up()])
        | {"slug": "the-bats-screen"},
    )
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.title == "The custody record"
    assert scenario.get_latest_revision_as_object().title == "The custody record (revised)"


def test_the_preview_lets_a_trainer_click_through_every_choice(client, demo):
    from tests.helpers import make_branching_module

    make_branching_module(demo["officer"])
    sign_in_with_mfa(client, demo["trainer"])
    scenario = ScenarioPage.objects.get(slug="the-witness")
    html = client.get(f"/admin/pages/{scenario.pk}/view_draft/").content.decode()
    assert 'href="#step-1-choice-1">Use the station landline</a>' in html
    assert 'id="step-1-choice-1"' in html
    assert "What happens next:</strong> The line is busy." in html
    assert 'href="#step-2">Continue to Step 2</a>' in html  # the landline choice leads on
    assert "The scenario ends here." in html  # the 141 choice ends it
    assert 'id="step-3"' in html
