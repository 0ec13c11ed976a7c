"""Record the ledger's row count and head hash, sealed with the ledger key, and copy them
outside the database.

Run it daily, e.g. from cron: ``0 2 * * * cd /srv/attest && .venv/bin/python manage.py anchor_ledger``.
Each anchor is appended as a JSON line to ``LEDGER_ANCHOR_FILE``, logged on the
``attest.ledger.anchor`` logger and emailed to ``LEDGER_ANCHOR_EMAIL``; keep those copies somewhere
the database's administrators cannot change. ``verify_ledger`` checks the chain against every
anchor in the database, and ``verify_ledger --anchors FILE`` against every one in the file.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from certificates.models import LedgerAnchor
from certificates.tasks import anchor_the_ledger


class Command(BaseCommand):
    help = "Record the ledger's head hash; append it to LEDGER_ANCHOR_FILE, log it, email it to LEDGER_ANCHOR_EMAIL."

    def handle(self, *args, **options):
        result = anchor_the_ledger.enqueue()
        if not settings.LEDGER_ANCHOR_FILE and not settings.LEDGER_ANCHOR_EMAIL:
            self.stderr.write(
                "Neither LEDGER_ANCHOR_FILE nor LEDGER_ANCHOR_EMAIL is set: the anchor is recorded in the "
                "database and logged (attest.ledger.anchor), but kept nowhere else."
            )
        if result.is_finished:
            anchor = LedgerAnchor.objects.get(pk=result.return_value)
            self.stdout.write(self.style.SUCCESS(f"Anchored: {anchor}."))
        else:
            self.stdout.write(f"Queued as task {result.id}; a worker will record it.")
