"""The module's reading load: what an officer reads on the right path, measured from the content
files, against the "About N minutes" the module page promises (module.toml's estimated_minutes)."""

from pathlib import Path

from django.conf import settings

from learning.content import load_module
from learning.guide import WORDS_PER_MINUTE, ReadingLoad, load_guide, reading_load, right_path, words
from learning.services import begin_module
from tests.helpers import answer_path

CONTENT = Path(settings.BASE_DIR) / "content" / "contacting-the-public"
ALLOWED_DRIFT = 0.20


def test_estimated_minutes_is_within_a_fifth_of_the_measured_reading_time():
    module = load_module(CONTENT)
    load = reading_load(module, load_guide(CONTENT, module.policy))
    stated = module.estimated_minutes
    assert abs(load.minutes - stated) <= ALLOWED_DRIFT * stated, (
        f"module.toml says about {stated} minutes; the right path measures {load}. "
        f"Set estimated_minutes to {load.minutes}, or shorten the reading."
    )


def test_the_right_path_is_the_path_the_engine_takes_on_right_answers(demo):
    """The measure walks the content files; the engine walks the pages seeded from them. Both
    must reach the same steps, or the count is of a path nobody takes."""
    module = load_module(CONTENT)
    attempt = begin_module(demo["officer"], demo["module"])
    answered = answer_path(attempt)
    measured = [step["value"]["prompt"] for scenario in module.scenarios for step, _ in right_path(scenario.steps)]
    assert [step.prompt for step in answered] == measured


def test_words_are_counted_without_markup():
    assert words("<p>Ring her from <strong>your own</strong> phone.</p><p>No.</p>") == 6
    assert words("") == 0


def test_minutes_round_up_at_two_hundred_words_a_minute():
    assert WORDS_PER_MINUTE == 200
    assert ReadingLoad({"stories": 200}).minutes == 1
    assert ReadingLoad({"stories": 150, "policy": 51}).minutes == 2
    assert ReadingLoad({"stories": 4_000}).minutes == 20


def option(text, *, correct=False, leads_to="", feedback="Because.", consequence=""):
    value = {"text": text, "correct": correct, "feedback": feedback}
    if leads_to:
        value |= {"leads_to": leads_to, "consequence": consequence or "Then."}
    return {"type": "item", "value": value, "id": text}


def test_the_right_path_follows_the_right_choice_and_skips_the_wrong_branch():
    steps = [
        {
            "type": "decision_point",
            "value": {
                "name": "start",
                "prompt": "What now?",
                "options": [option("Wrong", leads_to="detour"), option("Right", correct=True, leads_to="after")],
            },
        },
        {"type": "single_choice", "value": {"name": "detour", "prompt": "Detour?", "then": "end", "options": []}},
        {
            "type": "true_false",
            "value": {"name": "after", "prompt": "True?", "answer": "false", "feedback_if_right": "It is false."},
        },
    ]
    path = right_path(steps)
    assert [step["value"]["prompt"] for step, _ in path] == ["What now?", "True?"]
    assert [option["text"] for option in path[0][1]] == ["Right"]
    assert path[1][1] == [{"text": "False", "feedback": "It is false."}]
