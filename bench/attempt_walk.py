"""How long the attempt engine takes to replay an attempt through the demo module.

Every step page and every answer replays the attempt through its pinned scenario revisions
(``scenarios.services.walk``). This prints the median milliseconds of that replay on a fresh
attempt object, after the first answer and after the last, for the demo module as seed_demo
loads it, and the same replay with each pinned revision rebuilt as a whole page
(``revision.as_object()``, as the engine did before it read the stored fields directly). A
process keeps the steps it parsed from each pinned revision, so the replay is timed both ways:
with the revisions already parsed (every answer after the first in a worker process) and with
them parsed afresh (a worker's first request for that module).

    .venv/bin/python bench/attempt_walk.py [runs]

It builds a throwaway test database (SQLite by default; PostgreSQL when DATABASE_URL is set)
and drops it afterwards.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

RUNS = int(sys.argv[1]) if len(sys.argv) > 1 else 50


def median_ms(function, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    from learning.models import ModulePage
    from learning.services import begin_module
    from people.models import User
    from scenarios import services
    from scenarios.blocks import step_names
    from scenarios.models import Attempt

    call_command("seed_demo", stdout=open(os.devnull, "w"))  # noqa: SIM115
    module = ModulePage.objects.get(slug="contacting-the-public")
    attempt = begin_module(User.objects.get(username="officer"), module)

    def replay():
        services.walk(Attempt.objects.get(pk=attempt.pk))

    def rebuild_pages(attempt):
        scenarios = []
        for pinned in attempt.pinned_scenarios.select_related("revision"):
            page = pinned.revision.as_object()
            steps = list(page.steps)
            names = step_names(steps)
            scenarios.append(services._Scenario(pinned.scenario_id, page.title, page.narrative, steps, names))
        attempt._scenarios = scenarios
        return scenarios

    def replay_parsing_afresh():
        services._parsed_revisions.clear()
        services._attempt_scenarios.clear()
        replay()

    def measure(label: str) -> None:
        now = median_ms(replay)
        afresh = median_ms(replay_parsing_afresh)
        reading_stored_fields = services._pinned_scenarios
        services._pinned_scenarios = lambda attempt: getattr(attempt, "_scenarios", None) or rebuild_pages(attempt)
        try:
            before = median_ms(replay)
        finally:
            services._pinned_scenarios = reading_stored_fields
        print(
            f"  {label:<28} {now:7.1f} ms   (parsing the revisions afresh: {afresh:6.1f} ms; "
            f"rebuilding pages: {before:6.1f} ms, {before / now:4.1f}x)"
        )

    scenarios = len(module.scenario_pages())
    print(f"walk() of one attempt through {scenarios} scenarios on {connection.vendor}, median of {RUNS} runs")
    first = services.walk(attempt).current
    services.record_response(attempt, first.position, sorted(first.correct_ids))
    measure("after the first answer")
    services.answer_remaining(attempt, lambda step: sorted(step.correct_ids))
    finished = Attempt.objects.get(pk=attempt.pk)
    measure(f"after the last ({finished.step_count} steps)")


if __name__ == "__main__":
    in_throwaway_database(main)
