"""The save-time check of a scenario's shape, as the trainer reads it: causes first, then what
follows from them; and a new step that opens without an error."""

from wagtail.test.utils.form_data import nested_form_data, rich_text, streamfield

from scenarios.blocks import DecisionPointBlock, SingleChoiceBlock, StepStreamBlock
from scenarios.graph import END, Node, problems
from scenarios.models import ScenarioPage
from tests.helpers import choice, sign_in_with_mfa
from tests.scenarios.test_scenario_admin import decision, follow_up, listblock


def test_a_broken_link_is_listed_before_the_step_it_leaves_unreachable():
    # Step 3 should lead back to "middle" but names "midle": step 2 can no longer be reached.
    # Step 2 comes first in the scenario; the message about it used to come first too.
    nodes = [
        Node("start", ("later", END), label="Step 1"),
        Node("middle", (END,), label="Step 2 (“middle”)"),
        Node("later", ("midle",), label="Step 3 (“later”)"),
    ]
    messages = [message for _, message in problems(nodes)]
    cause = messages.index("Step 3 (“later”) leads to “midle”, which is not a step of this scenario.")
    knock_on = messages.index("Step 2 (“middle”) cannot be reached from the first step.")
    assert cause < knock_on


def test_every_cause_comes_before_every_knock_on_effect():
    nodes = [
        Node("a", ("b",), label="Step 1"),
        Node("b", ("b",), label="Step 2"),  # never finishes
        Node("c", (END,), label="Step 3"),  # unreachable
        Node("d", ("nowhere",), has_right_answer=False, label="Step 4"),
    ]
    messages = [message for _, message in problems(nodes)]
    kinds = ["knock-on" if "cannot be reached" in m or "never leads" in m else "cause" for m in messages]
    assert kinds == sorted(kinds)  # "cause" < "knock-on"
    assert kinds.count("cause") == 3 and kinds.count("knock-on") == 4


def test_a_broken_link_is_followed_by_the_names_it_could_be():
    nodes = [Node("start", ("folow-up",), label="Step 1"), Node("#3f2a", (END,)), Node("follow-up", (END,))]
    messages = [message for _, message in problems(nodes)]
    hint = messages[messages.index("Step 1 leads to “folow-up”, which is not a step of this scenario.") + 1]
    assert hint == f"A step can lead to a named step (“start”, “follow-up”) or to “{END}”, which finishes the scenario."


def unreachable_middle() -> list:
    """Step 2 ("middle") is unreachable only because step 3's choice names "midle"."""
    start = decision("start", "later")
    middle = follow_up()
    middle[1]["name"] = "middle"
    later = (
        "decision_point",
        {
            "name": "later",
            "prompt": "Control ask what you need.",
            "options": listblock([choice("Ask for the number", "midle", correct=True), choice("Leave it", END)]),
        },
    )
    return [start, middle, later]


def post_scenario(client, module, steps, **action):
    return client.post(
        f"/admin/pages/add/scenarios/scenariopage/{module.pk}/",
        nested_form_data(
            {
                "title": "A new scenario",
                "slug": "a-new-scenario",
                "narrative": rich_text("<p>You are on a late shift.</p>"),
                "steps": streamfield(steps),
            }
        )
        | action,
    )


def test_the_editor_lists_the_broken_link_before_its_knock_on_effect(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    response = post_scenario(client, demo["module"], unreachable_middle())
    assert response.status_code == 200
    html = response.content.decode()
    cause = html.index("Step 3 (\\u201clater\\u201d) leads to \\u201cmidle\\u201d")
    knock_on = html.index("Step 2 (\\u201cmiddle\\u201d) cannot be reached")
    assert cause < knock_on
    assert "A step can lead to a named step (\\u201cstart\\u201d, \\u201cmiddle\\u201d, \\u201clater\\u201d)" in html
    assert not ScenarioPage.objects.filter(slug="a-new-scenario").exists()


def test_a_new_decision_point_starts_with_two_empty_choices():
    # Wagtail's default of one empty item made the editor show "The minimum number of items
    # is 2" on a decision point the trainer had only just added.
    options = DecisionPointBlock().get_default()["options"]
    assert len(options) == 2
    assert all(not option["text"] and not option["leads_to"] for option in options)
    assert len(SingleChoiceBlock().get_default()["options"]) == 2


def test_the_editor_opens_a_new_decision_point_with_two_choices():
    # What the editor's script is given for a block added from the picker.
    stream = StepStreamBlock()
    decision_point = stream.child_blocks["decision_point"]
    state = decision_point.get_form_state(decision_point.get_default())
    assert len(state["options"]) == 2


def test_submitting_a_decision_point_with_one_choice_says_what_to_do(client, demo):
    sign_in_with_mfa(client, demo["trainer"])
    lonely = (
        "decision_point",
        {
            "name": "start",
            "prompt": "What do you do?",
            "options": listblock([choice("Ask control", END, correct=True)]),
        },
    )
    # A draft may be unfinished (Wagtail checks required fields and counts on submitting);
    # sent for approval, it is refused.
    response = post_scenario(client, demo["module"], [lonely], **{"action-submit": "Submit for moderation"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "The minimum number of items is 2: give at least 2 choices, so the officer has a real choice." in html
    assert not ScenarioPage.objects.filter(slug="a-new-scenario").exists()
