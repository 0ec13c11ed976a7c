"""Send the statements due to the learning record store, batch after batch, until none is due or
the LRS fails (those wait out their backoff). For the worker's cron, e.g. every five minutes:
``*/5 * * * * cd /srv/attest && .venv/bin/python manage.py send_statements``.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db.models import Count, Min
from django.utils import timezone

from xapi.models import OutboxStatement
from xapi.sending import retry, send_due


class Command(BaseCommand):
    help = "Send the xAPI statements due to the learning record store (XAPI_LRS_ENDPOINT), with backoff on failure."

    def add_arguments(self, parser):
        parser.add_argument("--status", action="store_true", help="Count the outbox by status; send nothing.")
        parser.add_argument(
            "--retry-refused",
            action="store_true",
            help="Send the statements the LRS refused again (after the cause was put right), and those waiting.",
        )

        parser.add_argument(
            "--forget-sent-after",
            type=int,
            metavar="DAYS",
            help="Also delete the outbox's copies of statements the LRS stored more than DAYS days ago "
            "(the LRS keeps them; the copies name people and their answers).",
        )

    def handle(self, *args, status: bool = False, retry_refused: bool = False, forget_sent_after=None, **options):
        if status:
            self._status()
            return
        if forget_sent_after is not None:
            if forget_sent_after < 1:
                raise CommandError("--forget-sent-after takes a number of days, 1 or more.")
            cutoff = timezone.now() - datetime.timedelta(days=forget_sent_after)
            forgotten, _ = OutboxStatement.objects.filter(
                status=OutboxStatement.Status.SENT, sent_at__lt=cutoff
            ).delete()
            self.stdout.write(f"Forgot {forgotten} statements stored by the LRS before {cutoff:%Y-%m-%d %H:%M}.")
        if not settings.XAPI_LRS_ENDPOINT:
            raise CommandError("No learning record store is configured (XAPI_LRS_ENDPOINT is empty): nothing to send.")
        if retry_refused:
            again = retry(OutboxStatement.objects.all())
            self.stdout.write(f"{again} statements will be sent again now.")
        report = send_due()
        message = f"Sent {report.sent} statements in {report.batches} batches"
        if report.refused or report.waiting:
            message += f"; {report.refused} refused by the LRS, {report.waiting} waiting to be tried again"
            self.stdout.write(self.style.WARNING(f"{message}. Last error: {report.errors[-1]}"))
        else:
            self.stdout.write(self.style.SUCCESS(f"{message}."))

    def _status(self) -> None:
        rows = OutboxStatement.objects.values("status").annotate(count=Count("pk"), oldest=Min("created_at"))
        by_status = {row["status"]: row for row in rows}
        for value, label in OutboxStatement.Status.choices:
            row = by_status.get(value)
            count = row["count"] if row else 0
            oldest = f" (oldest {row['oldest']:%Y-%m-%d %H:%M})" if row and value != "sent" else ""
            self.stdout.write(f"{label}: {count}{oldest}")
