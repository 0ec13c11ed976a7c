"""Walk the attestation ledger and check every row's hash and its link to the row before.

``manage.py verify_ledger`` prints the number of rows and the head hash (the last row's
hash, which anchors the whole chain), or exits non-zero naming the first row that does not
verify. Run it before producing evidence, and compare its head hash with one recorded earlier.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from certificates.services import first_broken_row, ledger_head


class Command(BaseCommand):
    help = "Verify the attestation ledger's hash chain; print the row count and head hash."

    def handle(self, *args, **options):
        broken = first_broken_row()
        if broken is not None:
            row, reason = broken
            raise CommandError(
                f"Ledger row {row.pk} does not verify: {reason}. "
                f"It records {row.user} attesting to {row.policy_version} at {row.created_at:%Y-%m-%d %H:%M:%S %Z}. "
                "Every row after it is unproven. Restore from a backup taken before the change and investigate."
            )
        count, head = ledger_head()
        self.stdout.write(self.style.SUCCESS(f"The ledger verifies: {count} rows."))
        self.stdout.write(f"Head hash: {head}")
