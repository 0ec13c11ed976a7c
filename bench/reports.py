"""Completion reports at force scale, against a hand-written SQL GROUP BY over the same rows.

For 1,000, 10,000 and 50,000 people (300 org units, 20 modules: an enrolment for everyone on
every module, a deadline week's statuses; ``demo.synthetic``), each in its own throwaway
database, this prints:

- the force-wide "Completion by org unit" page: median time and its query count;
- the same numbers computed by the report code alone (``rows_by_unit``), and by one hand-written
  SQL GROUP BY that also rolls the counts up the unit tree, side by side, and whether they agree;
- one unit's page (a team): median time;
- at the largest size, the CSV export of one module's 50,000 rows: time to first byte, total
  time and peak memory growth (tracemalloc).

Run it on PostgreSQL, the production database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attest_bench .venv/bin/python bench/reports.py [sizes...]

Targets: query count the same at every size; force-wide report at most 1 s and within 1.5 times
the raw SQL; one unit at most 300 ms; export first byte at most 1 s, total at most 5 s, memory
growth at most 50 MB.
"""

from __future__ import annotations

import os
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
from django.utils import timezone  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

from demo.synthetic import generate_force  # noqa: E402
from learning.models import ModulePage  # noqa: E402
from people.models import OrgUnit, User  # noqa: E402
from records.reports import COLUMNS, current_enrolments, rows_by_unit  # noqa: E402

SIZES = [int(size) for size in sys.argv[1:]] or [1_000, 10_000, 50_000]
RUNS = 5

RAW_SQL = """
SELECT unit.id,
       count(*) AS assigned,
       count(*) FILTER (WHERE e.status = 'complete') AS complete,
       count(*) FILTER (WHERE e.status IN ('in_progress', 'passed')) AS in_progress,
       count(*) FILTER (WHERE e.status = 'not_started') AS not_started,
       count(*) FILTER (WHERE e.due_date < %(today)s AND e.status NOT IN ('complete', 'exempt')) AS overdue,
       count(*) FILTER (WHERE e.status = 'exempt') AS exempt
FROM learning_enrolment e
JOIN learning_user person ON person.id = e.user_id AND person.is_active
JOIN learning_orgunit home ON home.id = person.org_unit_id
JOIN learning_orgunit unit ON home.path LIKE unit.path || '%%'
WHERE NOT EXISTS (
    SELECT 1 FROM learning_enrolment later
    WHERE later.user_id = e.user_id AND later.module_id = e.module_id AND later.cycle > e.cycle
)
GROUP BY unit.id
"""


def median_ms(work, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def raw_rows() -> dict[int, tuple]:
    with connection.cursor() as cursor:
        cursor.execute(RAW_SQL, {"today": timezone.localdate()})
        return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def report_rows() -> dict[int, tuple]:
    return {row.key: tuple(getattr(row, column) for column in COLUMNS) for row in rows_by_unit(current_enrolments())}


def measure(people: int) -> None:
    start = time.perf_counter()
    force = generate_force(people=people, units=300, modules=20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    print(
        f"\n{people:,} people, {force.units} units, {force.enrolments:,} enrolments "
        f"(made in {time.perf_counter() - start:.0f} s) on {connection.vendor}"
    )
    admin = User.objects.create_superuser("bench-admin", "bench@force.example", None)
    client = Client()
    client.force_login(admin)
    url = "/admin/reports/completion/by-unit/"

    def page(query=""):
        response = client.get(url + query)
        if response.status_code != 200:
            raise SystemExit(f"{url}{query} answered {response.status_code}")

    page()
    queries = []
    with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
        page()
    print(f"  force-wide page          {median_ms(page):8.1f} ms   {len(queries)} queries")
    report_ms = median_ms(report_rows)
    sql_ms = median_ms(raw_rows)
    counted = {key: numbers for key, numbers in report_rows().items() if numbers[0]}  # units with anyone
    agree = counted == raw_rows()
    print(
        f"  report numbers           {report_ms:8.1f} ms   raw SQL GROUP BY {sql_ms:.1f} ms   "
        f"ratio {report_ms / sql_ms:.2f}   same numbers: {'yes' if agree else 'NO'}"
    )
    team = OrgUnit.objects.filter(code__startswith="syn-team-").first()
    print(f"  one unit's page          {median_ms(lambda: page(f'?org_unit={team.pk}')):8.1f} ms")
    if people == max(SIZES):
        export(client, ModulePage.objects.filter(slug__startswith="syn-module-").first())


def export(client: Client, module: ModulePage) -> None:
    """Time the export, then run it again under tracemalloc (which slows Python) for its memory."""
    url = f"/admin/reports/completion/people/?module={module.pk}&export=csv"
    start = time.perf_counter()
    chunks = iter(client.get(url).streaming_content)
    first = next(chunks)
    first_byte = time.perf_counter() - start
    size, rows = len(first), first.count(b"\n")
    for chunk in chunks:
        size += len(chunk)
        rows += chunk.count(b"\n")
    total = time.perf_counter() - start
    tracemalloc.start()
    baseline = tracemalloc.get_traced_memory()[0]
    for _chunk in client.get(url).streaming_content:
        pass
    peak = tracemalloc.get_traced_memory()[1] - baseline
    tracemalloc.stop()
    print(
        f"  CSV export, {rows - 1:,} rows ({size / 1e6:.1f} MB): first byte {first_byte * 1000:.0f} ms, "
        f"total {total:.1f} s, peak memory growth {peak / 1e6:.1f} MB"
    )


if __name__ == "__main__":
    for size in SIZES:
        in_throwaway_database(lambda size=size: measure(size))
