"""How long importing the HR system's CSV takes at force size: 50,000 people in 300 org units.

Builds a throwaway database (use PostgreSQL, the production database:
``DATABASE_URL=postgres://postgres@127.0.0.1:5432/attest_bench .venv/bin/python bench/people_import.py``),
adds 300 org units, then times, for a file of N people (default 50,000; each with a line
manager, a tenth of them leavers on the second run):

- the dry run of the first import (everyone created) and applying it;
- a second import of the same people with one in ten changed and one in ten leaving: its dry
  run and applying it.

The target is "well under a minute" for each apply on PostgreSQL.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.test")

import django

django.setup()

from django.db import connection  # noqa: E402
from throwaway import in_throwaway_database  # noqa: E402

from people import imports as people_import  # noqa: E402
from people.models import OrgUnit  # noqa: E402

PEOPLE = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
UNITS = 300


def make_units() -> list[str]:
    """The force, 10 business groups, and 289 teams below them: their code paths."""
    force = OrgUnit.add_root(code="met", name="Metropolitan Police Service")
    paths = []
    groups = [force.add_child(code=f"group-{g}", name=f"Business group {g}") for g in range(10)]
    for team in range(UNITS - 11):
        group = OrgUnit.objects.get(pk=groups[team % 10].pk)
        group.add_child(code=f"team-{team}", name=f"Team {team}")
        paths.append(f"met/group-{team % 10}/team-{team}")
    return paths


def people_csv(paths: list[str], *, changed_every: int = 0, leaver_every: int = 0) -> bytes:
    lines = [",".join(people_import.COLUMNS)]
    for n in range(PEOPLE):
        number = f"MP{n:07d}"
        manager = f"MP{(n // 10) * 10:07d}" if n % 10 else ""  # every tenth person manages the next nine
        rank = "Police Sergeant" if changed_every and n % changed_every == 1 else "Police Constable"
        active = "no" if leaver_every and n % leaver_every == 5 else "yes"
        unit = paths[(n // 10) % len(paths)]
        lines.append(f"{number},Given{n},Family{n},p{n}@force.example,{rank},Response,{unit},{manager},{active}")
    return ("\n".join(lines) + "\n").encode()


def timed(label: str, work):
    start = time.perf_counter()
    report = work()
    seconds = time.perf_counter() - start
    counts = ", ".join(f"{count} {action}" for action, count in report.counts().items() if count)
    print(f"  {label:<34} {seconds:7.1f} s   {counts}")
    if not report.ok:
        raise SystemExit(f"The generated file has errors: {report.problems()[:3]}")


def main() -> None:
    paths = make_units()
    first = people_csv(paths)
    second = people_csv(paths, changed_every=10, leaver_every=10)
    print(f"Importing {PEOPLE:,} people into {UNITS} org units on {connection.vendor} ({len(first) / 1e6:.1f} MB CSV)")
    timed("first file: dry run", lambda: people_import.check(first))
    timed("first file: apply", lambda: people_import.apply(first))
    timed("second file: dry run", lambda: people_import.check(second))
    timed("second file: apply", lambda: people_import.apply(second))


if __name__ == "__main__":
    in_throwaway_database(main)
