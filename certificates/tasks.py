"""Background work for the ledger and certificates, run by the configured django-tasks backend."""

from django.conf import settings
from django_tasks import task

from . import reviews
from .services import anchor_ledger
from .stored_pdfs import store_certificate_pdf  # noqa: F401 (the certificate tasks, in one place)


@task()
def anchor_the_ledger() -> int:
    """Record and email the ledger's head hash (daily, from cron: ``manage.py anchor_ledger``)."""
    return anchor_ledger(settings.LEDGER_ANCHOR_EMAIL).pk


@task()
def send_policy_review_reminders() -> dict[str, int]:
    """Remind each policy's owner of a review due within 30 days, and of one overdue, each once
    (daily, from cron: ``manage.py send_policy_review_reminders``)."""
    sent = reviews.send_policy_review_reminders()
    return {"due": len(sent.due), "overdue": len(sent.overdue), "no_one_to_tell": len(sent.no_one_to_tell)}
