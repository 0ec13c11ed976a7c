"""Email each saved report scheduled weekly to its recipient, once a week (Monday to Sunday):
the first run of the week sends, later runs that week do nothing. Run it daily, e.g.
``0 7 * * * cd /srv/attest && .venv/bin/python manage.py send_saved_reports``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from records.tasks import send_saved_reports


class Command(BaseCommand):
    help = "Email the saved reports scheduled weekly that have not been sent this week."

    def handle(self, *args, **options):
        result = send_saved_reports.enqueue()
        if result.is_finished:
            self.stdout.write(self.style.SUCCESS(f"Saved reports emailed: {result.return_value}."))
        else:
            self.stdout.write(f"Queued as task {result.id}; a worker will send them.")
