"""Remove answers to scenario steps from attempts older than RESPONSE_RETENTION_YEARS, keeping each
attempt's score and result, the attestation ledger and certificates. Run it daily, e.g.
``0 3 * * * cd /srv/attest && .venv/bin/python manage.py apply_retention``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand

from records.privacy import responses_past_retention, retention_cutoff
from records.tasks import apply_retention


class Command(BaseCommand):
    help = (
        "Remove answers to scenario steps older than RESPONSE_RETENTION_YEARS "
        "(scores, attestations and certificates are kept)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Count the answers that would go; remove nothing.")

    def handle(self, *args, dry_run: bool = False, **options):
        cutoff = retention_cutoff()
        if dry_run:
            count = responses_past_retention().count()
            self.stdout.write(
                f"Dry run: {count} answers from attempts before {cutoff:%Y-%m-%d %H:%M} "
                f"(kept {settings.RESPONSE_RETENTION_YEARS} years) would be removed. Nothing was changed."
            )
            return
        result = apply_retention.enqueue()
        if result.is_finished:
            self.stdout.write(
                self.style.SUCCESS(f"Answers removed: {result.return_value} (attempts before {cutoff:%Y-%m-%d %H:%M}).")
            )
        else:
            self.stdout.write(f"Queued as task {result.id}; a worker will remove them.")
