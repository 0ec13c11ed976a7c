"""What the module's content must teach, and how it must read, checked on the content files
themselves (learning.content.load_module), without a database.

These are the review rules of issue 14 ("Module content, second edition"): choices that
matter, critical steps for the case's own behaviour, answers that cannot be passed by always
picking the most cautious option, and feedback short enough to read.
"""

from __future__ import annotations

import copy
import html
import re
from collections import deque
from dataclasses import replace
from pathlib import Path

import pytest
from django.conf import settings

from learning.content import ModuleContent, ScenarioContent, load_module
from scenarios.graph import END

CONTENT = Path(settings.BASE_DIR) / "content" / "contacting-the-public"

# An option that declines to act: the most cautious choice on offer.
APOSTROPHE = "\u2019"  # the typographer's apostrophe
REFUSAL = re.compile(
    rf"^(don['{APOSTROPHE}]t|do not|refuse|decline|leave (it|the phone) (switched )?off)\b", re.IGNORECASE
)

# Spelled out at first use in each scenario, as "PNC (Police National Computer)" or the reverse.
ACRONYMS = {
    "IOPC": "Independent Office for Police Conduct",
    "CRIS": "Crime Report Information System",
    "CAD": "Computer Aided Dispatch",
    "PNC": "Police National Computer",
    "BATS": "the Met's briefing and tasking system",
}

QUOTE_WORDS = 8  # this many words in a row from a clause is quoting it
MOST_SENTENCES = 3  # "Right." or "No." and two sentences: why, and what to do instead


@pytest.fixture(scope="module")
def module() -> ModuleContent:
    return load_module(CONTENT)


# Reading the stored step data ---------------------------------------------------------------


def options(step: dict) -> list[dict]:
    return [item.get("value", item) for item in step["value"].get("options", [])]


def tags(step: dict) -> set[str]:
    return {tag.strip() for tag in step["value"]["topics"].split(",") if tag.strip()}


def names(scenario: ScenarioContent) -> list[str]:
    return [step["value"]["name"] or f"#{index}" for index, step in enumerate(scenario.steps)]


def graph(scenario: ScenarioContent) -> dict[str, list[str]]:
    """Each step's name and the names it can lead to (END finishes), as the engine follows them."""
    known = names(scenario)
    edges = {}
    for index, step in enumerate(scenario.steps):
        following = known[index + 1] if index + 1 < len(known) else END
        if step["type"] == "decision_point":
            edges[known[index]] = [option["leads_to"] for option in options(step)]
        else:
            edges[known[index]] = [(step["value"].get("then") or "").strip() or following]
    return edges


def reach(edges: dict[str, list[str]], start: str) -> set[str]:
    seen, queue = {start}, deque([start])
    while queue:
        for target in edges.get(queue.popleft(), []):
            if target != END and target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def all_steps(module: ModuleContent):
    for scenario in module.scenarios:
        for step in scenario.steps:
            yield scenario, step


def feedbacks(step: dict) -> list[str]:
    value = step["value"]
    if step["type"] == "true_false":
        return [value["feedback_if_right"], value["feedback_if_wrong"]]
    return [option["feedback"] for option in options(step)]


def reading_order(scenario: ScenarioContent) -> str:
    """Everything an officer may read in the scenario, in the order the file gives it."""
    parts = [html.unescape(re.sub(r"<[^>]+>", " ", scenario.narrative))]
    for step in scenario.steps:
        parts.append(step["value"]["prompt"])
        for option in options(step):
            parts += [option["text"], option["feedback"], option.get("consequence", "")]
        if step["type"] == "true_false":
            parts += feedbacks(step)
    return "\n".join(parts)


def where(scenario: ScenarioContent, step: dict) -> str:
    return f"{scenario.path.name}, step “{step['value']['name'] or step['value']['prompt'][:40]}”"


# Critical steps ------------------------------------------------------------------------------


def test_no_scenario_has_more_than_one_critical_step(module):
    for scenario in module.scenarios:
        critical = [step["value"]["name"] for step in scenario.steps if step["value"]["critical"]]
        assert len(critical) <= 1, f"{scenario.path.name} has critical steps {critical}"


def test_the_cases_own_behaviour_and_a_personal_check_are_critical(module):
    critical_tags = set().union(*(tags(step) for _, step in all_steps(module) if step["value"]["critical"]))
    assert {"contact-without-purpose", "personal-checks"} <= critical_tags
    first = module.scenarios[0].steps[0]
    assert first["value"]["critical"] and "contact-without-purpose" in tags(first)


# Choices that matter -------------------------------------------------------------------------


def branching_decisions(module: ModuleContent) -> list[str]:
    return [
        where(scenario, step)
        for scenario, step in all_steps(module)
        if step["type"] == "decision_point" and len({option["leads_to"] for option in options(step)}) > 1
    ]


def test_at_least_eight_decision_points_lead_to_different_steps(module):
    assert len(branching_decisions(module)) >= 8, branching_decisions(module)


