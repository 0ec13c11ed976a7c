"""Completion over time at force scale: the reports as at a past day and the 12-week trend.

For 50,000 people (300 org units, 20 modules: an enrolment for everyone on every module, a
deadline week's statuses; ``demo.synthetic``, as ``bench/reports.py`` builds it) in a throwaway
database, given a history first (accounts made 400 days ago, each started enrolment started
some days before it was completed, and a recurrence's second cycle for a tenth of those
complete, half of them opened by now), this prints the median of three runs of:

- "Completion by org unit, as at" the force-wide page, a fortnight ago, and its query count;
- "Completion by module, as at" the same day;
- "Completion week by week", 12 weeks, for the force and every module, and its query count;
- the same for one module and one unit (a team).

Run it on PostgreSQL, the production database:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/attest_bench .venv/bin/python bench/completion_trend.py [sizes...]

Targets: the number of queries the same at every size, and one aggregate query a week for the
trend; the as-at pages within 2.5 times today's page (they test more per enrolment: when its
cycle opened, and the exemptions in force that day); the trend of one module, or of one unit,
within 2.5 s; the force-wide trend of every module (twelve passes over 1,000,000 enrolments)
within 5 s.
"""

from __future__ import annotations

import datetime
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import F  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

from access.mfa import SESSION_KEY  # noqa: E402
from demo.synthetic import generate_force  # noqa: E402
from learning.models import Enrolment, ModulePage  # noqa: E402
from people.models import OrgUnit, User  # noqa: E402

SIZES = [int(size) for size in sys.argv[1:]] or [50_000]
RUNS = 3


def median_ms(work, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def give_a_history() -> int:
    """Accounts made long ago, start times for what was started, and a second (recurrence) cycle
    for a tenth of those complete. Returns the number of second cycles."""
    now = timezone.now()
    User.objects.update(date_joined=now - datetime.timedelta(days=400))
    Enrolment.objects.filter(completed_at__isnull=False).update(
        started_at=F("completed_at") - datetime.timedelta(days=3)
    )
    Enrolment.objects.filter(status__in=["in_progress", "passed"]).update(started_at=now - datetime.timedelta(days=20))
    table = Enrolment._meta.db_table
    with connection.cursor() as cursor:
        # Every tenth complete enrolment recurs: due in 10 days (opened 20 days ago) or in 50
        # (not yet opened by the recurrence's 30-day lead).
        cursor.execute(
            f"""
            INSERT INTO {table} (user_id, module_id, cycle, due_date, status, certificate_serial)
            SELECT user_id, module_id, 2,
                   CURRENT_DATE + CASE WHEN mod(id, 20) = 0 THEN 10 ELSE 50 END, 'not_started', ''
            FROM {table} WHERE status = 'complete' AND mod(id, 10) = 0
            """  # noqa: S608 (the table name is the model's own)
        )
        added = cursor.rowcount
        cursor.execute("ANALYZE")
    return added


def measure(people: int) -> None:
    start = time.perf_counter()
    force = generate_force(people=people, units=300, modules=20)
    recurrences = give_a_history()
    print(
        f"\n{people:,} people, {force.units} units, {force.enrolments + recurrences:,} enrolments "
        f"({recurrences:,} second cycles; made in {time.perf_counter() - start:.0f} s) on {connection.vendor}"
    )
    admin = User.objects.create_superuser("bench-admin", "bench@force.example", None)
    client = Client()
    client.force_login(admin)
    session = client.session
    session[SESSION_KEY] = {"method": "bench", "at": int(time.time())}  # as if MFA were passed
    session.save()
    fortnight_ago = (timezone.localdate() - datetime.timedelta(days=14)).isoformat()
    module = ModulePage.objects.filter(slug__startswith="syn-module-").first()
    team = OrgUnit.objects.filter(code__startswith="syn-team-").first()

    def timed(label: str, url: str) -> None:
        def page():
            response = client.get(url)
            if response.status_code != 200:
                raise SystemExit(f"{url} answered {response.status_code}")

        page()
        queries = []
        with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
            page()
        print(f"  {label:<42} {median_ms(page):8.1f} ms   {len(queries)} queries")

    timed("today's completion by org unit", "/admin/reports/completion/by-unit/")
    timed("as at, by org unit (force-wide)", f"/admin/reports/completion/as-at/by-unit/?as_at={fortnight_ago}")
    timed("as at, by module", f"/admin/reports/completion/as-at/by-module/?as_at={fortnight_ago}")
    timed("12-week trend, force, every module", "/admin/reports/completion/trend/")
    timed("12-week trend, one module", f"/admin/reports/completion/trend/?module={module.pk}")
    timed(
        "12-week trend, one team, one module", f"/admin/reports/completion/trend/?module={module.pk}&org_unit={team.pk}"
    )


if __name__ == "__main__":
    for size in SIZES:
        in_throwaway_database(lambda size=size: measure(size))
