"""Remind policy owners of their policies' review dates.

Each policy's owner (its owner's email, or else the Policy owners group) is emailed once when
the policy's next review date is within 30 days, and once more when it has passed; each
reminder is recorded on the policy, so running this again sends nothing new. Run it daily,
e.g. from cron: ``15 1 * * * cd /srv/attest && .venv/bin/python manage.py send_policy_review_reminders``.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from certificates.tasks import send_policy_review_reminders


class Command(BaseCommand):
    help = "Email each policy's owner when its review is due within 30 days, and when it is overdue (each once)."

    def handle(self, *args, **options):
        result = send_policy_review_reminders.enqueue()
        if not result.is_finished:
            self.stdout.write(f"Queued as task {result.id}; a worker will send the reminders.")
            return
        sent = result.return_value
        self.stdout.write(
            self.style.SUCCESS(f"Policy review reminders sent: {sent['due']} due soon, {sent['overdue']} overdue.")
        )
        if sent["no_one_to_tell"]:
            self.stderr.write(
                f"{sent['no_one_to_tell']} policies are due for review but have no owner's email and nobody with an "
                "email address in the Policy owners group: nobody was reminded."
            )
