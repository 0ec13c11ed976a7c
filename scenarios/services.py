"""The attempt engine: start, answer, score, finish.

The server holds all state. An attempt pins the page revision of every scenario when it
starts, shuffles each step's options from a stored seed (stable on reload), and records
each answer exactly once: a replayed, doubled or out-of-order submission raises and writes
nothing. Scoring is a pure function of the steps and the responses.
"""

from __future__ import annotations

import functools
import random
import re
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from wagtail.models import Page

from core.compiled import Compiled
from core.kept import Kept
from core.numbers import percent

from .blocks import Option, following_step, right_path, step_names
from .graph import END
from .models import Attempt, PinnedScenario, Response, ScenarioPage
from .signals import attempt_finished, attempt_started, response_recorded

# However a scenario loops, an attempt ends after this many answers.
MAX_STEPS = 200


class AttemptError(Exception):
    """A request the attempt cannot accept. ``str(error)`` is safe to show the officer."""


class AttemptLimitReached(AttemptError):
    pass


class NothingToAttempt(AttemptError):
    pass


class AttemptFinished(AttemptError):
    pass


class AlreadyAnswered(AttemptError):
    pass


class NotCurrentStep(AttemptError):
    pass


class InvalidAnswer(AttemptError):
    pass


_ALL_THAT_APPLY = re.compile(r"\s*(?:tick|select) all that apply\.?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class Step:
    """One step as this attempt shows it: options already in the attempt's order."""

    position: int
    scenario_number: int
    scenario_count: int
    scenario_id: int
    scenario_title: str
    narrative: str
    step_id: str
    kind: str
    prompt: str
    multiple: bool
    critical: bool
    options: tuple[Option, ...]

    @property
    def correct_ids(self) -> frozenset[str]:
        return frozenset(option.id for option in self.options if option.correct)

    @property
    def question(self) -> str:
        """The prompt as a heading: on a multiple-response step, without a closing "Tick all that
        apply." (the page says "Select all that apply." once, as the GOV.UK hint)."""
        return _ALL_THAT_APPLY.sub("", self.prompt) if self.multiple else self.prompt

    def chosen(self, choice_ids: Iterable[str]) -> list[Option]:
        wanted = set(choice_ids)
        return [option for option in self.options if option.id in wanted]

    def missed(self, choice_ids: Iterable[str]) -> list[Option]:
        """The right options not chosen, in the order shown."""
        wanted = set(choice_ids)
        return [option for option in self.options if option.correct and option.id not in wanted]

    def is_right(self, choice_ids: Iterable[str]) -> bool:
        """Every right option and nothing else; for a one-answer step, one right option."""
        choices = frozenset(choice_ids)
        if self.multiple:
            return choices == self.correct_ids
        return len(choices) == 1 and choices <= self.correct_ids


@dataclass(frozen=True)
class Score:
    correct: int
    total: int
    percent: int
    critical_failed: bool
    passed: bool


def score(steps: Sequence[Step], responses: Iterable[Response], pass_mark: int) -> Score:
    """Score an attempt from the steps on its path and the responses to them alone.

    The percentage is rounded down, so a score never rounds up to a pass; a wrong answer
    to a critical step fails whatever the percentage.
    """
    by_position = {response.position: response for response in responses}
    correct = 0
    critical_failed = False
    for step in steps:
        response = by_position.get(step.position)
        right = response is not None and step.is_right(response.choice_ids)
        correct += right
        critical_failed |= step.critical and not right
    total = len(steps)
    score_percent = percent(correct, total, round_down=True)
    return Score(
        correct=correct,
        total=total,
        percent=score_percent,
        critical_failed=critical_failed,
        passed=total > 0 and score_percent >= pass_mark and not critical_failed,
    )


@dataclass(frozen=True)
class _Scenario:
    id: int
    title: str
    narrative: str
    steps: list  # the StreamField's children, as pinned
    names: list[str]


@dataclass(frozen=True)
class Walk:
    """Where an attempt has been and where it is: the steps answered, in order, and the
    step to answer next (None once every scenario has ended)."""

    answered: list[Step]
    current: Step | None
    # Where the current step is in the pinned scenarios: (scenario index, step index).
    place: tuple[int, int] | None = None
    responses: tuple[Response, ...] = ()  # as recorded, by position

    def response_at(self, position: int) -> Response | None:
        return self._by_position.get(position)

    @functools.cached_property
    def _by_position(self) -> dict[int, Response]:
        return {response.position: response for response in self.responses}


# A pinned revision never changes, so each process keeps the steps it parsed from the last few
# hundred: turning a revision's stored steps into blocks was most of the cost of every step page
# (a module of 18 scenarios is read again at each answer). The key includes the revision's
# creation time as well as its id, so an id used again (a rolled-back test) is not mistaken.
_parsed_revisions: Kept[_Scenario] = Kept(size=512)
# Nor do an attempt's pins, once made: each process keeps the scenarios of the last few thousand
# attempts it has served, by the attempt's public id (random, never used again), so a step page
# reads no pin. A step page then costs the same at the first scenario as at the eighteenth.
_attempt_scenarios: Kept[list[_Scenario]] = Kept(size=4096)


def _parsed(revision) -> _Scenario:
    """The revision's scenario as the engine reads it (steps as blocks), read-only and shared
    by every attempt pinned to it. ``revision.content`` is only read when not kept already."""

    def parse() -> _Scenario:
        # Only the fields the engine needs, read from the revision as stored: rebuilding the whole
        # page (revision.as_object()) costs several times as much.
        content = revision.content
        steps = list(ScenarioPage._meta.get_field("steps").to_python(content["steps"]))
        return _Scenario(int(revision.object_id), content["title"], content["narrative"], steps, step_names(steps))

    return _parsed_revisions.get((revision.pk, revision.created_at), parse)


def _pinned_scenarios(attempt: Attempt) -> list[_Scenario]:
    cached = getattr(attempt, "_scenarios", None)
    if cached is None:
        cached = _attempt_scenarios.peek(attempt.public_id)
    if cached is None:
        pinned = attempt.pinned_scenarios.select_related("revision").defer("revision__content")
        cached = [replace(_parsed(each.revision), id=each.scenario_id) for each in pinned]
        if cached:  # an attempt is pinned as it is made, in one transaction: none is pinned later
            _attempt_scenarios.put(attempt.public_id, cached)
    attempt._scenarios = cached
    return cached


def _step(attempt: Attempt, scenarios: list[_Scenario], place: tuple[int, int], position: int) -> Step:
    scenario_index, step_index = place
    scenario = scenarios[scenario_index]
    block = scenario.steps[step_index]
    options = list(block.value.options())
    if block.value.shuffle:
        # Not for secrecy: a stable, reproducible order from the stored seed.
        random.Random(f"{attempt.seed}:{block.id}").shuffle(options)  # noqa: S311
    return Step(
        position=position,
        scenario_number=scenario_index + 1,
        scenario_count=len(scenarios),
        scenario_id=scenario.id,
        scenario_title=scenario.title,
        narrative=scenario.narrative,
        step_id=str(block.id),
        kind=block.block_type,
        prompt=block.value["prompt"],
        multiple=block.value.multiple,
        critical=bool(block.value["critical"]),
        options=tuple(options),
    )


def _advance(scenarios: list[_Scenario], place: tuple[int, int], chosen: list[Option]) -> tuple[int, int] | None:
    """Where the attempt goes after answering the step at ``place`` with ``chosen``."""
    scenario_index, step_index = place
    scenario = scenarios[scenario_index]
    target = scenario.steps[step_index].value.next_step(chosen, following_step(scenario.names, step_index))
    if target != END and target in scenario.names:
        return scenario_index, scenario.names.index(target)
    # The scenario ends (validation on publish makes every other target a real step).
    return (scenario_index + 1, 0) if scenario_index + 1 < len(scenarios) else None


# An attempt's responses in order, read by every step, answer and result page: the query's SQL
# compiled once per process (``core.compiled``).
_responses_to = Compiled(lambda attempt_id: Response.objects.filter(attempt_id=attempt_id).order_by("position"))


def walk(attempt: Attempt) -> Walk:
    """Replay the attempt's responses through its pinned scenarios."""
    cached = getattr(attempt, "_walk", None)
    if cached is None:
        cached = attempt._walk = _replay(attempt, tuple(_responses_to(attempt_id=attempt.pk)))
    return cached


def _replay(attempt: Attempt, responses: tuple[Response, ...]) -> Walk:
    scenarios = _pinned_scenarios(attempt)
    place: tuple[int, int] | None = (0, 0) if scenarios else None
    answered: list[Step] = []
    for response in responses:
        if place is None:
            break
        step = _step(attempt, scenarios, place, len(answered) + 1)
        answered.append(step)
        place = _advance(scenarios, place, step.chosen(response.choice_ids))
    if len(answered) >= MAX_STEPS:
        place = None  # an officer going round a loop for ever still reaches a result
    current = None if place is None or attempt.is_finished else _step(attempt, scenarios, place, len(answered) + 1)
    return Walk(answered, current, place if current else None, responses)


@dataclass(frozen=True)
class ProgressEstimate:
    """How far along its path an attempt is: the steps answered and the steps it will have in
    all if every step still to come is answered right."""

    answered: int
    total: int
    exact: bool  # no decision point lies ahead, so no answer can change the total


def progress_estimate(attempt: Attempt) -> ProgressEstimate:
    """The steps answered so far plus the steps ahead on the right path from the current step.

    The right path takes the first right choice (in the order written) at a decision point, and a
    step's ``then`` (or the next step in the list) elsewhere; at a scenario's end it goes on to
    the next scenario's first step. So the total is exact for an officer who answers right, and
    after a wrong choice it is worked out again from wherever that choice led. ``exact`` is False
    while a step ahead could lead to more than one place. A right path that comes back to a step
    already counted is cut there, and the total never passes ``MAX_STEPS``. Reads only what
    ``walk`` has already read (no query once the walk is cached); a finished attempt's total is
    the steps answered.
    """
    progress = walk(attempt)
    answered = len(progress.answered)
    ahead: list[tuple[_Scenario, int]] = []
    if progress.place is not None:
        scenarios = _pinned_scenarios(attempt)
        first_scenario, first_step = progress.place
        for index in range(first_scenario, len(scenarios)):
            scenario = scenarios[index]
            start = first_step if index == first_scenario else 0
            ahead += [(scenario, step) for step in right_path(scenario.steps, start)]
    ahead = ahead[: max(0, MAX_STEPS - answered)]
    exact = all(
        len(set(scenario.steps[step].value.targets(following_step(scenario.names, step)))) <= 1
        for scenario, step in ahead
    )
    return ProgressEstimate(answered=answered, total=answered + len(ahead), exact=exact)


def steps_in_list_order(attempt: Attempt) -> list[Step]:
    """Every pinned step, scenario by scenario, in the order written: the path an attempt
    takes when no decision branches it. Positions count along that order."""
    scenarios = _pinned_scenarios(attempt)
    places = [(index, step) for index, scenario in enumerate(scenarios) for step in range(len(scenario.steps))]
    return [_step(attempt, scenarios, place, position) for position, place in enumerate(places, start=1)]


def current_position(attempt: Attempt) -> int | None:
    """The position of the step the officer must answer next, or None when all are answered."""
    current = walk(attempt).current
    return current.position if current else None


@transaction.atomic
def attempts_made(user, module: Page) -> int:
    """How many attempts the person has made at ``module`` (the number of their latest)."""
    return Attempt.objects.filter(user=user, module=module).aggregate(n=Max("number"))["n"] or 0


def can_start(user, module: Page, max_attempts: int | None) -> bool:
    """Whether ``start_attempt`` would give the person an attempt rather than refuse: one in
    progress is resumed; a new one needs an attempt left under ``max_attempts``."""
    if max_attempts is None or attempts_made(user, module) < max_attempts:
        return True
    return Attempt.objects.filter(user=user, module=module, status=Attempt.Status.IN_PROGRESS).exists()


def start_attempt(
    user,
    module: Page,
    scenarios: Sequence[Page],
    *,
    pass_mark: int,
    max_attempts: int | None = None,
) -> Attempt:
    """Resume the person's attempt in progress at ``module``, or start a new one.

    Raises ``NothingToAttempt`` when the module has no live scenario, and
    ``AttemptLimitReached`` when ``max_attempts`` are used up.
    """
    in_progress = Attempt.objects.filter(user=user, module=module, status=Attempt.Status.IN_PROGRESS).first()
    if in_progress:
        return in_progress
    plan = [scenario for scenario in scenarios if scenario.live_revision_id and len(scenario.steps)]
    if not plan:
        raise NothingToAttempt("This module has no scenarios yet. Please try again later.")
    made = attempts_made(user, module)
    if max_attempts is not None and made >= max_attempts:
        raise AttemptLimitReached(
            f"You have used all {max_attempts} attempts at this module. Ask your trainer to reset them."
        )
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user, module=module, number=made + 1, seed=secrets.randbits(48), pass_mark=pass_mark
            )
            PinnedScenario.objects.bulk_create(
                PinnedScenario(
                    attempt=attempt, position=place, scenario=scenario, revision_id=scenario.live_revision_id
                )
                for place, scenario in enumerate(plan, start=1)
            )
            attempt_started.send(sender=Attempt, attempt=attempt)
            return attempt
    except IntegrityError:
        # A second tab or a double click started one at the same moment: use that one.
        return Attempt.objects.get(user=user, module=module, status=Attempt.Status.IN_PROGRESS)


