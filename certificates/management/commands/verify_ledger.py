"""Walk the attestation ledger and check every row's hash and its link to the row before.

``manage.py verify_ledger`` prints the number of rows and the head hash (the last row's
hash, which anchors the whole chain), or exits non-zero naming the first row (or daily anchor,
see ``anchor_ledger``) that does not verify. Run it before producing evidence.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from certificates.services import first_broken_row, ledger_head


class Command(BaseCommand):
    help = "Verify the attestation ledger's hash chain; print the row count and head hash."

    def handle(self, *args, **options):
        broken = first_broken_row()
        if broken is not None:
            where, reason = broken
            raise CommandError(
                f"{where} does not verify: {reason}. Everything after it is unproven: restore from a "
                "backup taken before the change, and investigate."
            )
        count, head = ledger_head()
        self.stdout.write(self.style.SUCCESS(f"The ledger verifies: {count} rows."))
        self.stdout.write(f"Head hash: {head}")
