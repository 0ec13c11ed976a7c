"""Background work for the ledger and certificates, run by the configured django-tasks backend."""

from django.conf import settings
from django_tasks import task

from .models import Certificate
from .services import anchor_ledger
from .stored_pdfs import stored_pdf


@task()
def anchor_the_ledger() -> int:
    """Record and email the ledger's head hash (daily, from cron: ``manage.py anchor_ledger``)."""
    return anchor_ledger(settings.LEDGER_ANCHOR_EMAIL).pk


@task()
def store_certificate_pdf(certificate_id: int) -> str:
    """Draw and store the PDF of a certificate just issued (queued by ``issue_certificate``), so
    that downloads serve it from storage. Returns its SHA-256."""
    return stored_pdf(Certificate.objects.get(pk=certificate_id)).sha256
