from django.core.management.base import BaseCommand

from lti.tasks import send_due_grades


class Command(BaseCommand):
    help = "Send the grades owed to learning platforms that are due (run every few minutes from cron)."

    def handle(self, *args, **options):
        outcomes = send_due_grades.call()
        sent, waiting, failed = (outcomes.get(k, 0) for k in ("sent", "pending", "failed"))
        self.stdout.write(f"{sent} sent, {waiting} to try again, {failed} out of tries.")