@transaction.atomic
def record_response(attempt: Attempt, position: int, choice_ids: Sequence[str]) -> Response:
    """Record the answer to the step at ``position``, once, and finish the attempt after the last.

    Raises ``AttemptFinished``, ``AlreadyAnswered``, ``NotCurrentStep`` or ``InvalidAnswer``;
    in each case nothing is written.
    """
    attempt = Attempt.objects.select_for_update().get(pk=attempt.pk)
    if attempt.is_finished:
        raise AttemptFinished("This attempt is finished; your answers are recorded.")
    progress = walk(attempt)
    if 1 <= position <= len(progress.answered):
        raise AlreadyAnswered("You have already answered this step. Your first answer stands.")
    if progress.current is None or position != progress.current.position:
        raise NotCurrentStep("Answer the steps in order. You have been taken to the step you are on.")
    step = progress.current
    choices = list(dict.fromkeys(choice_ids))
    known = {option.id for option in step.options}
    if not choices:
        raise InvalidAnswer("Select the options that apply." if step.multiple else "Select an answer.")
    if any(choice not in known for choice in choices):
        raise InvalidAnswer("Choose from the options shown for this step.")
    if not step.multiple and len(choices) != 1:
        raise InvalidAnswer("Select one answer only.")
    try:
        # No savepoint: a refused insert ends the whole transaction, which has written nothing else.
        with transaction.atomic(savepoint=False):
            response = Response.objects.create(
                attempt=attempt,
                position=position,
                scenario_id=step.scenario_id,
                step_id=step.step_id,
                choice_ids=choices,
                correct=step.is_right(choices),
                critical=step.critical,
            )
    except IntegrityError as error:
        raise AlreadyAnswered("You have already answered this step. Your first answer stands.") from error
    response_recorded.send(sender=Response, attempt=attempt, response=response, step=step)
    after = attempt._walk = _replay(attempt, (*progress.responses, response))
    if after.current is None:
        _finish(attempt, after.answered, after.responses)
    return response


