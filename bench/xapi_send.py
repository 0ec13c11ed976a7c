"""What statements to the learning record store cost: the time added to recording an answer, and
how many statements a second the sender gets into an LRS.

    .venv/bin/python bench/xapi_send.py [statements]

The LRS is the tests' stand-in (``tests/xapi/lrs.py``) on 127.0.0.1, which validates every
statement against the xAPI schema as it stores it, so the rate is an upper bound set by our side
and a strict, single-process LRS on the same machine, not a figure for the force's own LRS across
the network. It builds a throwaway test database (SQLite by default; PostgreSQL when
DATABASE_URL is set) and drops it afterwards.

Recording an answer is timed three ways, median of many answers, each on a new attempt's first
step: with no LRS configured (no statement); with one configured and the send left to the task
worker (production: the outbox INSERT is all the answer pays); and with the send made in the
request after the commit (``TASKS_BACKEND=immediate``, development and tests).
"""

from __future__ import annotations

import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

STATEMENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
ANSWERS = 60


def main() -> None:
    from learning.factories import EnrolmentFactory, ModulePageFactory
    from learning.services import begin_module
    from people.factories import UserFactory
    from scenarios.factories import ScenarioPageFactory
    from scenarios.services import record_response, walk
    from tests.helpers import BRANCHING_STEPS
    from tests.xapi import lrs as stand_in
    from xapi import outbox
    from xapi.models import OutboxStatement
    from xapi.sending import send_due

    lrs, server = stand_in.start()
    settings.XAPI_LRS_USERNAME, settings.XAPI_LRS_PASSWORD = stand_in.USERNAME, stand_in.PASSWORD
    module = ModulePageFactory(title="Bench", pass_mark=50)
    ScenarioPageFactory(parent=module, title="The witness", narrative="<p>A witness.</p>", steps=BRANCHING_STEPS)

    def one_answer_ms(endpoint: str, send_in_request: bool) -> float:
        settings.XAPI_LRS_ENDPOINT = endpoint
        person = UserFactory()
        EnrolmentFactory(user=person, module=module)
        attempt = begin_module(person, module)
        step = walk(attempt).current
        enqueue = outbox._enqueue_send
        if not send_in_request:
            outbox._enqueue_send = lambda: None  # the database backend's worker sends it, not the request
        try:
            start = time.perf_counter()
            record_response(attempt, step.position, sorted(step.correct_ids))
            return (time.perf_counter() - start) * 1000
        finally:
            outbox._enqueue_send = enqueue
            # What the worker would have sent: so the next answer sent in the request sends its own alone.
            OutboxStatement.objects.filter(status="pending").update(status="sent")

    # The three ways in turn, answer after answer, so a busy machine weighs on each alike.
    modes = {"off": ("", False), "worker": (lrs.url, False), "inline": (lrs.url, True)}
    times: dict[str, list[float]] = {mode: [] for mode in modes}
    for _ in range(ANSWERS):
        for mode, (endpoint, inline) in modes.items():
            times[mode].append(one_answer_ms(endpoint, inline))
    off, worker, inline = (statistics.median(times[mode]) for mode in modes)
    print(f"Recording an answer on {connection.vendor}, median of {ANSWERS} answers each, taken in turn:")
    print(f"  no LRS configured                        {off:6.2f} ms")
    print(f"  LRS on, sent by the task worker          {worker:6.2f} ms  (+{worker - off:.2f} ms: the outbox INSERT)")
    print(f"  LRS on, sent in the request (immediate)  {inline:6.2f} ms  (+{inline - off:.2f} ms)")

    # Throughput: copies of a real "answered" statement under new ids, sent in batches.
    model = OutboxStatement.objects.filter(verb="answered").first().body
    for batch, validate in ((50, True), (200, True), (50, False), (200, False)):
        lrs.validate = validate
        OutboxStatement.objects.all().delete()
        lrs.stored.clear()
        rows = []
        for _ in range(STATEMENTS):
            body = {**model, "id": str(uuid.uuid4())}
            rows.append(OutboxStatement(statement_id=body["id"], verb="answered", body=body))
        OutboxStatement.objects.bulk_create(rows, batch_size=1000)
        settings.XAPI_BATCH_SIZE = batch
        start = time.perf_counter()
        report = send_due()
        seconds = time.perf_counter() - start
        if not report.sent == STATEMENTS == len(lrs.stored):
            raise SystemExit(f"Not all were stored: {report}")
        print(
            f"Sent {report.sent} statements in {report.batches} batches of {batch}: {seconds:.2f} s, "
            f"{report.sent / seconds:,.0f} statements/second"
            + (" (the stand-in validating each)" if validate else " (the stand-in not validating: our side)")
        )
    server.shutdown()


if __name__ == "__main__":
    in_throwaway_database(main)
