"""Numbers as people read them."""

from __future__ import annotations


def percent(part: int, whole: int, *, round_down: bool = False) -> int:
    """``part`` as a whole-number percentage of ``whole``; 0 when ``whole`` is 0.

    To the nearest whole number, halves up: Python's ``round`` rounds halves to even (12.5 to
    12), and a reader of 1 in 8 expects 13%. ``round_down`` is for a score against a pass
    mark: a score never rounds up to a pass.
    """
    if not whole:
        return 0
    if round_down:
        return 100 * part // whole
    return (200 * part + whole) // (2 * whole)