def answer_remaining(attempt: Attempt, choose: Callable[[Step], Sequence[str]]) -> list[Step]:
    """Answer each step the attempt reaches with ``choose(step)`` until it is finished, and
    return the steps answered. For demo data, benchmarks and tests; officers answer one step
    at a time through the step view."""
    answered = []
    while (step := walk(Attempt.objects.get(pk=attempt.pk)).current) is not None:
        record_response(attempt, step.position, choose(step))
        answered.append(step)
    return answered


def _finish(attempt: Attempt, steps: Sequence[Step], responses: Sequence[Response]) -> None:
    result = score(steps, responses, attempt.pass_mark)
    attempt.status = Attempt.Status.PASSED if result.passed else Attempt.Status.FAILED
    attempt.completed_at = timezone.now()
    attempt.correct_count = result.correct
    attempt.step_count = result.total
    attempt.score_percent = result.percent
    attempt.critical_failed = result.critical_failed
    attempt.save(
        update_fields=[
            "status",
            "completed_at",
            "correct_count",
            "step_count",
            "score_percent",
            "critical_failed",
        ]
    )
    attempt_finished.send(sender=Attempt, attempt=attempt)


@dataclass(frozen=True)
class ReviewCard:
    """One step of the result page's review, with the options it names worked out beforehand."""

    step: Step
    response: Response | None
    chosen: list[Option]  # ticked, in the order shown
    missed: list[Option]  # right but not ticked
    right: list[Option]


def review(attempt: Attempt) -> list[ReviewCard]:
    """Each step on the attempt's path with the response given to it, for the result page."""
    progress = walk(attempt)
    cards = []
    for step in progress.answered:
        response = progress.response_at(step.position)
        choice_ids = response.choice_ids if response else []
        right = [option for option in step.options if option.correct]
        missed = step.missed(choice_ids) if response else []
        cards.append(ReviewCard(step, response, step.chosen(choice_ids), missed, right))
    return cards
