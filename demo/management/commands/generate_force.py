"""Make a synthetic force for scale tests and benchmarks (never on a real database):

    python manage.py generate_force --people 50000 --units 300 --modules 20

Org units in a tree, people with ranks, roles and line managers, the modules, and an enrolment
for everyone on every module with a deadline week's spread of statuses and due dates.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.synthetic import generate_force


class Command(BaseCommand):
    help = "Make a synthetic force: people, org units, modules and enrolments (development only)."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=1000)
        parser.add_argument("--units", type=int, default=300)
        parser.add_argument("--modules", type=int, default=20)
        parser.add_argument("--seed", type=int, default=408)
        parser.add_argument("--prefix", default="syn-", help="Prefix of usernames, unit codes and page slugs.")

    def handle(self, *args, people, units, modules, seed, prefix, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError("Synthetic data is only for development and test settings.")
        if people < 1 or units < 12 or modules < 1:
            raise CommandError("Give at least 1 person, 12 units (the force, 10 groups and a team) and 1 module.")
        start = time.perf_counter()
        force = generate_force(people=people, units=units, modules=modules, seed=seed, prefix=prefix)
        self.stdout.write(
            self.style.SUCCESS(
                f"Made {force.people:,} people in {force.units} org units, {force.modules} modules and "
                f"{force.enrolments:,} enrolments in {time.perf_counter() - start:.1f} s."
            )
        )