def test_in_at_least_two_scenarios_a_choice_changes_more_than_the_next_step(module):
    """Some choice's branch runs two or more steps that another choice's branch never reaches."""
    changed = []
    for scenario in module.scenarios:
        edges = graph(scenario)
        for step in scenario.steps:
            if step["type"] != "decision_point":
                continue
            targets = {option["leads_to"] for option in options(step)} - {END}
            reached = {target: reach(edges, target) for target in targets}
            if any(len(reached[a] - reached[b]) >= 2 for a in targets for b in targets if a != b):
                changed.append(scenario.path.name)
                break
    assert len(changed) >= 2, changed


# The most cautious answer is not always right -------------------------------------------------


def over_caution_steps(module: ModuleContent) -> list[tuple[ScenarioContent, dict]]:
    """Steps where refusing is on offer and wrong, and every right answer acts."""
    found = []
    for scenario, step in all_steps(module):
        choices = options(step)
        refusals_wrong = any(REFUSAL.match(o["text"]) and not o["correct"] for o in choices)
        right_acts = any(o["correct"] for o in choices) and not any(
            REFUSAL.match(o["text"]) for o in choices if o["correct"]
        )
        if refusals_wrong and right_acts:
            found.append((scenario, step))
    return found


def test_at_least_three_steps_score_the_most_cautious_answer_as_wrong(module):
    found = over_caution_steps(module)
    assert len(found) >= 3, [where(scenario, step) for scenario, step in found]
    taught = set().union(*(tags(step) for _, step in found))
    assert {"emergency-exception", "personal-checks"} <= taught


def test_the_emergency_exception_has_a_step_whose_right_answer_uses_your_own_phone(module):
    permits = [
        where(scenario, step)
        for scenario, step in all_steps(module)
        if "emergency-exception" in tags(step)
        and any(o["correct"] and "own phone" in o["text"] and not REFUSAL.match(o["text"]) for o in options(step))
    ]
    assert permits, "no emergency step lets you use your own phone"


def test_a_family_check_on_a_supervisors_advice_is_not_refused(module):
    lets_it_go_ahead = [
        where(scenario, step)
        for scenario, step in all_steps(module)
        if "personal-checks" in tags(step)
        and any(o["correct"] and "check" in o["text"] and not REFUSAL.match(o["text"]) for o in options(step))
    ]
    assert lets_it_go_ahead, "no personal-checks step lets a check go ahead"


# Reading load ---------------------------------------------------------------------------------


def sentences(text: str) -> int:
    return len(re.findall(rf"[.!?]['{APOSTROPHE}\")]?(?=\s|$)", " ".join(text.split())))


def test_feedback_is_short(module):
    long = [
        f"{where(scenario, step)}: {text[:60]}…"
        for scenario, step in all_steps(module)
        for text in feedbacks(step)
        if sentences(text) > MOST_SENTENCES
    ]
    assert not long, long


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace(APOSTROPHE, "'"))


def test_feedback_does_not_quote_the_policy(module):
    """The clause is shown beneath the feedback; the feedback says what it means instead."""
    runs = set()
    for version in module.policy.versions:
        for clause in version.clauses:
            said = words(clause.text)
            runs |= {tuple(said[i : i + QUOTE_WORDS]) for i in range(len(said) - QUOTE_WORDS + 1)}
    quoting = []
    for scenario, step in all_steps(module):
        for text in feedbacks(step):
            said = words(text)
            if any(tuple(said[i : i + QUOTE_WORDS]) in runs for i in range(len(said) - QUOTE_WORDS + 1)):
                quoting.append(f"{where(scenario, step)}: {text[:60]}…")
    assert not quoting, quoting


def test_acronyms_are_spelled_out_at_first_use_in_each_scenario(module):
    unexplained = []
    for scenario in module.scenarios:
        text = reading_order(scenario).replace(APOSTROPHE, "'")
        for acronym, meaning in ACRONYMS.items():
            first = re.search(rf"\b{acronym}\b", text)
            if first is None:
                continue
            before = text[: first.start()].rstrip()
            if not (before.endswith(f"{meaning} (") or text[first.start() :].startswith(f"{acronym} ({meaning})")):
                unexplained.append(f"{scenario.path.name}: {acronym}")
    assert not unexplained, unexplained


# The rules can fail ----------------------------------------------------------------------------


def test_the_rules_object_to_spoilt_content(module):
    """Each check above is a real check: spoil the content and it objects."""
    spoilt = copy.deepcopy(module.scenarios[0])
    next(step for step in spoilt.steps if not step["value"]["critical"])["value"]["critical"] = True
    with pytest.raises(AssertionError):
        test_no_scenario_has_more_than_one_critical_step(replace(module, scenarios=[spoilt]))
    linear = copy.deepcopy(module.scenarios)
    for scenario in linear:
        for step in scenario.steps:
            for option in options(step):
                if "leads_to" in option:
                    option["leads_to"] = options(step)[0]["leads_to"]
    with pytest.raises(AssertionError):
        test_at_least_eight_decision_points_lead_to_different_steps(replace(module, scenarios=linear))
    with pytest.raises(AssertionError):
        test_in_at_least_two_scenarios_a_choice_changes_more_than_the_next_step(replace(module, scenarios=linear))
    assert sentences("Right. One. Two. Three.") == 4
    assert REFUSAL.match("Don't call him.") and not REFUSAL.match("Ring him now from your own phone.")
