"""Scoring is a pure function of the steps and the responses."""

from types import SimpleNamespace

from hypothesis import given
from hypothesis import strategies as st

from scenarios.blocks import Option
from scenarios.services import Step, score


def make_step(position: int, *, critical: bool = False, multiple: bool = False) -> Step:
    options = (
        Option(id="a", text="A", correct=True, feedback=""),
        Option(id="b", text="B", correct=multiple, feedback=""),
        Option(id="c", text="C", correct=False, feedback=""),
    )
    return Step(
        position=position,
        scenario_number=1,
        scenario_count=1,
        scenario_id=1,
        scenario_title="Scenario",
        narrative="",
        step_id=f"step-{position}",
        kind="multiple_response" if multiple else "single_choice",
        prompt="?",
        multiple=multiple,
        critical=critical,
        options=options,
    )


def answer(position: int, *choices: str):
    return SimpleNamespace(position=position, choice_ids=list(choices))


def test_all_right_scores_one_hundred_and_passes():
    steps = [make_step(1), make_step(2)]
    result = score(steps, [answer(1, "a"), answer(2, "a")], pass_mark=80)
    assert (result.correct, result.total, result.percent, result.passed) == (2, 2, 100, True)


def test_a_wrong_critical_step_fails_whatever_the_score():
    steps = [make_step(n, critical=(n == 1)) for n in range(1, 11)]
    responses = [answer(1, "c")] + [answer(n, "a") for n in range(2, 11)]
    result = score(steps, responses, pass_mark=80)
    assert result.percent == 90
    assert result.critical_failed
    assert not result.passed


def test_multiple_response_needs_every_right_option_and_no_wrong_one():
    steps = [make_step(1, multiple=True)]
    assert not score(steps, [answer(1, "a")], 100).passed
    assert not score(steps, [answer(1, "a", "b", "c")], 100).passed
    assert score(steps, [answer(1, "b", "a")], 100).passed


def test_a_one_answer_step_with_several_right_options_takes_any_one_of_them():
    decision = make_step(1, multiple=True)
    decision = Step(**{**decision.__dict__, "multiple": False})  # a decision point: "a" and "b" both right
    assert score([decision], [answer(1, "b")], 100).passed
    assert not score([decision], [answer(1, "a", "b")], 100).passed
    assert not score([decision], [answer(1, "c")], 100).passed


def test_the_percentage_is_rounded_down_so_nobody_rounds_up_to_a_pass():
    steps = [make_step(n) for n in range(1, 8)]  # 7 steps
    five_right = [answer(n, "a") for n in range(1, 6)] + [answer(6, "c"), answer(7, "c")]
    result = score(steps, five_right, pass_mark=72)
    assert result.percent == 71  # 71.4 rounded down
    assert not result.passed


def test_an_unanswered_step_counts_as_wrong():
    steps = [make_step(1), make_step(2, critical=True)]
    result = score(steps, [answer(1, "a")], pass_mark=50)
    assert result.correct == 1
    assert result.critical_failed and not result.passed


def test_no_steps_never_passes():
    assert not score([], [], pass_mark=0).passed


@given(
    outcomes=st.lists(st.tuples(st.booleans(), st.booleans()), min_size=1, max_size=30),
    pass_mark=st.integers(min_value=0, max_value=100),
)
def test_pass_is_exactly_the_mark_reached_with_no_critical_step_wrong(outcomes, pass_mark):
    steps = [make_step(n, critical=critical) for n, (_, critical) in enumerate(outcomes, start=1)]
    responses = [answer(n, "a" if right else "c") for n, (right, _) in enumerate(outcomes, start=1)]
    result = score(steps, responses, pass_mark)
    right = sum(r for r, _ in outcomes)
    assert result.correct == right
    assert result.percent == right * 100 // len(outcomes)
    critical_wrong = any(critical and not r for r, critical in outcomes)
    assert result.passed == (right * 100 >= pass_mark * len(outcomes) and not critical_wrong)
