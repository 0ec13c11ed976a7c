"""The scenario shape checker accepts exactly the scenarios in which every step can be
reached and every path can finish."""

from hypothesis import given
from hypothesis import strategies as st

from scenarios.graph import END, Node, problems


@st.composite
def step_graphs(draw):
    count = draw(st.integers(min_value=1, max_value=7))
    names = [f"s{i}" for i in range(count)]
    targets = st.sampled_from([*names, END, "ghost"])
    return [
        Node(name=name, leads_to=tuple(draw(st.lists(targets, min_size=1, max_size=3))), label=f"Step {i + 1}")
        for i, name in enumerate(names)
    ]


def closure(nodes: list[Node]) -> dict[str, set[str]]:
    """What each step can reach, by Warshall's algorithm: a different method from the checker's."""
    everything = [node.name for node in nodes] + [END]
    reach = {name: set() for name in everything}
    for node in nodes:
        reach[node.name] |= {t for t in node.leads_to if t in reach}
    for middle in everything:
        for start in everything:
            if middle in reach[start]:
                reach[start] |= reach[middle]
    return reach


@given(step_graphs())
def test_accepts_exactly_the_graphs_where_every_step_is_reachable_and_can_finish(nodes):
    reach = closure(nodes)
    first = nodes[0].name
    well_formed = (
        all(t in reach for node in nodes for t in node.leads_to)
        and all(node.name == first or node.name in reach[first] for node in nodes)
        and all(END in reach[node.name] for node in nodes)
    )
    assert (problems(nodes) == []) == well_formed


def test_a_linear_scenario_is_well_formed():
    nodes = [Node("a", ("b",)), Node("b", ("c",)), Node("c", (END,))]
    assert problems(nodes) == []


def test_a_loop_with_an_exit_is_allowed():
    nodes = [Node("ask", ("retry", END)), Node("retry", ("ask",))]
    assert problems(nodes) == []


def test_each_problem_names_its_step():
    nodes = [
        Node("start", ("missing", END), label="Step 1"),
        Node("island", (END,), label="Step 2 (“island”)"),
        Node("trap", ("trap",), label="Step 3 (“trap”)"),
        Node("quiz", (END,), has_right_answer=False, label="Step 4"),
    ]
    messages = [message for _, message in problems(nodes)]
    assert "Step 1 leads to “missing”, which is not a step of this scenario." in messages
    assert "Step 2 (“island”) cannot be reached from the first step." in messages
    assert "Step 3 (“trap”) cannot be reached from the first step." in messages
    assert "Step 4 has no option marked as right." in messages


def test_a_loop_with_no_way_out_is_reported():
    nodes = [Node("a", ("b",), label="Step 1"), Node("b", ("a",), label="Step 2")]
    assert [index for index, _ in problems(nodes)] == [0, 1]
    assert "never leads to the end" in problems(nodes)[0][1]


def test_two_steps_with_one_name_are_reported():
    nodes = [Node("a", ("a2",), label="Step 1"), Node("a", (END,), label="Step 2"), Node("a2", (END,))]
    assert any("same name" in message for _, message in problems(nodes))


def test_a_step_may_not_be_named_end():
    nodes = [Node("a", ("end",), label="Step 1"), Node("end", ("end",), label="Step 2 (“end”)")]
    assert any("kept for finishing" in message for _, message in problems(nodes))
