"""Trainers submit scenario changes; a policy owner approves them before officers see them."""

from scenarios.models import ScenarioPage
from tests.helpers import sign_in_with_mfa


def test_trainers_cannot_publish_and_policy_owners_can(demo):
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    assert not scenario.permissions_for_user(demo["trainer"]).can_publish()
    assert scenario.permissions_for_user(demo["policyowner"]).can_publish()


def test_a_trainers_change_goes_live_only_after_a_policy_owner_approves_it(client, demo):
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    workflow = scenario.get_workflow()
    assert workflow.name == "Scenario approval"

    draft = scenario.get_latest_revision_as_object()
    draft.steps[0].value["prompt"] = "A clearer question, written by the trainer."
    revision = draft.save_revision(user=demo["trainer"])
    state = workflow.start(scenario, demo["trainer"])
    scenario.refresh_from_db()
    assert scenario.live_revision_id != revision.pk  # officers still see the approved version

    sign_in_with_mfa(client, demo["policyowner"])
    task_state = state.current_task_state
    response = client.post(f"/admin/pages/workflow/action/{scenario.pk}/approve/{task_state.pk}/", {"comment": ""})
    assert response.status_code in (200, 302)
    scenario.refresh_from_db()
    assert scenario.live_revision_id == revision.pk
    assert scenario.specific.steps[0].value["prompt"] == "A clearer question, written by the trainer."


def test_a_trainer_cannot_approve_their_own_change(client, demo):
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    scenario.get_latest_revision_as_object().save_revision(user=demo["trainer"])
    state = scenario.get_workflow().start(scenario, demo["trainer"])
    sign_in_with_mfa(client, demo["trainer"])
    client.post(f"/admin/pages/workflow/action/{scenario.pk}/approve/{state.current_task_state.pk}/")
    state.refresh_from_db()
    assert state.status == state.STATUS_IN_PROGRESS


def test_revisions_of_a_scenario_can_be_compared(client, demo):
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    first = scenario.live_revision
    draft = scenario.get_latest_revision_as_object()
    draft.steps[0].value["prompt"] = "Changed wording"
    second = draft.save_revision(user=demo["trainer"])
    sign_in_with_mfa(client, demo["trainer"])
    response = client.get(f"/admin/pages/{scenario.pk}/revisions/compare/{first.pk}...{second.pk}/")
    assert response.status_code == 200
    assert "Changed wording" in response.content.decode()
