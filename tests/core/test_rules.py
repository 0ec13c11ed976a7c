"""The one rule for a percentage, which every report, export and score uses."""

import pytest

from core.numbers import percent


@pytest.mark.parametrize(
    ("part", "whole", "expected"),
    [(1, 3, 33), (2, 3, 67), (1, 8, 13), (3, 8, 38), (1, 200, 1), (1, 201, 0), (0, 5, 0), (5, 5, 100)],
)
def test_a_percentage_is_the_nearest_whole_number_halves_up(part, whole, expected):
    assert percent(part, whole) == expected


def test_a_percentage_of_nothing_is_zero():
    assert percent(0, 0) == 0
    assert percent(0, 0, round_down=True) == 0


@pytest.mark.parametrize(("part", "whole", "expected"), [(2, 3, 66), (5, 7, 71), (1, 8, 12), (7, 8, 87), (8, 8, 100)])
def test_a_score_is_rounded_down_so_it_never_rounds_up_to_a_pass(part, whole, expected):
    assert percent(part, whole, round_down=True) == expected
