"""Step blocks refuse a question an officer could not answer right."""

import pytest
from wagtail.blocks import StructBlockValidationError

from scenarios.blocks import MultipleResponseBlock, SingleChoiceBlock


def step(block, *right: bool):
    options = [
        {"text": f"Option {n}", "correct": is_right, "feedback": "Because.", "clause_reference": "", "clause_text": ""}
        for n, is_right in enumerate(right)
    ]
    return block.to_python({"prompt": "What do you do?", "critical": False, "options": options})


@pytest.mark.parametrize("right", [(False, False), (True, True, False)])
def test_a_single_choice_step_needs_exactly_one_right_option(right):
    block = SingleChoiceBlock()
    with pytest.raises(StructBlockValidationError) as error:
        block.clean(step(block, *right))
    assert "exactly one option" in str(error.value.non_block_errors.as_data()[0].messages)


def test_a_multiple_response_step_needs_a_right_option():
    block = MultipleResponseBlock()
    with pytest.raises(StructBlockValidationError):
        block.clean(step(block, False, False, False))
    assert block.clean(step(block, True, True, False))


def test_well_formed_steps_are_accepted():
    block = SingleChoiceBlock()
    value = block.clean(step(block, False, True))
    assert [option.correct for option in value.options()] == [False, True]
