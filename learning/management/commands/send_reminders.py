"""Send today's reminders (14, 7 and 1 days before the due date, on it, weekly when overdue) and
escalations to line managers. Each is sent once, however often this runs. Run it daily, e.g.
``0 7 * * * cd /srv/attest && .venv/bin/python manage.py send_reminders``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from learning.tasks import send_due_reminders


class Command(BaseCommand):
    help = "Send today's training reminders and escalations (each once)."

    def handle(self, *args, **options):
        result = send_due_reminders.enqueue()
        if result.is_finished:
            sent = result.return_value
            self.stdout.write(
                self.style.SUCCESS(f"Reminders sent: {sent['reminders']}; escalations: {sent['escalations']}.")
            )
        else:
            self.stdout.write(f"Queued as task {result.id}; a worker will send them.")
