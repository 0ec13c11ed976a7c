"""How long the admin's person and org unit choosers, and the forms that use them, take at force
scale: 50,000 people in 500 org units.

Builds a throwaway database (use PostgreSQL, the production database:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/attest_bench .venv/bin/python bench/choosers.py``),
adds 500 org units (the force, 20 business groups, 479 teams) and N people (default 50,000),
then signs in as HR would and prints the median of five loads (after one to warm up) of:

- the exemption form (its person field: a chooser, not a drop-down of everyone);
- the assignment form (its org units: the chosen ones and a chooser, not a checkbox per unit);
- a person chooser search ("smith": thousands match, ten are shown) and a warrant number search;
- an org unit chooser search;
- the people listing, searched, and the org unit tree with its people counts.

The target is under 300 ms for each form and each chooser search.
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

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

from access.mfa import SESSION_KEY  # noqa: E402
from people.models import OrgUnit, User  # noqa: E402

PEOPLE = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
UNITS = 500
GROUPS = 20
RUNS = 5
SURNAMES = ["Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel", "Wright"]


def make_units() -> list[int]:
    """The force, its business groups and teams below them: the teams' ids."""
    force = OrgUnit.add_root(code="met", name="Metropolitan Police Service")
    groups = [force.add_child(code=f"group-{g}", name=f"Business group {g}") for g in range(GROUPS)]
    teams = []
    for team in range(UNITS - GROUPS - 1):
        group = OrgUnit.objects.get(pk=groups[team % GROUPS].pk)
        teams.append(group.add_child(code=f"team-{team}", name=f"Team {team}").pk)
    return teams


def make_people(teams: list[int]) -> None:
    password = make_password(None)
    User.objects.bulk_create(
        (
            User(
                username=f"mp{n:07d}",
                warrant_number=f"MP{n:07d}",
                first_name=f"Given{n}",
                last_name=SURNAMES[n % len(SURNAMES)],
                email=f"p{n}@force.example",
                rank="Police Constable",
                org_unit_id=teams[n % len(teams)],
                password=password,
            )
            for n in range(PEOPLE)
        ),
        batch_size=5000,
    )


def median_ms(client: Client, url: str) -> tuple[float, int]:
    """The median time of ``RUNS`` loads of ``url`` after one to warm up, and its query count."""
    response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"{url} answered {response.status_code}")
    queries: list[str] = []
    times = []
    for run in range(RUNS):
        start = time.perf_counter()
        if run == 0:
            with connection.execute_wrapper(lambda execute, sql, *args: queries.append(sql) or execute(sql, *args)):
                client.get(url)
        else:
            client.get(url)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), len(queries)


def main() -> None:
    start = time.perf_counter()
    teams = make_units()
    make_people(teams)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
    print(
        f"{User.objects.count():,} people in {OrgUnit.objects.count()} org units on {connection.vendor} "
        f"(made in {time.perf_counter() - start:.0f} s); median of {RUNS} loads after one to warm up"
    )
    admin = User.objects.create_superuser("bench-admin", "bench@force.example", None)
    client = Client()
    client.force_login(admin)
    session = client.session
    session[SESSION_KEY] = {"method": "bench", "at": int(time.time())}
    session.save()
    for label, url in [
        ("exemption form", "/admin/exemptions/new/"),
        ("assignment form", "/admin/assignments/new/"),
        ("person chooser: search 'smith'", "/admin/people/choose/results/?q=smith"),
        ("person chooser: warrant number", "/admin/people/choose/results/?q=MP0012345"),
        ("person chooser: opened", "/admin/people/choose/"),
        ("org unit chooser: search 'team 4'", "/admin/org-units/choose/results/?q=team+4"),
        ("people listing: search 'smith'", "/admin/people/?q=smith"),
        ("org unit tree", "/admin/org-units/"),
    ]:
        ms, queries = median_ms(client, url)
        print(f"  {label:<36} {ms:7.1f} ms   {queries} queries")


if __name__ == "__main__":
    in_throwaway_database(main)
