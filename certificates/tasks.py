"""Background work for the ledger and certificates, run by the configured django-tasks backend."""

from django.conf import settings
from django_tasks import task

from .services import anchor_ledger
from .stored_pdfs import store_certificate_pdf  # noqa: F401 (the certificate tasks, in one place)


@task()
def anchor_the_ledger() -> int:
    """Record and email the ledger's head hash (daily, from cron: ``manage.py anchor_ledger``)."""
    return anchor_ledger(settings.LEDGER_ANCHOR_EMAIL).pk
