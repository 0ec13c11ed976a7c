"""The shape of a scenario: which step leads where, and whether every path can finish.

A scenario is a directed graph. Each step has edges to the steps it can lead to; an edge to
``END`` finishes the scenario. A scenario is well formed when every step can be reached from
the first and the end can be reached from every step: loops are allowed, but never a loop
with no way out. ``problems`` says, step by step, what is wrong; it knows nothing of Wagtail.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

END = "end"


@dataclass(frozen=True)
class Node:
    """One step as the graph sees it: its name, where it leads, and whether any answer is right."""

    name: str
    leads_to: tuple[str, ...]
    has_right_answer: bool = True
    label: str = field(default="", compare=False)  # how to name it in messages, e.g. "Step 3 (callback)"
    summary: str = field(default="", compare=False)  # the start of its question, for the map
    # What takes the officer along each of ``leads_to``, in the same order, e.g. "choice 2
    # (“Ring him now…”)"; empty when every answer goes the same way.
    routes: tuple[str, ...] = field(default=(), compare=False)

    def describe(self) -> str:
        return self.label or f"Step “{self.name}”"


def _reach(start: Iterable[str], edges: Mapping[str, Iterable[str]]) -> set[str]:
    seen = set(start)
    queue = deque(seen)
    while queue:
        for target in edges.get(queue.popleft(), ()):
            if target not in seen:
                seen.add(target)
                queue.append(target)
    return seen


def reachability(nodes: Sequence[Node]) -> tuple[set[str], set[str]]:
    """The names of the steps reachable from the first step, and of those from which the end
    can be reached (``END`` included)."""
    if not nodes:
        return set(), {END}
    names = {node.name for node in nodes if node.name != END}
    forward = {node.name: [t for t in node.leads_to if t in names or t == END] for node in nodes}
    backward: dict[str, list[str]] = {}
    for source, targets in forward.items():
        for target in targets:
            backward.setdefault(target, []).append(source)
    return _reach([nodes[0].name], forward), _reach([END], backward)


def problems(nodes: Sequence[Node]) -> list[tuple[int, str]]:
    """Every problem with the scenario, as (index of the step, message). Empty when well formed.

    Causes come before their knock-on effects: first what is wrong with a step itself (its
    name, a link to a step that does not exist, no right answer), in step order; then the
    steps that cannot be reached or never finish, which are often only the result of a
    broken link above. A trainer reading from the top fixes the cause first."""
    if not nodes:
        return []
    names = {node.name for node in nodes}
    causes: list[tuple[int, str]] = []
    seen_names: set[str] = set()
    broken_link: int | None = None
    for index, node in enumerate(nodes):
        if node.name.casefold() == END:
            causes.append((index, f"{node.describe()} is named “{END}”, which is kept for finishing the scenario."))
        if node.name in seen_names:
            causes.append((index, f"{node.describe()} has the same name as an earlier step."))
        seen_names.add(node.name)
        if not node.has_right_answer:
            causes.append((index, f"{node.describe()} has no option marked as right."))
        for target in node.leads_to:
            if target != END and target not in names:
                causes.append((index, f"{node.describe()} leads to “{target}”, which is not a step of this scenario."))
                broken_link = index if broken_link is None else broken_link
    if broken_link is not None:  # once, after the links it explains
        causes.append((broken_link, valid_targets(nodes)))
    knock_on: list[tuple[int, str]] = []
    reachable, can_finish = reachability(nodes)
    for index, node in enumerate(nodes):
        if node.name not in reachable:
            knock_on.append((index, f"{node.describe()} cannot be reached from the first step."))
        elif node.name not in can_finish:
            knock_on.append((index, f"{node.describe()} never leads to the end: every path from it loops for ever."))
    return causes + knock_on


def valid_targets(nodes: Sequence[Node]) -> str:
    """The names a choice may lead to, in a sentence for an error message."""
    named = [f"“{node.name}”" for node in nodes if node.name and not node.name.startswith("#")]
    if not named:
        return f"Name the step it should lead to, or write “{END}” to finish the scenario."
    listed = ", ".join(dict.fromkeys(named))
    return f"A step can lead to a named step ({listed}) or to “{END}”, which finishes the scenario."
