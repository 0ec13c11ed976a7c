"""Open the re-attestation cycle of each material policy version that has taken effect.

Publishing a material version that takes effect at once opens its cycle there and then; one
published to take effect on a later day opens it when this runs on or after that day. Run it
daily, e.g. from cron: ``0 1 * * * cd /srv/attest && .venv/bin/python manage.py open_reattestation_cycles``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from learning.tasks import open_reattestation_cycles


class Command(BaseCommand):
    help = "Open the re-attestation cycle of each material policy version that has taken effect."

    def handle(self, *args, **options):
        result = open_reattestation_cycles.enqueue()
        if result.is_finished:
            self.stdout.write(self.style.SUCCESS(f"Re-attestation cycles opened: {result.return_value}."))
        else:
            self.stdout.write(f"Queued as task {result.id}; a worker will open them.")
