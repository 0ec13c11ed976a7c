"""Record the ledger's row count and head hash and email them outside the database.

Run it daily, e.g. from cron: ``0 2 * * * cd /srv/attest && .venv/bin/python manage.py anchor_ledger``.
The email goes to ``LEDGER_ANCHOR_EMAIL``; keep those messages somewhere the database's
administrators cannot change. ``verify_ledger`` checks the chain against every anchor.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from certificates.models import LedgerAnchor
from certificates.tasks import anchor_the_ledger


class Command(BaseCommand):
    help = "Record the ledger's head hash and email it to LEDGER_ANCHOR_EMAIL."

    def handle(self, *args, **options):
        result = anchor_the_ledger.enqueue()
        if not settings.LEDGER_ANCHOR_EMAIL:
            self.stderr.write("LEDGER_ANCHOR_EMAIL is not set: the anchor is recorded but sent nowhere.")
        if result.is_finished:
            anchor = LedgerAnchor.objects.get(pk=result.return_value)
            self.stdout.write(self.style.SUCCESS(f"Anchored: {anchor}."))
        else:
            self.stdout.write(f"Queued as task {result.id}; a worker will record it.")
