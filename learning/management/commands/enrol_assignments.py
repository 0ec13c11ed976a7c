"""Enrol every assignment's audience: new joiners, moved due dates, recurring cycles coming due.

Saving an assignment and importing people queue this already; run it daily too, e.g. from cron:
``30 0 * * * cd /srv/attest && .venv/bin/python manage.py enrol_assignments``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from learning.tasks import enrol_assignments


class Command(BaseCommand):
    help = "Enrol every assignment's audience (joiners, moved dates, recurrences)."

    def handle(self, *args, **options):
        result = enrol_assignments.enqueue()
        if result.is_finished:
            self.stdout.write(self.style.SUCCESS(f"Enrolments created or reopened: {result.return_value}."))
        else:
            self.stdout.write(f"Queued as task {result.id}; a worker will enrol them.")
