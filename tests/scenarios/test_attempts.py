"""The attempt engine: state on the server, each answer recorded exactly once."""

import pytest

from learning.models import Enrolment
from learning.services import NotEnrolled, begin_module
from scenarios.models import Attempt, Response, ScenarioPage
from scenarios.services import (
    AlreadyAnswered,
    AttemptFinished,
    AttemptLimitReached,
    InvalidAnswer,
    NotCurrentStep,
    record_response,
    steps_in_list_order,
)
from tests.helpers import WrongOnFirstCritical, answer_path, right_answers, wrong_answers


@pytest.fixture
def attempt(demo):
    return begin_module(demo["officer"], demo["module"])


def fresh(attempt: Attempt) -> Attempt:
    return Attempt.objects.get(pk=attempt.pk)


def test_starting_marks_the_enrolment_in_progress(demo, attempt):
    enrolment = Enrolment.objects.get(user=demo["officer"], module=demo["module"])
    assert enrolment.status == Enrolment.Status.IN_PROGRESS
    assert enrolment.started_at is not None


def test_starting_again_resumes_the_attempt_in_progress(demo, attempt):
    again = begin_module(demo["officer"], demo["module"])
    assert again.pk == attempt.pk
    assert Attempt.objects.filter(user=demo["officer"]).count() == 1


def test_someone_not_assigned_the_module_cannot_start_it(demo):
    with pytest.raises(NotEnrolled):
        begin_module(demo["trainer"], demo["module"])
    assert not Attempt.objects.filter(user=demo["trainer"]).exists()


def test_option_order_is_stable_on_reload_and_comes_from_the_seed(demo, attempt):
    first = [[o.id for o in step.options] for step in steps_in_list_order(fresh(attempt))]
    second = [[o.id for o in step.options] for step in steps_in_list_order(fresh(attempt))]
    assert first == second
    orders = set()
    for seed in range(20):
        reseeded = fresh(attempt)
        reseeded.seed = seed
        orders.add(tuple(o.id for o in steps_in_list_order(reseeded)[0].options))
    assert len(orders) > 1


def test_publishing_a_change_does_not_alter_an_attempt_in_progress(demo, attempt):
    before = [(step.prompt, step.correct_ids) for step in steps_in_list_order(fresh(attempt))]
    scenario = ScenarioPage.objects.get(slug="after-the-arrest")
    scenario.steps[0].value["prompt"] = "A rewritten question"
    scenario.save_revision().publish()
    after = [(step.prompt, step.correct_ids) for step in steps_in_list_order(fresh(attempt))]
    assert after == before
    assert "A rewritten question" not in [prompt for prompt, _ in after]


def test_an_answer_cannot_be_changed_by_a_second_submit(attempt):
    step = steps_in_list_order(attempt)[0]
    record_response(attempt, 1, wrong_answers(step))
    with pytest.raises(AlreadyAnswered):
        record_response(fresh(attempt), 1, right_answers(step))
    response = Response.objects.get(attempt=attempt, position=1)
    assert response.choice_ids == wrong_answers(step)
    assert not response.correct


def test_a_step_ahead_of_the_current_one_is_refused(attempt):
    step = steps_in_list_order(attempt)[2]
    with pytest.raises(NotCurrentStep):
        record_response(attempt, 3, right_answers(step))
    assert not Response.objects.filter(attempt=attempt).exists()


@pytest.mark.parametrize(
    "choices",
    [
        [],
        ["not-an-option"],
        ["true"],  # an option of a true/false step, offered to a single-choice step
    ],
)
def test_a_tampered_answer_is_refused_and_nothing_is_written(attempt, choices):
    with pytest.raises(InvalidAnswer):
        record_response(attempt, 1, choices)
    assert not Response.objects.filter(attempt=attempt).exists()


def test_two_options_on_a_single_choice_step_are_refused(attempt):
    step = steps_in_list_order(attempt)[0]
    with pytest.raises(InvalidAnswer, match="one answer only"):
        record_response(attempt, 1, [option.id for option in step.options[:2]])
    assert not Response.objects.filter(attempt=attempt).exists()


def test_the_last_answer_finishes_and_scores_the_attempt(demo, attempt):
    path = answer_path(attempt)
    finished = fresh(attempt)
    assert finished.status == Attempt.Status.PASSED
    assert (finished.correct_count, finished.step_count, finished.score_percent) == (len(path), len(path), 100)
    enrolment = Enrolment.objects.get(user=demo["officer"], module=demo["module"])
    assert enrolment.status == Enrolment.Status.PASSED
    with pytest.raises(AttemptFinished):
        record_response(finished, 1, right_answers(path[0]))


def test_a_wrong_critical_step_fails_the_attempt(demo, attempt):
    answer = WrongOnFirstCritical()
    path = answer_path(attempt, answer)
    finished = fresh(attempt)
    assert len(answer.wrong) == 1
    assert finished.score_percent == 100 * (len(path) - 1) // len(path)  # rounded down
    assert finished.score_percent >= demo["module"].pass_mark
    assert finished.critical_failed
    assert finished.status == Attempt.Status.FAILED
    enrolment = Enrolment.objects.get(user=demo["officer"], module=demo["module"])
    assert enrolment.status == Enrolment.Status.IN_PROGRESS


def test_the_module_attempt_limit_is_enforced(demo, attempt):
    module = demo["module"]
    module.max_attempts = 1
    module.save()
    answer_path(attempt, wrong_answers)
    with pytest.raises(AttemptLimitReached):
        begin_module(demo["officer"], module)
    assert Attempt.objects.filter(user=demo["officer"]).count() == 1


def test_an_attempt_pins_each_scenario_at_its_live_revision(demo, attempt):
    pinned = list(attempt.pinned_scenarios.all())
    scenarios = demo["module"].scenario_pages()
    assert [p.scenario_id for p in pinned] == [s.pk for s in scenarios]
    assert [p.revision_id for p in pinned] == [s.live_revision_id for s in scenarios]


def test_a_revision_an_officer_answered_cannot_be_purged(demo, attempt):
    from django.db.models import ProtectedError

    revision = attempt.pinned_scenarios.first().revision
    with pytest.raises(ProtectedError):
        revision.delete()
