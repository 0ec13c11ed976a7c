"""The scenario map: an SVG diagram of a scenario's steps and where each leads.

Drawn on the server from the same graph the save-time check uses, so what the trainer sees
is what the engine will walk. Steps that cannot be reached, and steps from which the end
cannot be reached, are marked in words as well as colour; a table gives the same facts as
text for screen readers.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from wagtail.admin.ui.menus.pages import PageMenuItem

from .blocks import graph_nodes
from .graph import END, Node, problems, reachability
from .models import ScenarioPage

BOX_WIDTH, BOX_HEIGHT, GAP_X, GAP_Y, MARGIN = 240, 64, 40, 70, 20


@dataclass(frozen=True)
class Box:
    node: Node | None  # None for the end
    x: int
    y: int
    unreachable: bool = False
    never_ends: bool = False

    @property
    def name(self) -> str:
        return self.node.name if self.node else END

    @property
    def title(self) -> str:
        return self.node.describe() if self.node else "End of scenario"


@dataclass(frozen=True)
class Arrow:
    path: str
    missing: bool = False


@dataclass(frozen=True)
class Lead:
    """One place a step leads to, and which of its choices lead there (none: every answer)."""

    target: str
    choices: list[str]


@dataclass(frozen=True)
class Row:
    """A step as the map's table gives it: where it leads, once per place, and its problems."""

    step: str
    leads: list[Lead]
    problems: list[str]


@dataclass(frozen=True)
class ScenarioMap:
    width: int
    height: int
    boxes: list[Box]
    arrows: list[Arrow]
    rows: list[Row]


def layout(nodes: list[Node]) -> ScenarioMap:
    """Place each step in a row by its distance from the first step; unreachable steps go last."""
    names = {node.name for node in nodes}
    depth: dict[str, int] = {}
    if nodes:
        depth[nodes[0].name] = 0
        queue = deque([nodes[0].name])
        by_name = {node.name: node for node in nodes}
        while queue:
            name = queue.popleft()
            for target in by_name[name].leads_to:
                if target in names and target not in depth:
                    depth[target] = depth[name] + 1
                    queue.append(target)
    last_row = max(depth.values(), default=-1) + 1
    rows: dict[int, list[Node]] = {}
    for node in nodes:
        rows.setdefault(depth.get(node.name, last_row), []).append(node)
    found = problems(nodes)
    reachable, can_finish = reachability(nodes)
    index_of = {node.name: index for index, node in enumerate(nodes)}

    boxes: dict[str, Box] = {}
    widest = max((len(row) for row in rows.values()), default=1)
    for row_number in sorted(rows):
        row = rows[row_number]
        for column, node in enumerate(row):
            # A legacy draft may repeat a name; the first step of that name is drawn.
            if node.name in boxes:
                continue
            boxes[node.name] = Box(
                node=node,
                x=MARGIN + column * (BOX_WIDTH + GAP_X),
                y=MARGIN + row_number * (BOX_HEIGHT + GAP_Y),
                unreachable=node.name not in reachable,
                never_ends=node.name in reachable and node.name not in can_finish,
            )
    end_row = max(rows, default=-1) + 1
    boxes[END] = Box(node=None, x=MARGIN, y=MARGIN + end_row * (BOX_HEIGHT + GAP_Y))

    arrows = []
    for node in nodes:
        start = boxes[node.name]
        for target in dict.fromkeys(node.leads_to):
            end = boxes.get(target)
            if end is None:  # leads to a step that does not exist: a short red stub
                x, y = start.x + BOX_WIDTH // 2, start.y + BOX_HEIGHT
                arrows.append(Arrow(f"M{x},{y} l0,{GAP_Y // 2}", missing=True))
            else:
                arrows.append(Arrow(_path(start, end)))
    label_of = {node.name: node.describe() for node in nodes}
    table = [
        Row(
            step=node.describe(),
            leads=_leads(node, label_of),
            problems=[message for index, message in found if index == index_of[node.name]],
        )
        for node in nodes
    ]
    return ScenarioMap(
        width=MARGIN * 2 + widest * (BOX_WIDTH + GAP_X),  # room on the right for loops
        height=MARGIN * 2 + (end_row + 1) * BOX_HEIGHT + end_row * GAP_Y,
        boxes=list(boxes.values()),
        arrows=arrows,
        rows=table,
    )


def _leads(node: Node, label_of: dict[str, str]) -> list[Lead]:
    """Where ``node`` leads, each place once (several choices may lead to one step), with the
    choices that lead there, so two arrows to "Step 2" read as one place and which choices."""
    by_target: dict[str, list[str]] = {}
    for number, target in enumerate(node.leads_to):
        route = node.routes[number] if number < len(node.routes) else ""
        by_target.setdefault(target, [])
        if route:
            by_target[target].append(route)
    return [
        Lead(
            target="the end" if target == END else label_of.get(target, f"“{target}” (no such step)"),
            choices=choices,
        )
        for target, choices in by_target.items()
    ]


def _path(start: Box, end: Box) -> str:
    x1, y1 = start.x + BOX_WIDTH // 2, start.y + BOX_HEIGHT
    x2 = end.x + BOX_WIDTH // 2
    if end.y == start.y + BOX_HEIGHT + GAP_Y:  # to the next row: a straight arrow
        return f"M{x1},{y1} L{x2},{end.y}"
    if start is end:  # back to itself: a small loop on the right
        x, y = start.x + BOX_WIDTH, start.y + BOX_HEIGHT // 2
        return f"M{x},{y - 12} c{GAP_X},-20 {GAP_X},44 0,24"
    # Past other rows, or back up (a loop): curve round the right-hand side so no box hides it.
    side = max(start.x, end.x) + BOX_WIDTH + GAP_X // 2
    x1, y1 = start.x + BOX_WIDTH, start.y + BOX_HEIGHT // 2
    x2, y2 = end.x + BOX_WIDTH, end.y + BOX_HEIGHT // 2
    return f"M{x1},{y1} C{side},{start.y} {side},{end.y} {x2},{y2}"


def map_view(request, page_id: int):
    page = get_object_or_404(ScenarioPage, pk=page_id)
    if not page.permissions_for_user(request.user).can_edit():
        raise PermissionDenied
    draft = page.get_latest_revision_as_object()
    scenario_map = layout(graph_nodes(draft.steps))
    return TemplateResponse(
        request,
        "scenarios/admin/scenario_map.html",
        {"page": page, "draft": draft, "map": scenario_map, "box_width": BOX_WIDTH, "box_height": BOX_HEIGHT},
    )


urlpatterns = [path("scenarios/<int:page_id>/map/", map_view, name="scenario_map")]


class MapButton(PageMenuItem):
    label = "Scenario map"
    icon_name = "site"

    @property
    def url(self):
        return reverse("scenario_map", args=[self.page.pk])


def header_buttons(page, user):
    if isinstance(page.specific_deferred, ScenarioPage) and page.permissions_for_user(user).can_edit():
        yield MapButton(page=page, priority=12)
