"""The audit log at force scale: writing an event, and HR's view and export of a large log.

A force of 50,000 people signing in most working days writes millions of events a year. In a
throwaway database this fills the log with N synthetic events (default 1,000,000: sign-ins,
failures, changes and exports from 50,000 people over a year), then prints:

- ``record()``: the median time to write one event (what each sign-in and export pays);
- the *Audit log* admin page, unfiltered (newest first, with its count), filtered to one person,
  and filtered to one kind of event over one week: median time and query count;
- the JSON-lines export of one month: time to first byte, total time, rows, and peak memory
  growth (tracemalloc).

Run it on PostgreSQL, the production database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attest_bench .venv/bin/python bench/audit_log.py [events]

Targets: writing an event at most 5 ms; each page at most 1 s; the export's first byte at most
1 s and memory growth at most 50 MB, whatever its length.
"""

from __future__ import annotations

import datetime
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

from access.audit import record  # noqa: E402
from access.mfa import SESSION_KEY  # noqa: E402
from access.models import AuditEvent  # noqa: E402
from people.models import User  # noqa: E402

EVENTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
PEOPLE = 50_000
BATCH = 10_000
RUNS = 5
Action = AuditEvent.Action
MIX = (
    [Action.SIGN_IN] * 70
    + [Action.SIGN_IN_FAILED] * 10
    + [Action.SIGN_OUT] * 12
    + [Action.CHANGE] * 5
    + [Action.EXPORT] * 3
)


def fill(now: datetime.datetime) -> None:
    rng = random.Random(408)
    start = now - datetime.timedelta(days=365)
    span = 365 * 24 * 3600
    seconds = sorted(rng.randrange(span) for _ in range(EVENTS))
    for first in range(0, EVENTS, BATCH):
        AuditEvent.objects.bulk_create(
            [
                AuditEvent(
                    at=start + datetime.timedelta(seconds=second),
                    action=rng.choice(MIX),
                    actor_label=f"person{rng.randrange(PEOPLE):05d}",
                    path="/accounts/login/",
                    ip_address=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    user_agent="Mozilla/5.0 (Windows NT 10.0; Win64; x64)",
                    details={},
                )
                for second in seconds[first : first + BATCH]
            ]
        )
    if connection.vendor == "postgresql":
        # As a long-lived table would be: statistics gathered, visibility map and hint bits set
        # (the first read after a bulk load would otherwise rewrite every page it touches).
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE access_auditevent")


def timed(client: Client, url: str) -> tuple[float, int]:
    times, queries = [], 0
    for _ in range(RUNS):
        with CaptureQueriesContext(connection) as captured:
            began = time.perf_counter()
            response = client.get(url)
            times.append(time.perf_counter() - began)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
        queries = len(captured)
    return statistics.median(times) * 1000, queries


def main() -> None:
    now = timezone.now()
    began = time.perf_counter()
    fill(now)
    print(f"{connection.vendor}: {EVENTS:,} events written in {time.perf_counter() - began:.1f} s")

    writes = []
    for number in range(200):
        began = time.perf_counter()
        record(Action.SIGN_IN_FAILED, actor_label=f"bench{number}")
        writes.append(time.perf_counter() - began)
    print(f"record(): median {statistics.median(writes) * 1000:.2f} ms per event")

    admin = User.objects.create_superuser("bench-admin", "bench@attest.example", "x" * 20)
    client = Client()
    client.force_login(admin)
    session = client.session
    session[SESSION_KEY] = {"method": "bench", "at": 0}
    session.save()

    week_from = (now - datetime.timedelta(days=60)).date()
    week_to = week_from + datetime.timedelta(days=6)
    for label, url in [
        ("page, unfiltered", "/admin/audit/"),
        ("page, one person", "/admin/audit/?actor_label=person01234"),
        ("page, failures in one week", f"/admin/audit/?action=sign-in-failed&date_from={week_from}&date_to={week_to}"),
    ]:
        milliseconds, queries = timed(client, url)
        print(f"{label}: median {milliseconds:.0f} ms, {queries} queries")

    month = f"/admin/audit/?export=jsonl&date_from={(now - datetime.timedelta(days=30)).date()}"
    # Timed apart from measuring memory: tracemalloc slows every allocation several times over.
    began = time.perf_counter()
    chunks = iter(client.get(month).streaming_content)
    first = next(chunks)
    first_byte = time.perf_counter() - began
    rows = first.count(b"\n") + sum(chunk.count(b"\n") for chunk in chunks)
    total = time.perf_counter() - began
    tracemalloc.start()
    for _ in client.get(month).streaming_content:
        pass
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"JSON-lines export of one month: {rows:,} rows, first byte {first_byte * 1000:.0f} ms, "
        f"total {total:.1f} s, peak memory growth {peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    in_throwaway_database(main)
