"""Step analytics: how officers answer each step of each scenario, so trainers see where the
policy is misunderstood.

One row per step (a scenario page and a step block id, as ``Response`` records them): how many
attempts answered it, the share of those attempts whose first answer to it was right, and the
wrong answer chosen most often. The numbers come from grouped queries in the database, a fixed
number of them whatever the number of attempts; only the rows on the page being shown (or
exported) are then described from the scenario pages: titles, prompts and option texts.

The report is an ``AdminReport`` (``core/reports.py``: a Wagtail ``ReportView``), so its filters
(module, org unit, answered date), its permission check and its formula-safe, audited CSV/XLSX
export are the same as every other report's. ``scenarios/wagtail_hooks.py`` registers it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import django_filters
from django.db.models import BooleanField, Count, F, FloatField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Cast
from wagtail.admin.filters import WagtailFilterSet
from wagtail.admin.paginator import WagtailPaginator
from wagtail.admin.widgets import AdminDateInput
from wagtail.models import Page

from core.numbers import percent
from core.reports import AdminReport
from people.filters import OrgUnitFilter
from people.models import OrgUnit

from .blocks import Option
from .models import Response, ScenarioPage

PERMISSION = "scenarios.view_analytics"

STEP_REMOVED = "(step removed)"
OPTION_REMOVED = "(option removed)"

StepKey = tuple[int, str]  # (scenario page id, step block id): how a response names its step


# The numbers ----------------------------------------------------------------------------------


def step_counts(responses: QuerySet[Response]) -> QuerySet:
    """Group ``responses`` by step, hardest step first, in one query.

    Each row is a dict with ``scenario_id``, ``step_id``, ``attempts`` (distinct attempts with a
    response among ``responses``) and ``right_first_time`` (how many of those attempts got the
    step right the first time they answered it). Sorted by the share right first time, lowest
    first, then by the number of attempts, most first.

    "First time" is the attempt's lowest-position response to the step, looked up among all of
    the attempt's responses, not only those ``responses`` keeps: a decision can lead an officer
    back to a step they answered before, and a date filter must not turn a second try into a
    first one.
    """
    first_answer_right = Subquery(
        Response.objects.filter(
            attempt=OuterRef("attempt"), scenario_id=OuterRef("scenario_id"), step_id=OuterRef("step_id")
        )
        .order_by("position")
        .values("correct")[:1],
        output_field=BooleanField(),
    )
    return (
        responses.order_by()  # Response's default ordering would join the GROUP BY and split the groups
        .values("scenario_id", "step_id")
        .annotate(
            attempts=Count("attempt", distinct=True),
            right_first_time=Count("attempt", distinct=True, filter=first_answer_right),
        )
        .annotate(right_share=Cast(F("right_first_time"), FloatField()) / F("attempts"))
        .order_by("right_share", "-attempts", "scenario_id", "step_id")
    )


def wrong_answer_counts(responses: QuerySet[Response], steps: Iterable[StepKey]) -> dict[StepKey, dict[frozenset, int]]:
    """How often each wrong answer was given to each of ``steps``, in one query.

    Keys are the chosen option ids as a set: a multiple-response answer is stored in the order
    the officer's options were shown, which is shuffled per attempt, so the same choice can be
    stored in several orders. The database groups by the stored list; the (few) groups are then
    merged here, never the responses themselves.
    """
    wanted = set(steps)
    if not wanted:
        return {}
    grouped = (
        responses.filter(
            correct=False,
            scenario_id__in={scenario_id for scenario_id, _ in wanted},
            step_id__in={step_id for _, step_id in wanted},
        )
        .order_by()  # Response's default ordering would join the GROUP BY and split the groups
        .values("scenario_id", "step_id", "choice_ids")
        .annotate(times=Count("id"))
    )
    counts: dict[StepKey, dict[frozenset, int]] = defaultdict(lambda: defaultdict(int))
    for group in grouped:
        key = (group["scenario_id"], group["step_id"])
        if key in wanted:  # the two IN clauses can pair a scenario with another scenario's step
            counts[key][frozenset(group["choice_ids"])] += group["times"]
    return counts


# The rows ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StepRow:
    """One row of the report: a step, described, with its numbers."""

    scenario_id: int
    step_id: str
    module_title: str
    scenario_title: str
    step_number: int | None  # its place in the scenario as published now; None if removed
    prompt: str
    attempts: int
    right_first_time: int
    most_chosen_wrong: str
    most_chosen_wrong_count: int

    @property
    def right_first_time_percent(self) -> int:
        return percent(self.right_first_time, self.attempts)


def _answer_text(choice_ids: frozenset, options: Sequence[Option]) -> str:
    """The options chosen, in the step's own order, joined with " + "."""
    texts = [option.text for option in options if option.id in choice_ids]
    if len(texts) < len(choice_ids):
        texts.append(OPTION_REMOVED)
    return " + ".join(texts)


def _most_chosen(wrong: Mapping[frozenset, int], options: Sequence[Option]) -> tuple[str, int]:
    if not wrong:
        return "", 0
    # Ties go to the answer whose text sorts first, so the report is the same on every load.
    described = sorted(((-times, _answer_text(choice, options)) for choice, times in wrong.items()))
    times, text = described[0]
    return text, -times


