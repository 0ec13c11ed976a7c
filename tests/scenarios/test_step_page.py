"""What the step page tells the officer: how far along they are, what they missed, and where."""

import re

import pytest

from learning.factories import EnrolmentFactory, ModulePageFactory
from learning.services import begin_module
from scenarios.factories import ScenarioPageFactory
from scenarios.models import Attempt
from scenarios.services import ProgressEstimate, progress_estimate, record_response, walk
from tests.helpers import answer_path, make_branching_module, option, right_answers


def choose(attempt: Attempt, text: str) -> None:
    attempt = Attempt.objects.get(pk=attempt.pk)
    step = walk(attempt).current
    record_response(attempt, step.position, [next(each.id for each in step.options if each.text == text)])


@pytest.fixture
def two_scenarios(demo):
    """The branching scenario (right: three steps; wrong first choice: one), then a one-step one."""
    officer = demo["officer"]
    module = make_branching_module(officer)
    ScenarioPageFactory(parent=module, title="The call back")
    return begin_module(officer, module)


def caption(client, attempt: Attempt, position: int) -> str:
    page = client.get(f"/attempts/{attempt.public_id}/steps/{position}/").content.decode()
    return re.search(r'<span class="govuk-caption-l">(.*?)</span>', page, re.S).group(1)


def test_the_step_count_follows_the_right_path_and_says_it_may_change(client, demo, two_scenarios):
    client.force_login(demo["officer"])
    # Right path: the decision, the landline, the record, then the second scenario's one step.
    assert "Step 1 of about 4" in caption(client, two_scenarios, 1)
    choose(two_scenarios, "Use the station landline")
    # No decision lies ahead, so the total is certain.
    assert "Step 2 of 4" in caption(client, two_scenarios, 2)
    choose(two_scenarios, "Wait for it")
    assert "Step 3 of 4" in caption(client, two_scenarios, 3)


def test_the_step_count_corrects_itself_after_a_wrong_branch(client, demo, two_scenarios):
    client.force_login(demo["officer"])
    choose(two_scenarios, "Use your own phone with 141")  # ends the first scenario at once
    estimate = progress_estimate(Attempt.objects.get(pk=two_scenarios.pk))
    assert (estimate.answered, estimate.total, estimate.exact) == (1, 2, True)
    assert "Step 2 of 2" in caption(client, two_scenarios, 2)
    assert "Step 1 of 2" in caption(client, two_scenarios, 1)  # the feedback page, too


def test_the_estimate_is_exact_for_an_officer_answering_the_demo_module_right(demo):
    attempt = begin_module(demo["officer"], demo["module"])
    totals = []

    def right_and_note(step):
        totals.append(progress_estimate(Attempt.objects.get(pk=attempt.pk)).total)
        return right_answers(step)

    answered = answer_path(attempt, right_and_note)
    assert set(totals) == {len(answered)}
    assert progress_estimate(attempt) == ProgressEstimate(answered=len(answered), total=len(answered), exact=True)


def test_the_estimate_reads_no_more_than_the_walk(django_assert_num_queries, two_scenarios):
    attempt = Attempt.objects.get(pk=two_scenarios.pk)
    walk(attempt)
    with django_assert_num_queries(0):
        assert progress_estimate(attempt).total == 4


TICK_STEP = (
    "multiple_response",
    {
        "name": "",
        "prompt": "Which of these may you use to call a witness? Tick all that apply.",
        "critical": False,
        "then": "",
        "options": [
            option("The station landline", correct=True),
            option("A police radio via control", correct=True),
            option("Your own phone with 141"),
        ],
    },
)


@pytest.fixture
def ticking(demo):
    officer = demo["officer"]
    module = ModulePageFactory(title="Ticking", summary="One multiple-response step.", pass_mark=50)
    ScenarioPageFactory(parent=module, title="The witness", steps=[TICK_STEP])
    EnrolmentFactory(user=officer, module=module)
    return begin_module(officer, module)


def test_tick_all_that_apply_is_said_once(client, demo, ticking):
    client.force_login(demo["officer"])
    page = client.get(f"/attempts/{ticking.public_id}/steps/1/").content.decode()
    assert page.lower().count("all that apply") == 1
    assert '<div id="answer-hint" class="govuk-hint">Select all that apply.</div>' in page
    assert "Which of these may you use to call a witness?</h1>" in page


def test_a_right_option_not_ticked_is_named_in_the_feedback_and_the_review(client, demo, ticking):
    client.force_login(demo["officer"])
    step = walk(ticking).current
    landline = next(each.id for each in step.options if each.text == "The station landline")
    client.post(f"/attempts/{ticking.public_id}/steps/1/", {"answer": [landline]})
    feedback = client.get(f"/attempts/{ticking.public_id}/steps/1/").content.decode()
    result = client.get(f"/attempts/{ticking.public_id}/result/").content.decode()
    for page in (feedback, result):
        missed = re.findall(r"You did not tick this: it is right</strong>", page)
        assert len(missed) == 1, page
        assert re.search(r"A police radio via control.*?You did not tick this: it is right", page, re.S)
        assert "You ticked this: it is right" in page


def test_the_feedback_page_title_says_it_is_feedback(client, demo, ticking):
    client.force_login(demo["officer"])
    step = walk(ticking).current
    client.post(f"/attempts/{ticking.public_id}/steps/1/", {"answer": sorted(step.correct_ids)})
    page = client.get(f"/attempts/{ticking.public_id}/steps/1/").content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert title.strip().startswith("Feedback: Step 1: The witness")
