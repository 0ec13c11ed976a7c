"""Decision points branch a scenario: each choice has a consequence and leads somewhere."""

import pytest
from wagtail.blocks import StreamBlockValidationError

from learning.services import begin_module
from scenarios.blocks import StepStreamBlock
from scenarios.models import Attempt, ScenarioPage
from scenarios.services import record_response, walk
from tests.helpers import BRANCHING_STEPS, choice, make_branching_module


@pytest.fixture
def branching(demo):
    return begin_module(demo["officer"], make_branching_module(demo["officer"]))


def choose(attempt: Attempt, text: str):
    attempt = Attempt.objects.get(pk=attempt.pk)
    step = walk(attempt).current
    chosen = next(option for option in step.options if option.text == text)
    record_response(attempt, step.position, [chosen.id])
    return step


def test_a_choice_leads_to_the_step_it_names(branching):
    first = choose(branching, "Use the station landline")
    assert first.kind == "decision_point"
    assert walk(Attempt.objects.get(pk=branching.pk)).current.prompt == "The landline is busy. Now what?"
    choose(branching, "Wait for it")
    assert walk(Attempt.objects.get(pk=branching.pk)).current.prompt == "You must record why you waited."
    choose(branching, "False")
    finished = Attempt.objects.get(pk=branching.pk)
    assert finished.is_finished
    assert (finished.correct_count, finished.step_count) == (3, 3)


def test_a_choice_can_end_the_scenario(branching):
    choose(branching, "Use your own phone with 141")
    finished = Attempt.objects.get(pk=branching.pk)
    assert finished.is_finished
    assert (finished.correct_count, finished.step_count, finished.passed) == (0, 1, False)


def test_the_consequence_is_shown_with_the_feedback(client, demo, branching):
    client.force_login(demo["officer"])
    step = walk(branching).current
    landline = next(option for option in step.options if option.text == "Use the station landline")
    client.post(f"/attempts/{branching.public_id}/steps/1/", {"answer": [landline.id]})
    page = client.get(f"/attempts/{branching.public_id}/steps/1/").content.decode()
    assert "What happens next:" in page
    assert "The line is busy." in page
    assert "Scenario 1 of 1: The witness · Step 1" in page


def test_a_choice_leading_nowhere_is_refused_on_save():
    block = StepStreamBlock()
    steps = [dict(step) for _, step in BRANCHING_STEPS]
    broken = [
        ("decision_point", {**steps[0], "options": [choice("Go", "nowhere", correct=True), choice("Stop", "end")]})
    ]
    with pytest.raises(StreamBlockValidationError) as error:
        block.clean(block.to_python([{"type": kind, "value": value} for kind, value in broken]))
    assert "Step 1 (“first-call”) leads to “nowhere”" in str(error.value.non_block_errors.as_data()[0].messages)


def test_a_step_nothing_leads_to_is_refused_on_save():
    block = StepStreamBlock()
    first = {**dict(BRANCHING_STEPS[0][1]), "options": [choice("A", "end", correct=True), choice("B", "end")]}
    stream = [
        {"type": "decision_point", "value": first},
        {"type": BRANCHING_STEPS[2][0], "value": BRANCHING_STEPS[2][1]},
    ]
    with pytest.raises(StreamBlockValidationError) as error:
        block.clean(block.to_python(stream))
    assert "cannot be reached from the first step" in str(error.value.non_block_errors.as_data()[0].messages)


def test_the_demo_scenarios_are_well_formed(demo):
    block = StepStreamBlock()
    for scenario in ScenarioPage.objects.all():
        block.clean(scenario.steps)


def test_an_endless_loop_still_reaches_a_result(demo):
    from scenarios import services

    loop = [
        (
            "decision_point",
            {
                "name": "again",
                "prompt": "Try again?",
                "critical": False,
                "options": [choice("Again", "again", correct=True), choice("Stop", "end")],
            },
        )
    ]
    module = make_branching_module(demo["officer"])
    scenario = ScenarioPage.objects.get(slug="the-witness")
    scenario.steps = loop
    scenario.save_revision().publish()
    attempt = begin_module(demo["officer"], module)
    for _ in range(services.MAX_STEPS):
        choose(attempt, "Again")
    assert Attempt.objects.get(pk=attempt.pk).is_finished