def describe_steps(counts: Iterable[Mapping[str, Any]], responses: QuerySet[Response]) -> list[StepRow]:
    """Turn ``step_counts`` rows into ``StepRow``s, in the same order, in three more queries.

    Titles, prompts and option texts come from each scenario page as it stands now (its
    published content), so a trainer sees the wording they can change. A step no longer in
    its scenario is shown as "(step removed)" and an option no longer in its step as
    "(option removed)"; their numbers are still counted.
    """
    counts = list(counts)
    keys = [(row["scenario_id"], row["step_id"]) for row in counts]
    if not keys:
        return []
    wrong = wrong_answer_counts(responses, keys)
    scenarios = {page.pk: page for page in ScenarioPage.objects.filter(pk__in={sid for sid, _ in keys})}
    # A scenario's parent page is its module; one query for all of them by materialised path.
    parent_paths = {page.path[: -Page.steplen] for page in scenarios.values()}
    module_titles = dict(Page.objects.filter(path__in=parent_paths).values_list("path", "title"))

    rows = []
    for row, key in zip(counts, keys, strict=True):
        scenario = scenarios.get(key[0])
        blocks = list(scenario.steps) if scenario else []
        place = next((index for index, block in enumerate(blocks) if str(block.id) == key[1]), None)
        options = blocks[place].value.options() if place is not None else []
        text, times = _most_chosen(wrong.get(key, {}), options)
        rows.append(
            StepRow(
                scenario_id=key[0],
                step_id=key[1],
                module_title=module_titles.get(scenario.path[: -Page.steplen], "") if scenario else "",
                scenario_title=scenario.title if scenario else "",
                step_number=place + 1 if place is not None else None,
                prompt=blocks[place].value["prompt"] if place is not None else STEP_REMOVED,
                attempts=row["attempts"],
                right_first_time=row["right_first_time"],
                most_chosen_wrong=text,
                most_chosen_wrong_count=times,
            )
        )
    return rows


# Filters ----------------------------------------------------------------------------------------


def _modules(request) -> QuerySet:
    # The pages scenario pages live under (modules), found through ScenarioPage's own rule, so
    # scenarios need not import learning (dependencies point one way).
    return Page.objects.type(*ScenarioPage.allowed_parent_page_models()).specific().order_by("title")


class StepAnalyticsFilterSet(WagtailFilterSet):
    """Filters on the responses, applied before they are grouped into steps."""

    module = django_filters.ModelChoiceFilter(label="Module", queryset=_modules, method="filter_module")
    org_unit = OrgUnitFilter(
        method="filter_org_unit", help_text="The officer's org unit: this unit and every unit below it."
    )
    answered_from = django_filters.DateFilter(
        label="Answered from", field_name="answered_at", lookup_expr="date__gte", widget=AdminDateInput
    )
    answered_to = django_filters.DateFilter(
        label="Answered to", field_name="answered_at", lookup_expr="date__lte", widget=AdminDateInput
    )

    class Meta:
        model = Response
        fields: list[str] = []

    def filter_module(self, queryset: QuerySet[Response], name: str, value) -> QuerySet[Response]:
        return queryset.filter(attempt__module_id=value.pk)

    def filter_org_unit(self, queryset: QuerySet[Response], name: str, value) -> QuerySet[Response]:
        return queryset.filter(OrgUnit.within_q(value, field="attempt__user__org_unit"))


# The view ---------------------------------------------------------------------------------------


class StepPaginator(WagtailPaginator):
    # The rows are steps, not the responses the queryset is built from ("2 steps", not "2 responses").
    verbose_name = "step"
    verbose_name_plural = "steps"


class StepAnalyticsView(AdminReport):
    """The report in the Wagtail admin, for people with ``scenarios.view_analytics``."""

    permission = PERMISSION
    page_title = "Scenario steps"
    header_icon = "table"
    template_name = "scenarios/admin/analytics.html"
    results_template_name = "scenarios/admin/analytics_results.html"
    filterset_class = StepAnalyticsFilterSet
    paginator_class = StepPaginator
    verbose_name = "step"
    verbose_name_plural = "steps"
    index_url_name = "scenario_step_analytics"
    index_results_url_name = "scenario_step_analytics_results"
    export_filename = "scenario-steps"
    list_export = [
        "module_title",
        "scenario_title",
        "step_number",
        "prompt",
        "attempts",
        "right_first_time",
        "right_first_time_percent",
        "most_chosen_wrong",
        "most_chosen_wrong_count",
    ]
    export_headings = {
        "module_title": "Module",
        "scenario_title": "Scenario",
        "step_number": "Step",
        "prompt": "Prompt",
        "attempts": "Attempts",
        "right_first_time": "Right first time",
        "right_first_time_percent": "% right first time",
        "most_chosen_wrong": "Most chosen wrong answer",
        "most_chosen_wrong_count": "Times chosen",
    }

    def get_queryset(self) -> QuerySet:
        # Filters narrow the responses before grouping; filtering the grouped rows would not.
        self.responses = self.filter_queryset(Response.objects.all())
        return step_counts(self.responses)

    def get_filtered_queryset(self) -> QuerySet:
        return self.get_queryset()  # already filtered, before grouping

    def decorate_paginated_queryset(self, object_list) -> list[StepRow]:
        return describe_steps(object_list, self.responses)
